"""Concurrent conversations over the help-center channel, then a check of the trackers.

What it measures: 50 conversations at once (10 per language: ru, nb, fr, it, en), each
sending its turns one after the other (the next turn leaves when the reply arrived),
over loopback against ``python -m bot run``:

- 4 conversations in 5 are KB conversations: a greeting, six KB questions written the
  way users write (symptoms, typos, English product names), a thanks (8 turns);
- 1 in 5 is a paid admin (``ADMINS`` of tests/e2e/test_escalation_http.py) who greets,
  asks for a person, answers the five problem-report questions, confirms the proposed
  priority (``/affirm``: the live handoff) and writes once more while waiting for the
  agent (9 turns; that last message goes to the agent, an empty reply is right).

Two modes, side by side in one invocation by default (each on a fresh var/ under
``var/bench/``):

- A: 1 Rasa replica, everything on SQLite;
- B: 2 Rasa replicas on PostgreSQL (product + tracker store database ``helpbot``,
  live-agent database ``live_agent``, one server, fsync on) + Redis lock store; the
  turns of each conversation alternate between the two Rasa ports, half of the
  conversations starting on each (all starting on the first port makes the replicas
  take turns being idle: every conversation's even turns on one, odd turns on the other).

Per mode: turns, errors (non-200, exceptions, an empty reply where the bot must answer,
a report form that did not end on the priority proposal), replies in the wrong
language (every text, or each of its paragraphs, must be one of the bot's texts in the
conversation's language, as ``tests/e2e/helpers.py`` ``assert_language`` checks, and a
KB card must carry that language), p50/p95/max reply latency, throughput (turns/s),
and the peak RSS of the ``python -m bot run`` process tree (sum over its processes,
from /proc every 0.5 s). Then the trackers: every message that got a 200 must be
exactly one ``user`` event of its conversation, in order, and no event row may be
duplicated (same type, timestamp and data), read with SQL from Rasa's ``events`` table.

``--single``: one user, sequential turns (12 KB questions per language, 60 turns), the
single-user round trip.

Command lines::

    .venv/bin/python bench/conversation_load.py                       # A and B, 50 each
    .venv/bin/python bench/conversation_load.py --conversations 5 --no-wait   # smoke
    .venv/bin/python bench/conversation_load.py --modes B
    .venv/bin/python bench/conversation_load.py --single [--modes A]

Pass: 0 errors, 0 wrong-language replies, 0 lost / doubled / reordered messages, 0
duplicated event rows, and the latency targets: 50 concurrent p95 <= 2 s; single user
p50 <= 150 ms and p95 <= 300 ms. The exit code is 0 only if everything passes.
Results: ``var/bench/conversation_load.json`` (``--single``: ``..._single.json``).
Before measuring it waits until the 1-minute load average is below 1.5 (``--no-wait``
skips that).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.product import (  # noqa: E402
    ADMINS,
    BENCH_VAR,
    GREETINGS,
    HUMAN,
    KB_QUESTIONS,
    LANGUAGES,
    REPORTS,
    THANKS,
    WAITING,
    MemorySampler,
    Stack,
    check_trackers,
    code_version,
    cpu_seconds,
    guess_language,
    language_problems,
    load_average,
    make_stack,
    percentile,
    post_chat,
    reply_texts,
    rss_bytes,
    texts_by_language,
    wait_for_quiet_machine,
)

P95_TARGET_LOAD_MS = 2000.0
P50_TARGET_SINGLE_MS, P95_TARGET_SINGLE_MS = 150.0, 300.0


@dataclass
class Turn:
    """One message of a conversation; ``expect_reply`` None: an empty reply is fine."""

    text: str
    expect_reply: Optional[bool] = True
    check_affirm: bool = False  # the reply must offer the priority confirmation


@dataclass
class Conversation:
    """A scripted conversation."""

    sender: str
    language: str
    kind: str  # "kb" or "handoff"
    turns: List[Turn]
    user_id: Optional[str] = None


@dataclass
class TurnResult:
    """What happened to one turn."""

    sender: str
    language: str
    kind: str
    index: int
    port_index: int
    status: int  # 0: exception
    latency_ms: float
    replies: int
    error: str = ""
    wrong_language: List[str] = field(default_factory=list)


def build_conversations(count: int, handoff_every: int = 5) -> List[Conversation]:
    """``count`` conversations, spread evenly over the five languages."""
    run = uuid.uuid4().hex[:6]
    conversations = []
    for number in range(count):
        language = LANGUAGES[number % len(LANGUAGES)]
        nth = number // len(LANGUAGES)  # the how-many-th conversation in its language
        sender = f"load-{run}-{language}-{nth:02d}"
        if handoff_every and nth % handoff_every == handoff_every - 1:
            report = REPORTS[language]
            turns = [Turn(GREETINGS[language]), Turn(HUMAN[language])]
            turns += [Turn(answer) for answer in report[:-1]]
            turns += [Turn(report[-1], check_affirm=True), Turn("/affirm"),
                      Turn(WAITING[language], expect_reply=None)]
            conversations.append(Conversation(sender, language, "handoff", turns,
                                              ADMINS[language]))
        else:
            questions = KB_QUESTIONS[language]
            picked = [questions[(nth * 5 + k) % len(questions)] for k in range(6)]
            turns = ([Turn(GREETINGS[language])] + [Turn(q) for q in picked]
                     + [Turn(THANKS[language])])
            conversations.append(Conversation(sender, language, "kb", turns))
    return conversations


def single_user_conversations() -> List[Conversation]:
    """One user: 12 KB questions in each language (60 turns), a conversation per language."""
    run = uuid.uuid4().hex[:6]
    return [Conversation(f"single-{run}-{language}", language, "kb",
                         [Turn(q) for q in KB_QUESTIONS[language]])
            for language in LANGUAGES]


class Recorder:
    """Collects turn results and the texts that got a 200, thread-safely."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.results: List[TurnResult] = []
        self.sent: Dict[str, List[str]] = {}
        self.failed: Dict[str, List[str]] = {}
        self.flow_errors: List[str] = []

    def add(self, result: TurnResult, text: str) -> None:
        """Records one turn."""
        with self.lock:
            self.results.append(result)
            target = self.sent if result.status == 200 else self.failed
            target.setdefault(result.sender, []).append(text)


