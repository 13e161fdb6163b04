"""Start-up time, steady-state memory, and where the time of one turn goes.

What it measures, with one Rasa replica on SQLite (everything built: model, KB index):

1. Start-up: from launching ``python -m bot run`` to "helpbot is running" on stdout
   (every child answers its readiness probe), and to the first successful reply (a KB
   card) to a KB question. Once on a fresh var/ (the action server also fits and caches
   the P1-P4 priority classifier there: reported separately as "cold"), then
   ``--warm-starts`` times (default 2) on the same var/ ("warm": the target). The
   children's own figures come from their logs (the action server's and the channel's
   "warmed up in" lines).
2. Steady state: after 25 KB turns, the RSS of each process of the tree (/proc, every
   0.5 s for 10 s, median per process) and their total.
3. One turn, profiled from outside (single user, sequential, 40 KB questions, 8 per
   language, each measured ``--repeats`` times): the chat webhook round trip against
   Rasa's HTTP API with the token of ``var/dev-secrets.json``:
   ``POST /model/parse`` (NLU alone), ``POST /conversations/<id>/predict`` (one tracker
   read + the policies), the action server's ``POST /webhook`` for
   ``action_answer_from_kb`` with the tracker and domain Rasa would send (the KB action
   alone), ``GET /webhooks/helpcenter/updates`` of a guest conversation (HTTP + the
   channel's two database look-ups, like the webhook's admission and live-handoff
   check), and a 400 for an empty message (HTTP + JSON floor). The split of the median
   turn: NLU = parse; channel = the ``/updates`` probe; KB action = its webhook; the rest
   (dialogue: lock, tracker read and write, policies, the other actions of the turn,
   Rasa <-> action server HTTP) = webhook - NLU - channel - KB action.

Command lines::

    .venv/bin/python bench/startup.py                 # cold + 2 warm starts, profile
    .venv/bin/python bench/startup.py --no-wait --warm-starts 1 --repeats 1   # smoke

Pass: warm start to the first answer <= 30 s and steady-state total RSS <= 2 GiB (one
replica). Results: ``var/bench/startup.json``. Exit code 0 only on pass. Before the
measurements it waits until the 1-minute load average is below 1.5 (``--no-wait``
skips that), and before each warm start again (up to ``--settle-timeout`` seconds).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.product import (  # noqa: E402
    BENCH_VAR,
    KB_QUESTIONS,
    LANGUAGES,
    Product,
    Stack,
    code_version,
    load_average,
    make_stack,
    percentile,
    post_chat,
    process_label,
    rss_bytes,
    wait_for_quiet_machine,
)

FIRST_ANSWER_TARGET_S = 30.0
RSS_TARGET_MB = 2048.0
PROBE_QUESTION = ("fr", "mon micro ne marche pas pendant les réunions")


def first_answer(product: Product, deadline_s: float = 300.0) -> Dict[str, Any]:
    """From the launch to the first 200 with a KB card (a new try 0.1 s after a failure).

    Returns:
        ``{"to_first_answer_s", "attempts", "first_request_s"}`` (the round trip of the
        request that got the answer).
    """
    session = requests.Session()
    language, question = PROBE_QUESTION
    attempts = 0
    while time.monotonic() - product.launched_at < deadline_s:
        attempts += 1
        sent = time.monotonic()
        try:
            response = post_chat(session, product.chat_urls[0],
                                 f"startup-{uuid.uuid4().hex[:8]}", question, language,
                                 timeout=120)
            if response.status_code == 200 and any(
                    "kb" in (r.get("custom") or {}) for r in response.json()):
                now = time.monotonic()
                return {"to_first_answer_s": round(now - product.launched_at, 2),
                        "attempts": attempts, "first_request_s": round(now - sent, 2)}
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return {"to_first_answer_s": None, "attempts": attempts, "first_request_s": None}


def log_figures(var_dir: Path, since: int) -> Dict[str, Any]:
    """The "warmed up in" lines of the children's logs (the last start's)."""
    figures: Dict[str, Any] = {}
    for path in sorted((var_dir / "log").glob("*.log")):
        text = path.read_text(errors="replace")
        found = re.findall(r"warmed up in ([\d.]+) s", text)
        if len(found) > since:
            figures[path.stem] = float(found[-1])
    return figures


def one_start(stack: Stack, label: str, starts_before: int) -> Dict[str, Any]:
    """Starts the product, times it, leaves it running."""
    product = stack.product
    cached = (product.var_dir / "priority-classifier.npz").exists()
    running = product.start()
    answer = first_answer(product)
    result = {"label": label, "to_running_s": round(running, 2), **answer,
              "children_warm_up_s": log_figures(product.var_dir, starts_before),
              "classifier_cache_before": cached, "load_at_start": None}
    print(f"   {label}: running after {running:.1f}s, first answer after "
          f"{answer['to_first_answer_s']}s (that request: {answer['first_request_s']}s); "
          f"children {result['children_warm_up_s']}", flush=True)
    return result


def steady_rss(product: Product, turns: int = 25) -> Dict[str, Any]:
    """RSS per process after ``turns`` KB turns: median of 20 samples, 0.5 s apart."""
    session = requests.Session()
    for number in range(turns):
        language = LANGUAGES[number % len(LANGUAGES)]
        post_chat(session, product.chat_urls[0], f"rss-{language}",
                  KB_QUESTIONS[language][number // len(LANGUAGES)], language)
    samples: Dict[str, List[float]] = {}
    totals = []
    for _ in range(20):
        total = 0.0
        for pid in product.pids():
            mb = rss_bytes(pid) / 2**20
            samples.setdefault(process_label(pid), []).append(mb)
            total += mb
        totals.append(total)
        time.sleep(0.5)
    per_process = {name.split(":")[0]: round(statistics.median(v), 1)
                   for name, v in samples.items()}
    return {"per_process_mb": per_process, "total_mb": round(statistics.median(totals), 1),
            "total_max_mb": round(max(totals), 1)}


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple:
    """(milliseconds, result) of ``call(*args, **kwargs)``."""
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return 1000 * (time.perf_counter() - started), result


def profile_turns(product: Product, repeats: int) -> Dict[str, Any]:
    """Times the parts of a single-user KB turn (see the module docstring)."""
    secrets = product.secrets()
    token = {"token": secrets["rasa_token"]}
    rasa, actions = product.rasa_urls[0], product.actions_urls[0]
    http = requests.Session()
    domain = http.get(f"{rasa}/domain", params=token, timeout=30,
                      headers={"Accept": "application/json"}).json()
    import rasa_sdk

    samples: Dict[str, List[float]] = {k: [] for k in (
        "webhook", "parse", "predict", "kb_action", "updates", "http_400")}
    actions_per_turn: Dict[str, int] = {}
    problems: List[str] = []
    questions = [(lang, q) for lang in LANGUAGES for q in KB_QUESTIONS[lang][:8]]
    for repeat in range(repeats):
        for language in LANGUAGES:
            sender = f"profile-{repeat}-{language}-{uuid.uuid4().hex[:6]}"
            for lang, question in questions:
                if lang != language:
                    continue
                ms, response = timed(post_chat, http, product.chat_urls[0], sender,
                                     question, language)
                if response.status_code != 200:
                    problems.append(f"webhook {response.status_code} for {question!r}")
                    continue
                samples["webhook"].append(ms)
                ms, _ = timed(http.post, f"{rasa}/model/parse", params=token,
                              json={"text": question}, timeout=30)
                samples["parse"].append(ms)
                ms, _ = timed(http.post, f"{rasa}/conversations/{sender}/predict",
                              params=token, timeout=30)
                samples["predict"].append(ms)
                tracker = http.get(f"{rasa}/conversations/{sender}/tracker", params=token,
                                   timeout=30).json()
                if repeat == 0:
                    for name in turn_actions(tracker["events"]):
                        actions_per_turn[name] = actions_per_turn.get(name, 0) + 1
                call = {"next_action": "action_answer_from_kb", "sender_id": sender,
                        "tracker": tracker, "domain": domain,
                        "version": rasa_sdk.__version__}
                ms, reply = timed(http.post, f"{actions}/webhook", json=call, timeout=30)
                if reply.status_code == 200:
                    samples["kb_action"].append(ms)
                else:
                    problems.append(f"action webhook {reply.status_code}: {reply.text[:200]}")
                ms, _ = timed(http.get, f"{rasa}/webhooks/helpcenter/updates",
                              params={"sender": sender, "after": 0}, timeout=30)
                samples["updates"].append(ms)
                ms, _ = timed(http.post, product.chat_urls[0], timeout=30,
                              json={"sender": sender, "message": " "})
                samples["http_400"].append(ms)
    stats = {name: {"n": len(v), "p50_ms": round(statistics.median(v), 1) if v else None,
                    "p95_ms": round(percentile(v, 0.95), 1) if v else None}
             for name, v in samples.items()}
    median = {name: statistics.median(v) if v else 0.0 for name, v in samples.items()}
    split = {
        "webhook_ms": median["webhook"],
        "nlu_ms": median["parse"],
        "channel_ms": median["updates"],
        "kb_action_ms": median["kb_action"],
        "dialogue_rest_ms": median["webhook"] - median["parse"] - median["updates"]
        - median["kb_action"],
    }
    return {"stats": stats, "split_of_median_turn": {k: round(v, 1) for k, v in split.items()},
            "actions_per_kb_turn": {k: round(v / len([q for q in questions]), 2)
                                    for k, v in actions_per_turn.items()},
            "problems": problems[:10]}


INPROCESS_PARTS = ("channel_admit", "channel_relay_check", "lock", "nlu", "tracker_read",
                   "extract_slots", "policies", "custom_actions", "tracker_write")


def inprocess_profile(product: Product, repeats: int) -> Dict[str, Any]:
    """Runs `inprocess_worker` in a child process against the running product's stores
    and action server; returns its JSON."""
    import subprocess

    config: Dict[str, Any] = {"var_dir": str(product.var_dir), "model": str(product.model),
              "actions_url": f"{product.actions_urls[0]}/webhook", "repeats": repeats}
    env: Dict[str, str] = {**product.env, "HELPBOT_ACTIONS_URL": config["actions_url"]}
    done = subprocess.run([sys.executable, __file__, "--inprocess-worker", json.dumps(config)],
                          capture_output=True, text=True, env=env, timeout=1800)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": (done.stdout + done.stderr)[-2000:]}
    return json.loads(lines[-1])


def inprocess_worker(config: Dict[str, Any]) -> None:
    """Loads the agent in this process and times the parts of the channel's turn.

    Every part is timed by wrapping the method that does it (wall clock, one user, so
    nothing overlaps): the channel's admission (``ChatGate.admit``) and live-handoff
    check (``live_relay.relay_if_live``), the conversation lock, NLU
    (``MessageProcessor.parse_message``), tracker store reads and writes, slot extraction,
    the policies, the custom actions (``RemoteAction.run``: HTTP to the action server
    and the action). The total is ``HelpCenterInput.handle_chat``, the webhook's handler
    without Sanic; "other" is what no wrapper covers.
    """
    import asyncio
    import contextlib
    import functools

    from rasa.core.actions import action as rasa_actions
    from rasa.core.agent import load_agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.utils import AvailableEndpoints

    from bot.channels import gate as gate_module
    from bot.channels import helpcenter, live_relay
    from bot.channels.action_endpoint import PooledActionEndpoint, install

    timings: Dict[str, float] = {}

    def add(label: str, seconds: float) -> None:
        timings[label] = timings.get(label, 0.0) + seconds

    def wrap_async(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        async def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                add(label, time.perf_counter() - started)
        setattr(owner, name, timed_call)

    def wrap_sync(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                add(label, time.perf_counter() - started)
        setattr(owner, name, timed_call)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    endpoints = AvailableEndpoints.read_endpoints(str(Path(__file__).resolve().parent.parent
                                                      / "endpoints.yml"))
    agent = loop.run_until_complete(load_agent(model_path=config["model"],
                                               endpoints=endpoints))
    install(agent)
    loop.run_until_complete(helpcenter.warm_up(agent))
    channel = helpcenter.HelpCenterInput()

    wrap_sync(gate_module.ChatGate, "admit", "channel_admit")
    wrap_sync(live_relay, "relay_if_live", "channel_relay_check")
    wrap_async(MessageProcessor, "parse_message", "nlu")
    wrap_sync(MessageProcessor, "_predict_next_with_tracker", "policies")
    # Inside the custom actions: building the request (tracker state + domain.as_dict()),
    # the HTTP call (the action server's work included), the response's schema check.
    wrap_sync(rasa_actions.RemoteAction, "_action_call_format", "  action request body")
    wrap_async(PooledActionEndpoint, "request", "  action HTTP round trip")
    wrap_sync(rasa_actions.RemoteAction, "_validate_action_result", "  action result check")
    inside_extraction = [0]
    original_run = rasa_actions.RemoteAction.run

    async def remote_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original_run(self, *args, **kwargs)
        finally:
            where = " (in extract_slots)" if inside_extraction[0] else ""
            add(f"custom_actions{where}", time.perf_counter() - started)
            add(f"  calls: {self.name()}{where}", 0.001)  # a count: 1 per call
    rasa_actions.RemoteAction.run = remote_run
    original_extract = rasa_actions.ActionExtractSlots.run

    async def extract_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        inside_extraction[0] += 1
        try:
            return await original_extract(self, *args, **kwargs)
        finally:
            inside_extraction[0] -= 1
            add("extract_slots", time.perf_counter() - started)
    rasa_actions.ActionExtractSlots.run = extract_run
    store = agent.tracker_store
    wrap_async(store, "retrieve", "tracker_read")
    wrap_async(store, "save", "tracker_write")
    lock_store = agent.lock_store
    original_lock = lock_store.lock

    @contextlib.asynccontextmanager
    async def timed_lock(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        async with original_lock(*args, **kwargs) as lock:
            add("lock", time.perf_counter() - started)
            yield lock
    lock_store.lock = timed_lock

    async def turn(sender: str, text: str, language: str) -> Dict[str, float]:
        timings.clear()
        body = json.dumps({"sender": sender, "message": text,
                           "metadata": {"locale": language}}).encode()
        started = time.perf_counter()
        reply = await channel.handle_chat(body, None, agent, agent.handle_message)
        total = time.perf_counter() - started
        if reply.status != 200:
            raise RuntimeError(f"{reply.status}: {reply.body}")
        parts = {k: 1000 * v for k, v in timings.items()}
        parts["total"] = 1000 * total
        return parts

    per_turn: List[Dict[str, float]] = []
    for repeat in range(config["repeats"]):
        for language in LANGUAGES:
            sender = f"inproc-{repeat}-{language}-{uuid.uuid4().hex[:6]}"
            for question in KB_QUESTIONS[language][:8]:
                per_turn.append(loop.run_until_complete(turn(sender, question, language)))
    for parts in per_turn:
        parts["other"] = parts["total"] - sum(parts.get(k, 0.0) for k in INPROCESS_PARTS)
    labels = [k for k in (*INPROCESS_PARTS, "other", "total")
              if any(k in t for t in per_turn)]
    labels += sorted({k for t in per_turn for k in t} - set(labels))
    medians = {k: round(statistics.median([t.get(k, 0.0) for t in per_turn]), 1)
               for k in labels}
    print(json.dumps({"turns": len(per_turn), "median_ms": medians,
                      "p95_total_ms": round(percentile([t["total"] for t in per_turn],
                                                       0.95), 1)}))


def turn_actions(events: List[Dict[str, Any]]) -> List[str]:
    """The actions run after the last user event."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    return [e["name"] for e in events[last_user + 1:] if e.get("event") == "action"]


