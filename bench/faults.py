"""Fault injection: ``kill -9`` of each process in the middle of a conversation.

What it measures: one product per mode (A: 1 replica on SQLite; B: 2 Rasa replicas on
PostgreSQL + Redis, as ``bench/conversation_load.py``), and for every scenario x
process one row. The processes: the Rasa server, the action server and the web process
(help center + live-agent service), and in mode B also the PostgreSQL postmaster and
redis-server. In mode B "rasa" and "actions" are those of the replica that serves the
message in flight when the kill comes. The scenarios:

- ``kb``: a guest's KB conversation (greeting, 4 questions, thanks); the kill comes
  while the 3rd message (the 2nd question) is in flight;
- ``report``: a paid admin asks for a person and answers the problem report; the kill
  comes while the 3rd report answer is in flight; the conversation must still end on the
  priority proposal;
- ``handoff``: the same admin confirms the priority (``/affirm``: a ticket), the agent
  (marco, live-agent API with a console login) claims it, user and agent exchange
  messages; the kill comes while the user's 2nd message to the agent is in flight; then
  more messages both ways, the agent resolves, the user's widget poll (``/updates``)
  gets the rating prompt, the user rates.

The kill lands about 40% into the message's expected round trip (that of the message
before it), i.e. usually while Rasa or the actions work on it; the table says whether
the message was still in flight at the kill.
PostgreSQL and Redis are restarted by this script after ``--outage`` seconds (the
product's supervisor restarts only its own children). After the kill the client
behaves like the widget: a failed send (error status, no connection, or no answer
within 30 s) is retried every second, up to 120 s, with the same
``metadata.message_id`` (and locale, time zone); in mode B each retry goes to the other
replica (round robin, as a load balancer without health checks would do); the agent's
calls and the widget's poll are retried the same way.

Counted per row: messages sent (200), lost (a message that got its 200 but is not a
``user`` event in the tracker store, or, during the handoff, not among the ticket's
user messages), doubled (more than one ``user`` event,
or more than one copy at the agent), unanswered (a send, poll or agent call still
failing after 120 s, or a reply the bot owed that never came), wrong-language replies
(``bench.product.language_problems``), duplicated event rows, the client-visible
recovery (from the kill to the first 200 the widget gets after it) and the restart
(from the kill to the killed process answering its readiness probe again, or
PostgreSQL/Redis accepting connections), with the supervisor's lines and the new
ERROR lines of ``<var>/log/*.log``.

Command lines::

    .venv/bin/python bench/faults.py                          # modes A and B, every row
    .venv/bin/python bench/faults.py --modes A --processes rasa --scenarios kb --no-wait
    .venv/bin/python bench/faults.py --modes B --outage 10

Pass: 0 lost messages, 0 doubled, 0 unanswered, 0 wrong-language replies, 0 duplicated
event rows in every row. Results: ``var/bench/faults.json``. Exit code 0 only on pass.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.product import (  # noqa: E402
    ADMINS,
    AGENT,
    BENCH_VAR,
    GREETINGS,
    HUMAN,
    KB_QUESTIONS,
    LANGUAGES,
    REPORTS,
    THANKS,
    WAITING,
    Stack,
    chat_metadata,
    check_trackers,
    code_version,
    guess_language,
    language_problems,
    load_average,
    make_stack,
    normalise,
    reply_texts,
    texts_by_language,
    wait_for_quiet_machine,
)

RETRY_FOR = 120.0
SCENARIOS = ("kb", "report", "handoff")
PROCESSES = {"A": ("rasa", "actions", "web"),
             "B": ("rasa", "actions", "web", "postgres", "redis")}
MORE = {"ru": "а можно побыстрее?", "nb": "går det an å få svar snart?",
        "fr": "est-ce que ça va prendre longtemps ?", "it": "ci vorrà molto?",
        "en": "will this take long?"}
RATED = '/rate{"rating": "4"}'


@dataclass
class Send:
    """One message as the widget sends it: retried until a 200 or 120 s."""

    text: str
    started: float
    attempts: int = 0
    status: Optional[int] = None  # the final status (200, or the last failure's)
    ok_at: Optional[float] = None
    replies: List[Dict[str, Any]] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)


class Widget:
    """A user's widget: sends with retries, polls ``/updates``."""

    def __init__(self, urls: List[str], rasa_urls: List[str], sender: str, language: str,
                 token: Optional[str]) -> None:
        self.urls, self.rasa_urls = urls, rasa_urls
        self.sender, self.language = sender, language
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.session = requests.Session()
        self.turn = 0  # round robin over the replicas, per attempt
        self.sends: List[Send] = []

    def send(self, text: str) -> Send:
        """Sends until a 200 (every second, up to 120 s)."""
        record = Send(text, time.monotonic())
        self.sends.append(record)
        message_id = f"m-{uuid.uuid4().hex[:16]}"  # the same on every retry, as the widget
        while True:
            url = self.urls[self.turn % len(self.urls)]
            self.turn += 1
            record.attempts += 1
            try:
                response = self.session.post(
                    url, json={"sender": self.sender, "message": text,
                               "metadata": chat_metadata(self.language, message_id)},
                    headers=self.headers, timeout=30)
                record.status = response.status_code
                if response.status_code == 200:
                    record.replies = response.json()
                    record.ok_at = time.monotonic()
                    return record
                record.failures.append(f"{response.status_code} {response.text[:120]}")
            except requests.RequestException as error:
                record.status = 0
                record.failures.append(f"{type(error).__name__}")
                self.session = requests.Session()
            if time.monotonic() - record.started > RETRY_FOR:
                return record
            time.sleep(1.0)

    def updates(self) -> Optional[Dict[str, Any]]:
        """One poll of ``/updates`` (None on failure)."""
        url = self.rasa_urls[self.turn % len(self.rasa_urls)]
        self.turn += 1
        try:
            response = self.session.get(f"{url}/webhooks/helpcenter/updates", timeout=10,
                                        params={"sender": self.sender, "after": "0"},
                                        headers=self.headers)
            return response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            return None