def run_conversation(conversation: Conversation, urls: List[str], token: Optional[str],
                     patterns: Dict[str, Any], recorder: Recorder, deadline: float,
                     first_port: int = 0, think: float = 0.0) -> None:
    """Sends the turns one after the other; alternates between ``urls`` (replicas).

    ``first_port``: the replica of the first turn (half the conversations start on each,
    so that the replicas do not take turns being idle); ``think``: mean seconds a user
    takes to read and type before each turn, the first included (uniform in 0..2x, so
    that the 50 users do not all arrive in the same instant; 0: none, every turn leaves
    the moment the previous reply arrived).
    """
    session = requests.Session()
    rng = random.Random(conversation.sender)
    recorder.sent.setdefault(conversation.sender, [])
    for index, turn in enumerate(conversation.turns):
        if think:
            time.sleep(rng.uniform(0, 2 * think))
        if time.monotonic() > deadline:
            with recorder.lock:
                recorder.flow_errors.append(f"{conversation.sender}: time limit before "
                                            f"turn {index}")
            return
        port_index = (first_port + index) % len(urls)
        started = time.perf_counter()
        status, replies, error = 0, [], ""
        try:
            response = post_chat(session, urls[port_index], conversation.sender, turn.text,
                                 conversation.language, token,
                                 message_id=f"m-{uuid.uuid4().hex[:16]}")
            status = response.status_code
            body = response.json()
            if status == 200:
                replies = body
            else:
                error = f"HTTP {status}: {json.dumps(body)[:200]}"
        except (requests.RequestException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        latency = 1000 * (time.perf_counter() - started)
        if status == 200 and turn.expect_reply and not reply_texts(replies):
            error = f"empty reply to {turn.text!r}: {json.dumps(replies)[:200]}"
        if status == 200 and turn.check_affirm:
            payloads = [b.get("payload") for r in replies for b in r.get("buttons", [])]
            if "/affirm" not in payloads:
                error = f"no priority proposal after the report: {json.dumps(replies)[:300]}"
        wrong = language_problems(replies, conversation.language, patterns) if status == 200 \
            else []
        recorder.add(TurnResult(conversation.sender, conversation.language, conversation.kind,
                                index, port_index, status, latency, len(replies), error,
                                [f"[{guess_language(w, patterns)}] {w[:160]}" for w in wrong]),
                     turn.text)


def drive(stack: Stack, conversations: List[Conversation], patterns: Dict[str, Any],
          concurrency: int, time_limit: float, think: float = 0.0) -> Dict[str, Any]:
    """Runs the conversations (``concurrency`` at a time) and summarises them."""
    product = stack.product
    tokens = {c.user_id: product.token(c.user_id) for c in conversations if c.user_id}
    recorder = Recorder()
    urls = product.chat_urls
    deadline = time.monotonic() + time_limit
    cpu_before = product.cpu_by_process()
    servers_before = server_cpu(stack)
    with MemorySampler(product.process.pid) as memory:  # type: ignore[union-attr]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = [pool.submit(run_conversation, c, urls,
                                   tokens.get(c.user_id) if c.user_id else None, patterns,
                                   recorder, deadline, number % len(urls), think)
                       for number, c in enumerate(conversations)]
            for future in futures:
                future.result()
        wall = time.perf_counter() - started
    cpu_after = {**product.cpu_by_process(), **server_cpu(stack)}
    cpu_before.update(servers_before)
    summary = summarise(stack, recorder, wall, memory)
    turns = max(1, summary["turns"])
    summary["cpu_ms_per_turn"] = {
        name.split(":")[0] + (f":{name.split(':')[1]}" if name.startswith(("rasa", "actions"))
                              else ""): round(1000 * (cpu_after[name] - cpu_before.get(name, 0))
                                              / turns, 1)
        for name in cpu_after}
    summary["cpu_ms_per_turn_total"] = round(sum(summary["cpu_ms_per_turn"].values()), 1)
    summary["servers_rss_mb"] = server_rss(stack)
    return summary