def main() -> int:
    """Parses the command line, runs the starts and the profile, prints and saves."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warm-starts", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3,
                        help="times each of the 40 profile questions is asked")
    parser.add_argument("--no-wait", dest="wait", action="store_false")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument("--out", default=str(BENCH_VAR / "startup.json"))
    parser.add_argument("--no-inprocess", dest="inprocess", action="store_false",
                        help="skip the in-process timing of the turn's parts")
    parser.add_argument("--inprocess-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inprocess_worker:
        inprocess_worker(json.loads(args.inprocess_worker))
        return 0
    waited = wait_for_quiet_machine() if args.wait else None
    stack = make_stack("startup", 1)
    product = stack.product
    print(f"var: {product.var_dir}", flush=True)
    starts: List[Dict[str, Any]] = []
    steady: Dict[str, Any] = {}
    profile: Dict[str, Any] = {}
    try:
        load = load_average()
        starts.append(one_start(stack, "cold (fresh var/)", 0))
        starts[-1]["load_at_start"] = load
        for number in range(args.warm_starts):
            product.stop()
            if args.wait:
                wait_for_quiet_machine(timeout=args.settle_timeout)
            load = load_average()
            starts.append(one_start(stack, f"warm {number + 1}", number + 1))
            starts[-1]["load_at_start"] = load
        steady = steady_rss(product)
        print(f"   steady RSS: {steady}", flush=True)
        profile = profile_turns(product, args.repeats)
        if args.inprocess:
            profile["inprocess"] = inprocess_profile(product, args.repeats)
    finally:
        product.stop()
        stack.stop()
    warm = [s for s in starts if s["label"].startswith("warm")]
    warm_answers = [s["to_first_answer_s"] for s in warm if s["to_first_answer_s"]]
    verdict = {
        "warm_first_answer<=30s": bool(warm_answers)
        and max(warm_answers) <= FIRST_ANSWER_TARGET_S,
        "rss<=2GiB": bool(steady) and steady["total_mb"] <= RSS_TARGET_MB,
    }
    print("\n| start | to \"helpbot is running\" s | to first answer s | that request s "
          "| children's warm-up s (from logs) | load avg at start |")
    print("|---|---|---|---|---|---|")
    for s in starts:
        print(f"| {s['label']} | {s['to_running_s']} | {s['to_first_answer_s']} | "
              f"{s['first_request_s']} | "
              f"{', '.join(f'{k} {v}' for k, v in s['children_warm_up_s'].items())} | "
              f"{s['load_at_start']:.2f} |")
    if steady:
        print("\n| process | steady RSS MiB |\n|---|---|")
        for name, mb in steady["per_process_mb"].items():
            print(f"| {name} | {mb} |")
        print(f"| **total** | **{steady['total_mb']}** (max {steady['total_max_mb']}) |")
    if profile:
        print("\n| part of a single-user KB turn | n | p50 ms | p95 ms |\n|---|---|---|---|")
        for name, stat in profile["stats"].items():
            print(f"| {name} | {stat['n']} | {stat['p50_ms']} | {stat['p95_ms']} |")
        print("\nsplit of the median turn (ms):", json.dumps(profile["split_of_median_turn"]))
        print("actions per KB turn:", json.dumps(profile["actions_per_kb_turn"]))
        for line in profile["problems"]:
            print("problem:", line)
        inprocess = profile.get("inprocess") or {}
        if "median_ms" in inprocess:
            print(f"\nin-process turn ({inprocess['turns']} turns, median ms of each part; "
                  f"total p95 {inprocess['p95_total_ms']} ms):")
            print("| part | median ms |\n|---|---|")
            for name, ms in inprocess["median_ms"].items():
                print(f"| {name} | {ms} |")
        elif inprocess:
            print("in-process profile failed:", inprocess.get("error"))
    print("pass:", verdict)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"wait": waited, "code": code_version(), "starts": starts,
                               "steady_rss": steady,
                               "profile": profile, "pass": verdict,
                               "var_dir": str(product.var_dir)}, indent=1))
    print(f"written: {out}")
    return 0 if all(verdict.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