class AgentConsole:
    """The agent (marco) on the live-agent API; every call retried like the widget."""

    def __init__(self, web_url: str) -> None:
        self.web_url = web_url
        self.session = requests.Session()
        self.logged_in = False

    def call(self, method: str, path: str, **kwargs: Any) -> Optional[requests.Response]:
        """A call retried every second up to 120 s (logs in again after a 401)."""
        deadline = time.monotonic() + RETRY_FOR
        while True:
            try:
                if not self.logged_in:
                    login = self.session.post(f"{self.web_url}/api/login", timeout=10,
                                              json={"agent_id": AGENT[0],
                                                    "password": AGENT[1]})
                    self.logged_in = login.status_code == 200
                if self.logged_in:
                    response = self.session.request(method, f"{self.web_url}{path}",
                                                    timeout=10, **kwargs)
                    if response.status_code == 401:
                        self.logged_in = False
                    elif response.status_code < 500:
                        return response
            except requests.RequestException:
                self.session = requests.Session()
                self.logged_in = False
            if time.monotonic() > deadline:
                return None
            time.sleep(1.0)

    def user_messages(self, ticket_id: str) -> Optional[List[str]]:
        """The texts the user sent to the ticket, oldest first (None: unreachable)."""
        response = self.call("GET", f"/api/tickets/{ticket_id}/messages")
        if response is None or response.status_code != 200:
            return None
        return [m["text"] for m in response.json() if m["author"] == "user"]