def server_cpu(stack: Stack) -> Dict[str, float]:
    """CPU seconds of PostgreSQL (all its processes) and Redis, if the mode has them."""
    found: Dict[str, float] = {}
    if stack.postgres:
        found["postgres"] = sum(cpu_seconds(p) for p in stack.postgres.pids())
    if stack.redis and stack.redis.process:
        found["redis"] = cpu_seconds(stack.redis.process.pid)
    return found


def server_rss(stack: Stack) -> Dict[str, float]:
    """RSS (MiB) of PostgreSQL (summed over its processes) and Redis."""
    found: Dict[str, float] = {}
    if stack.postgres:
        found["postgres"] = round(stack.postgres.rss_mb(), 1)
    if stack.redis and stack.redis.process:
        found["redis"] = round(rss_bytes(stack.redis.process.pid) / 2**20, 1)
    return found


def summarise(stack: Stack, recorder: Recorder, wall: float,
              memory: MemorySampler) -> Dict[str, Any]:
    """Latency, errors, language, throughput, memory, tracker check of one run."""
    results = recorder.results
    latencies = [r.latency_ms for r in results]
    ok = [r.latency_ms for r in results if r.status == 200]
    errors = [r for r in results if r.error]
    wrong = [r for r in results if r.wrong_language]
    check = check_trackers(stack.product.tracker_db_url(), recorder.sent, recorder.failed)
    by_kind = {}
    for kind in ("kb", "handoff"):
        values = [r.latency_ms for r in results if r.kind == kind and r.status == 200]
        if values:
            by_kind[kind] = {"turns": len(values), "p50_ms": statistics.median(values),
                             "p95_ms": percentile(values, 0.95)}
    first = [r.latency_ms for r in results if r.index == 0 and r.status == 200]
    return {
        "turns": len(results),
        "conversations": len({r.sender for r in results}),
        "errors": len(errors) + len(recorder.flow_errors),
        "error_examples": [f"{r.sender}#{r.index}: {r.error}" for r in errors[:15]]
        + recorder.flow_errors[:5],
        "wrong_language_replies": sum(len(r.wrong_language) for r in wrong),
        "wrong_language_examples": [f"{r.sender}#{r.index} ({r.language}): {w}"
                                    for r in wrong for w in r.wrong_language][:15],
        "p50_ms": statistics.median(ok) if ok else float("nan"),
        "p95_ms": percentile(ok, 0.95),
        "max_ms": max(latencies, default=float("nan")),
        "first_turn_p50_ms": statistics.median(first) if first else float("nan"),
        "by_kind": by_kind,
        "by_language_p95_ms": {lang: percentile([r.latency_ms for r in results
                                                 if r.language == lang and r.status == 200],
                                                0.95) for lang in LANGUAGES},
        "wall_s": wall,
        "throughput_turns_per_s": len(results) / wall if wall else 0.0,
        "peak_rss_mb": memory.peak_mb,
        "trackers": check.summary(),
        "supervisor_lines": stack.product.warnings(),
        "turn_log": [asdict(r) for r in results],
    }


