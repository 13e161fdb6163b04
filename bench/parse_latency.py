"""Parse latency over HTTP and the Rasa server's resident memory.

Starts the product the way `make run` does (on free ports), sends N mixed-language
messages from the held-out NLU split to POST /model/parse one at a time, and prints
p50/p95/p99 latency and the Rasa process's resident memory (VmRSS, VmHWM).

    .venv/bin/python bench/parse_latency.py [--messages 500]
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import tempfile
import time
from pathlib import Path

import requests

from bot import SUPPORTED_LANGUAGES
from bot.nlu.evaluation import load_holdout
from bot.runtime.processes import product_services
from bot.runtime.supervisor import Supervisor
from bot.settings import PROJECT_ROOT, Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_mib(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def percentile(values: list, fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "helpbot.tar.gz")
    args = parser.parse_args()

    texts = [(lang, text) for lang in SUPPORTED_LANGUAGES for text, _ in load_holdout(lang)]
    random.Random(7).shuffle(texts)
    sample = [texts[i % len(texts)] for i in range(args.messages)]

    settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                        var_dir=Path(tempfile.mkdtemp()), model_path=args.model)
    supervisor = Supervisor(product_services(settings), settings)
    supervisor.start(ready_timeout=300)
    try:
        url = f"{settings.rasa_url}/model/parse"
        session = requests.Session()
        session.params = {"token": settings.rasa_token}
        rasa_pid = supervisor.pid_of("rasa")
        idle = memory_mib(rasa_pid)
        for _, text in sample[:20]:  # warm-up, not measured
            session.post(url, json={"text": text}, timeout=30).raise_for_status()
        latencies = []
        by_language: dict = {lang: [] for lang in SUPPORTED_LANGUAGES}
        for lang, text in sample:
            start = time.perf_counter()
            session.post(url, json={"text": text}, timeout=30).raise_for_status()
            elapsed = 1000 * (time.perf_counter() - start)
            latencies.append(elapsed)
            by_language[lang].append(elapsed)
        loaded = memory_mib(rasa_pid)
    finally:
        supervisor.stop()

    print(f"messages: {len(latencies)} (mixed ru/nb/fr/it/en, held-out split)")
    print(f"latency ms: p50 {statistics.median(latencies):.1f}"
          f"  p95 {percentile(latencies, .95):.1f}  p99 {percentile(latencies, .99):.1f}"
          f"  mean {statistics.mean(latencies):.1f}")
    for lang, values in by_language.items():
        print(f"  {lang}: n={len(values):>3} p50 {statistics.median(values):.1f}"
              f"  p95 {percentile(values, .95):.1f}")
    print(f"rasa server memory MiB: after load {idle['VmRSS']:.0f}, after the run "
          f"{loaded['VmRSS']:.0f} (peak {loaded['VmHWM']:.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