@dataclass
class Row:
    """One (mode, process, scenario) result."""

    mode: str
    process: str
    scenario: str
    language: str
    sender: str
    sent: int = 0
    lost: int = 0
    doubled: int = 0
    unanswered: int = 0
    wrong_language: int = 0
    duplicate_rows: int = 0
    recovery_s: Optional[float] = None
    restart_s: Optional[float] = None
    kill_after_ms: float = 0.0
    in_flight: bool = False  # the message was still waiting for its reply at the kill
    in_flight_attempts: int = 0
    notes: List[str] = field(default_factory=list)
    supervisor: List[str] = field(default_factory=list)
    log_errors: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The row passes."""
        return not (self.lost or self.doubled or self.unanswered or self.wrong_language
                    or self.duplicate_rows)


class Killer:
    """Kills one process of a stack and tells when it is back."""

    def __init__(self, stack: Stack, outage: float) -> None:
        self.stack, self.outage = stack, outage

    def kill(self, process: str, replica: int) -> Callable[[], bool]:
        """SIGKILL now; returns a probe that is True once the process serves again."""
        product = self.stack.product
        if process in ("rasa", "actions", "web"):
            pid = product.child_pid(process, replica if process != "web" else 0)
            if pid is None:
                raise RuntimeError(f"no {process} process to kill")
            import os
            import signal

            os.kill(pid, signal.SIGKILL)

            def back() -> bool:
                new = product.child_pid(process, replica if process != "web" else 0)
                return new not in (None, pid) and product.healthy(process, replica)
            return back
        server = self.stack.postgres if process == "postgres" else self.stack.redis
        assert server is not None
        server.kill9()
        done = threading.Event()

        def restart() -> None:
            time.sleep(self.outage)
            server.start()
            done.set()
        threading.Thread(target=restart, daemon=True).start()
        return done.is_set


def wait_all_healthy(stack: Stack, timeout: float = 300.0) -> bool:
    """Waits until every child of the product answers its probe."""
    product = stack.product
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(product.healthy(kind, replica) for replica in range(product.replicas)
               for kind in ("rasa", "actions")) and product.healthy("web"):
            return True
        time.sleep(1.0)
    return False


class LogWatcher:
    """The ERROR lines and tracebacks appended to ``<var>/log/*.log`` since a mark."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sizes: Dict[Path, int] = {}

    def mark(self) -> None:
        """Remembers the current size of every log."""
        self.sizes = {p: p.stat().st_size for p in self.folder.glob("*.log")}

    def new_errors(self, limit: int = 12) -> List[str]:
        """New ERROR / exception lines, prefixed with the log's name."""
        found = []
        for path in sorted(self.folder.glob("*.log")):
            with open(path, "rb") as handle:
                handle.seek(self.sizes.get(path, 0))
                text = handle.read().decode(errors="replace")
            for line in text.splitlines():
                if (" ERROR " in line or "Error:" in line or "Exception" in line
                        or line.startswith("Traceback")):
                    found.append(f"{path.stem}: {line.strip()[:220]}")
        # The same line repeated (a retry loop) once, with a count.
        counts = Counter(found)
        return [f"{line} (x{n})" if n > 1 else line for line, n in counts.items()][:limit]


def run_row(stack: Stack, mode: str, process: str, scenario: str, language: str,
            patterns: Dict[str, Any], outage: float) -> Row:
    """One conversation with one kill in it."""
    product = stack.product
    sender = f"fault-{mode}-{process}-{scenario}-{language}-{uuid.uuid4().hex[:6]}"
    row = Row(mode, process, scenario, language, sender)
    token = product.token(ADMINS[language]) if scenario != "kb" else None
    widget = Widget(product.chat_urls, product.rasa_urls, sender, language, token)
    agent = AgentConsole(product.web_url)
    logs = LogWatcher(product.var_dir / "log")
    logs.mark()
    output_mark = len(product.output)
    owed: List[Tuple[Send, bool]] = []  # (send, the bot owes a non-empty reply)

    def say(text: str, must_answer: bool = True) -> Send:
        record = widget.send(text)
        owed.append((record, must_answer))
        return record

    if scenario == "kb":
        questions = KB_QUESTIONS[language]
        before = [GREETINGS[language], questions[0]]
        in_flight = questions[1]
        after = [questions[2], questions[3], THANKS[language]]
    else:
        report = REPORTS[language]
        before = [HUMAN[language], report[0], report[1]]
        in_flight = report[2]
        after = list(report[3:])
    if scenario == "handoff":
        for text in [*before, in_flight, *after]:
            say(text)
        affirm = say("/affirm")
        ticket_id = next((r["custom"]["escalation"].get("ticket_id") for r in affirm.replies
                          if isinstance(r.get("custom"), dict)
                          and "escalation" in r["custom"]), None)
        if not ticket_id:
            row.notes.append(f"no ticket after /affirm: {json.dumps(affirm.replies)[:200]}")
            return finish_row(stack, row, widget, owed, patterns, logs, output_mark, None,
                              [], agent)
        claimed = agent.call("POST", f"/api/tickets/{ticket_id}/claim")
        if claimed is None or claimed.status_code != 200:
            row.notes.append(f"claim failed: {claimed.status_code if claimed else 'down'}")
        first = say(WAITING[language], must_answer=False)
        if agent.call("POST", f"/api/tickets/{ticket_id}/messages",
                      json={"text": "agent message 1"}) is None:
            row.unanswered += 1
            row.notes.append("agent message 1 not accepted")
        before_kill = [first]
        in_flight = MORE[language]
        after = [THANKS[language]]
    else:
        ticket_id = None
        before_kill = [say(text) for text in before]

    # The kill, about 40% into the round trip of the message before (a similar one).
    previous = widget.sends[-1]
    delay = 0.4 * (previous.ok_at - previous.started if previous.ok_at else 0.5)
    replica = widget.turn % len(widget.urls)  # the replica the next attempt goes to
    result: Dict[str, Send] = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("send", say(in_flight,
                                                     must_answer=scenario != "handoff")))
    thread.start()
    time.sleep(delay)
    killed_at = time.monotonic()
    row.kill_after_ms = round(1000 * delay)
    row.in_flight = thread.is_alive()
    back = Killer(stack, outage).kill(process, replica)

    def watch_restart() -> None:
        while time.monotonic() - killed_at < 300:
            if back():
                row.restart_s = round(time.monotonic() - killed_at, 1)
                return
            time.sleep(0.25)
    watcher = threading.Thread(target=watch_restart, daemon=True)
    watcher.start()
    thread.join()
    row.in_flight_attempts = result["send"].attempts
    for text in after:
        say(text, must_answer=scenario != "handoff")
    answered = [s.ok_at for s in widget.sends if s.ok_at and s.ok_at > killed_at]
    if answered:
        row.recovery_s = round(min(answered) - killed_at, 1)
    agent_texts: List[str] = []
    if scenario == "handoff" and ticket_id:
        agent_texts = handoff_second_half(row, widget, agent, ticket_id, language, patterns,
                                          [s.text for s in widget.sends if s.ok_at and
                                           s.started >= before_kill[0].started])
    watcher.join(timeout=300)
    return finish_row(stack, row, widget, owed, patterns, logs, output_mark, ticket_id,
                      agent_texts, agent)


def handoff_second_half(row: Row, widget: Widget, agent: AgentConsole, ticket_id: str,
                        language: str, patterns: Dict[str, Any],
                        relayed: List[str]) -> List[str]:
    """Agent answers, waits for every user message, resolves; the widget gets the rating."""
    if agent.call("POST", f"/api/tickets/{ticket_id}/messages",
                  json={"text": "agent message 2"}) is None:
        row.unanswered += 1
        row.notes.append("agent message 2 not accepted within 120 s")
    # The widget sees both agent messages.
    deadline = time.monotonic() + RETRY_FOR
    seen: List[str] = []
    while time.monotonic() < deadline:
        state = widget.updates()
        if state:
            seen = [m["text"] for m in state.get("messages", [])]
            if "agent message 2" in seen:
                break
        time.sleep(1.0)
    else:
        row.unanswered += 1
        row.notes.append(f"widget never saw agent message 2 (saw {seen})")
    if Counter(seen)["agent message 1"] > 1 or Counter(seen)["agent message 2"] > 1:
        row.doubled += 1
        row.notes.append(f"agent messages doubled in /updates: {seen}")
    # Every user message that got a 200 reaches the agent (the outbox may take a while).
    wanted = [normalise(t) for t in relayed]
    deadline = time.monotonic() + RETRY_FOR
    texts: List[str] = []
    while time.monotonic() < deadline:
        texts = [normalise(t) for t in (agent.user_messages(ticket_id) or [])]
        if all(t in texts for t in wanted):
            break
        time.sleep(1.0)
    time.sleep(3.0)  # a late outbox round must not add a copy
    texts = [normalise(t) for t in (agent.user_messages(ticket_id) or texts)]
    counts = Counter(texts)
    for text in set(wanted):
        if counts[text] < wanted.count(text):
            row.lost += 1
            row.notes.append(f"agent never got {text!r}")
        elif counts[text] > wanted.count(text):
            row.doubled += 1
            row.notes.append(f"agent got {text!r} x{counts[text]}")
    # Resolve; the widget's poll resumes the assistant, which asks for a rating.
    resolved = agent.call("POST", f"/api/tickets/{ticket_id}/resolve")
    if resolved is None or resolved.status_code != 200:
        row.unanswered += 1
        row.notes.append("resolve failed")
    deadline = time.monotonic() + RETRY_FOR
    replies: List[Dict[str, Any]] = []
    while time.monotonic() < deadline and not replies:
        state = widget.updates()
        replies = (state or {}).get("replies") or []
        if not replies:
            time.sleep(1.0)
    if not replies:
        row.unanswered += 1
        row.notes.append("no rating prompt after the resolve")
    else:
        wrong = language_problems(replies, language, patterns)
        row.wrong_language += len(wrong)
        row.notes += [f"wrong language in the rating prompt: {w[:120]}" for w in wrong]
        rated = widget.send(RATED)
        if not rated.ok_at or not reply_texts(rated.replies):
            row.unanswered += 1
            row.notes.append(f"no thanks for the rating: {rated.failures[-3:]}")
        else:
            wrong = language_problems(rated.replies, language, patterns)
            row.wrong_language += len(wrong)
    return texts


def finish_row(stack: Stack, row: Row, widget: Widget, owed: List[Tuple[Send, bool]],
               patterns: Dict[str, Any], logs: LogWatcher, output_mark: int,
               ticket_id: Optional[str], agent_texts: List[str],
               agent: AgentConsole) -> Row:
    """Counts the replies and checks the tracker of the row's conversation."""
    for record, must_answer in owed:
        if not record.ok_at:
            row.unanswered += 1
            row.notes.append(f"no 200 for {record.text!r} after {record.attempts} attempts: "
                             f"{record.failures[-2:]}")
            continue
        if must_answer and not reply_texts(record.replies):
            row.unanswered += 1
            row.notes.append(f"empty reply to {record.text!r}")
        wrong = language_problems(record.replies, row.language, patterns)
        row.wrong_language += len(wrong)
        row.notes += [f"wrong language [{guess_language(w, patterns)}] to {record.text!r}: "
                      f"{w[:120]}" for w in wrong]
    if row.scenario == "report":
        last = owed[-1][0]
        payloads = [b.get("payload") for r in last.replies for b in r.get("buttons", [])]
        if last.ok_at and "/affirm" not in payloads:
            row.unanswered += 1
            row.notes.append(f"no priority proposal at the end: {json.dumps(last.replies)[:200]}")
    ok = [s.text for s in widget.sends if s.ok_at]
    failed = [s.text for s in widget.sends if not s.ok_at]
    row.sent = len(ok)
    check = check_trackers(stack.product.tracker_db_url(), {row.sender: ok},
                           {row.sender: failed})
    row.lost += len(check.lost)
    row.doubled += len(check.doubled)
    row.duplicate_rows = len(check.duplicate_rows)
    row.notes += check.lost + check.doubled + check.out_of_order + check.duplicate_rows
    row.notes += [f"retries: {s.text!r} {s.attempts} attempts ({', '.join(s.failures[:3])})"
                  for s in widget.sends if s.attempts > 1]
    row.supervisor = [line.strip() for _, line in stack.product.output[output_mark:]
                      if line.strip()]
    row.log_errors = logs.new_errors()
    return row


def run_mode(mode: str, args: argparse.Namespace, patterns: Dict[str, Any]) -> List[Row]:
    """Starts the mode's product and runs its rows, scenario by scenario."""
    stack = make_stack(f"faults-{mode}", 1 if mode == "A" else 2)
    print(f"== mode {mode}: var {stack.product.var_dir}", flush=True)
    rows: List[Row] = []
    try:
        print(f"   running after {stack.product.start():.1f}s", flush=True)
        processes = [p for p in PROCESSES[mode] if p in args.processes]
        number = 0
        for scenario in args.scenarios:
            for process in processes:
                language = LANGUAGES[number % len(LANGUAGES)]
                number += 1
                if not wait_all_healthy(stack):
                    print("   the product did not come back: stopping this mode", flush=True)
                    return rows
                row = run_row(stack, mode, process, scenario, language, patterns,
                              args.outage)
                rows.append(row)
                print(f"   {process:<9} {scenario:<8} {language} sent {row.sent} lost "
                      f"{row.lost} doubled {row.doubled} unanswered {row.unanswered} "
                      f"wrong-lang {row.wrong_language} recovery {row.recovery_s}s restart "
                      f"{row.restart_s}s {'ok' if row.ok else 'FAIL'}", flush=True)
        return rows
    finally:
        print(f"   stopped (exit code {stack.product.stop()})", flush=True)
        stack.stop()


def print_table(rows: List[Row]) -> None:
    """One markdown row per (mode, process, scenario)."""
    print("\n| mode | process killed | scenario | lang | sent | lost | doubled | unanswered "
          "| wrong lang | dup rows | kill at ms (in flight) | attempts | recovery s "
          "| restart s | pass |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.mode} | {r.process} | {r.scenario} | {r.language} | {r.sent} | {r.lost} "
              f"| {r.doubled} | {r.unanswered} | {r.wrong_language} | {r.duplicate_rows} | "
              f"{r.kill_after_ms:.0f} ({'yes' if r.in_flight else 'no'}) | "
              f"{r.in_flight_attempts} | "
              f"{'-' if r.recovery_s is None else r.recovery_s} | "
              f"{'-' if r.restart_s is None else r.restart_s} | {'yes' if r.ok else 'NO'} |")


def main() -> int:
    """Parses the command line, runs the rows, prints and saves them."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="A,B")
    parser.add_argument("--processes", default="rasa,actions,web,postgres,redis")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--outage", type=float, default=3.0,
                        help="seconds PostgreSQL / Redis stay down before the restart")
    parser.add_argument("--no-wait", dest="wait", action="store_false")
    parser.add_argument("--out", default=str(BENCH_VAR / "faults.json"))
    args = parser.parse_args()
    args.processes = [p.strip() for p in args.processes.split(",")]
    args.scenarios = [s.strip() for s in args.scenarios.split(",")]
    patterns = texts_by_language()
    waited = wait_for_quiet_machine() if args.wait else None
    started = time.monotonic()
    rows: List[Row] = []
    for mode in [m.strip().upper() for m in args.modes.split(",")]:
        rows += run_mode(mode, args, patterns)
    print_table(rows)
    for row in rows:
        for line in row.notes:
            if not line.startswith("retries:") or not row.ok:
                print(f"{row.mode} {row.process} {row.scenario}: {line}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"wait": waited, "load_after": load_average(),
                               "code": code_version(),
                               "seconds": round(time.monotonic() - started),
                               "pass": all(r.ok for r in rows),
                               "rows": [asdict(r) for r in rows]}, indent=1,
                              ensure_ascii=False))
    print(f"written: {out}")
    return 0 if rows and all(r.ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