def warm_up(stack: Stack) -> List[float]:
    """One KB question per language on each replica (not measured); returns the latencies."""
    session, seconds = requests.Session(), []
    for number, url in enumerate(stack.product.chat_urls):
        for language in LANGUAGES:
            started = time.perf_counter()
            try:
                post_chat(session, url, f"warmup-{number}-{language}-{uuid.uuid4().hex[:6]}",
                          KB_QUESTIONS[language][-1], language)
            except requests.RequestException:
                pass
            seconds.append(round(time.perf_counter() - started, 3))
    return seconds


def run_mode(mode: str, args: argparse.Namespace, patterns: Dict[str, Any],
             single: bool) -> Dict[str, Any]:
    """Starts the mode's product, drives it, checks it, stops it."""
    replicas = 1 if mode == "A" else 2
    stack = make_stack(f"load-{mode}{'-single' if single else ''}", replicas)
    print(f"== mode {mode}: {replicas} replica(s) on "
          f"{'SQLite' if replicas == 1 else 'PostgreSQL + Redis'}; var: "
          f"{stack.product.var_dir}", flush=True)
    try:
        startup_s = stack.product.start()
        print(f"   running after {startup_s:.1f}s", flush=True)
        warm = warm_up(stack) if args.warmup else []
        settled = (wait_for_quiet_machine(timeout=args.settle_timeout) if args.wait
                   else {"waited_s": 0, "load_at_start": load_average(), "quiet": None})
        idle = stack.product.rss_by_process()
        conversations = (single_user_conversations() if single
                         else build_conversations(args.conversations, args.handoff_every))
        summary = drive(stack, conversations, patterns, 1 if single else args.conversations,
                        args.time_limit, 0.0 if single else args.think)
        summary.update(mode=mode, replicas=replicas, startup_s=startup_s, think_s=args.think,
                       warmup_s=warm, load_before=settled,
                       load_after=load_average(), idle_rss_mb=idle,
                       idle_rss_total_mb=sum(idle.values()),
                       var_dir=str(stack.product.var_dir))
        return summary
    finally:
        code = stack.product.stop()
        print(f"   stopped (exit code {code})", flush=True)
        stack.stop()


def passes(summary: Dict[str, Any], single: bool) -> Dict[str, bool]:
    """Each pass criterion of one mode."""
    trackers = summary["trackers"]
    verdict = {
        "no_errors": summary["errors"] == 0,
        "right_language": summary["wrong_language_replies"] == 0,
        "trackers_intact": not (trackers["lost"] or trackers["doubled"]
                                or trackers["out_of_order"] or trackers["duplicate_event_rows"]),
    }
    if single:
        verdict["p50<=150ms"] = summary["p50_ms"] <= P50_TARGET_SINGLE_MS
        verdict["p95<=300ms"] = summary["p95_ms"] <= P95_TARGET_SINGLE_MS
    else:
        verdict["p95<=2s"] = summary["p95_ms"] <= P95_TARGET_LOAD_MS
    return verdict


def print_table(summaries: List[Dict[str, Any]], single: bool) -> None:
    """The markdown table of the modes, side by side."""
    rows = [
        ("replicas / stores", lambda s: f"{s['replicas']} / "
         f"{'SQLite' if s['replicas'] == 1 else 'PostgreSQL+Redis'}"),
        ("conversations / turns", lambda s: f"{s['conversations']} / {s['turns']}"),
        ("errors", lambda s: str(s["errors"])),
        ("wrong-language replies", lambda s: str(s["wrong_language_replies"])),
        ("p50 / p95 / max ms", lambda s: f"{s['p50_ms']:.0f} / {s['p95_ms']:.0f} / "
                                         f"{s['max_ms']:.0f}"),
        ("first turn p50 ms", lambda s: f"{s['first_turn_p50_ms']:.0f}"),
        ("KB turns p50 / p95 ms", lambda s: "{:.0f} / {:.0f}".format(
            s["by_kind"].get("kb", {}).get("p50_ms", float("nan")),
            s["by_kind"].get("kb", {}).get("p95_ms", float("nan")))),
        ("handoff turns p50 / p95 ms", lambda s: "{:.0f} / {:.0f}".format(
            s["by_kind"].get("handoff", {}).get("p50_ms", float("nan")),
            s["by_kind"].get("handoff", {}).get("p95_ms", float("nan")))),
        ("wall s / throughput turns/s", lambda s: f"{s['wall_s']:.1f} / "
                                                  f"{s['throughput_turns_per_s']:.2f}"),
        ("peak RSS MiB (idle)", lambda s: f"{s['peak_rss_mb']:.0f} "
                                          f"({s['idle_rss_total_mb']:.0f})"),
        ("+ PostgreSQL / Redis RSS MiB", lambda s: " / ".join(
            str(v) for v in s["servers_rss_mb"].values()) or "-"),
        ("CPU ms per turn (all processes)", lambda s: f"{s['cpu_ms_per_turn_total']:.0f}"),
        ("  of which", lambda s: ", ".join(f"{k} {v:.0f}"
                                           for k, v in s["cpu_ms_per_turn"].items())),
        ("user msgs lost / doubled / reordered", lambda s: "{} / {} / {}".format(
            s["trackers"]["lost"], s["trackers"]["doubled"], s["trackers"]["out_of_order"])),
        ("duplicated event rows", lambda s: str(s["trackers"]["duplicate_event_rows"])),
        ("load avg before / after", lambda s: f"{s['load_before']['load_at_start']:.2f} / "
                                              f"{s['load_after']:.2f}"),
        ("pass", lambda s: "yes" if all(passes(s, single).values()) else
         "NO: " + ", ".join(k for k, v in passes(s, single).items() if not v)),
    ]
    names = [f"mode {s['mode']}" for s in summaries]
    print("\n| | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(s) for s in summaries) + " |")


def main() -> int:
    """Parses the command line, runs the modes, prints and saves the results."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="",
                        help="A, B or A,B (default: A,B; --single: A)")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--handoff-every", type=int, default=5,
                        help="every Nth conversation of a language is a handoff (0: none)")
    parser.add_argument("--single", action="store_true", help="one user, 60 sequential turns")
    parser.add_argument("--think", type=float, default=0.0,
                        help="mean seconds a user reads and types before each turn, the first "
                             "included (uniform 0..2x; default 0: the next turn leaves "
                             "at once)")
    parser.add_argument("--time-limit", type=float, default=900.0,
                        help="seconds for all conversations of a mode; later turns are "
                             "not sent (and counted as errors)")
    parser.add_argument("--no-wait", dest="wait", action="store_false",
                        help="do not wait for a 1-minute load average below 1.5")
    parser.add_argument("--settle-timeout", type=float, default=600.0,
                        help="how long to wait, after a mode's product started, for the "
                             "load to drop again (the first wait, before anything starts, "
                             "is up to 40 minutes)")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="skip the unmeasured KB question per language and replica")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    modes = [m.strip().upper() for m in (args.modes or ("A" if args.single else "A,B"))
             .split(",") if m.strip()]
    patterns = texts_by_language()
    initial = wait_for_quiet_machine() if args.wait else None
    summaries = []
    for mode in modes:
        summary = run_mode(mode, args, patterns, args.single)
        summaries.append(summary)
        print(f"   {summary['turns']} turns, errors {summary['errors']}, "
              f"p95 {summary['p95_ms']:.0f} ms", flush=True)
    print_table(summaries, args.single)
    by_mode = {s["mode"]: s for s in summaries}
    ratio = None
    if "A" in by_mode and "B" in by_mode:
        ratio = by_mode["B"]["throughput_turns_per_s"] / by_mode["A"]["throughput_turns_per_s"]
        print(f"\nthroughput ratio B/A: {ratio:.2f}")
    for summary in summaries:
        for label, key in (("errors", "error_examples"),
                           ("wrong language", "wrong_language_examples")):
            for line in summary[key]:
                print(f"mode {summary['mode']} {label}: {line}")
        for line in summary["trackers"]["examples"]:
            print(f"mode {summary['mode']} tracker: {line}")
        for line in summary["supervisor_lines"]:
            print(f"mode {summary['mode']} supervisor: {line}")
    out = Path(args.out) if args.out else BENCH_VAR / (
        "conversation_load_single.json" if args.single else "conversation_load.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    verdicts = {s["mode"]: passes(s, args.single) for s in summaries}
    out.write_text(json.dumps({"single": args.single, "initial_wait": initial,
                               "code": code_version(),
                               "throughput_ratio_b_over_a": ratio, "pass": verdicts,
                               "modes": summaries}, indent=1, ensure_ascii=False))
    print(f"written: {out}")
    return 0 if all(all(v.values()) for v in verdicts.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
