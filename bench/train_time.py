"""Time `rasa train` before and after an editor adds ONE French NLU example.

Copies domain/, the Rasa training data (data/nlu, data/rules, data/stories) and
config.yml into a temporary project, trains there (``--out`` inside it), appends one
example to ``data/nlu/fr/feedback.yml`` and trains again. Prints the wall time of each
run and where it went, read from Rasa's log: start-up and validation, the per-message
processing before each component (tokenizing, n-grams, e5), and each component's
training. The e5 vector cache is whatever ``HELPBOT_E5_CACHE`` says (default
``var/cache/``; ``--e5-cache off`` disables it, ``--e5-cache fresh`` uses an empty one).

    .venv/bin/python bench/train_time.py [--e5-cache fresh|off|default|PATH] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import List, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RASA_DATA = ("data/nlu", "data/rules", "data/stories")
EDITED_FILE = "data/nlu/fr/feedback.yml"
# An example that is in no training file: the edit an editor makes in the studio.
NEW_EXAMPLE = "    - merci, l'article sur le partage d'écran m'a bien aidé aujourd'hui\n"
LOG_LINE = re.compile(r"^(?:\x1b\[[0-9;]*m)*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) \S+\s+(\S+)\s+- (.*)$")


def copy_project(target: Path) -> None:
    """Copies what `rasa train` reads into ``target``."""
    shutil.copytree(PROJECT_ROOT / "domain", target / "domain")
    for folder in RASA_DATA:
        shutil.copytree(PROJECT_ROOT / folder, target / folder)
    shutil.copy2(PROJECT_ROOT / "config.yml", target / "config.yml")


def add_one_example(project: Path) -> None:
    """Appends one example to the first intent block of the edited file."""
    path = project / EDITED_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.strip() == "examples: |")
    lines.insert(first + 1, NEW_EXAMPLE)
    path.write_text("".join(lines), encoding="utf-8")


def phases(log: str) -> List[Tuple[str, float]]:
    """Splits the run into labelled spans between Rasa's timestamped log lines."""
    events = []
    for raw in log.splitlines():
        match = LOG_LINE.match(raw)
        if match:
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").timestamp()
            events.append((stamp, match.group(3)))
    spans: List[Tuple[str, float]] = []
    for (start, message), (end, _) in zip(events, events[1:], strict=False):
        if end - start < 1:
            continue
        found = re.search(r"Starting to train component '(\w+)'", message)
        if found:
            label = f"train {found.group(1)}"
        elif "Finished training component" in message or "Restored component" in message:
            name = re.search(r"component '(\w+)'", message)
            label = f"process messages after {name.group(1) if name else '?'}"
        elif "validating" in message.lower() or "rasa.validator" in message:
            label = "validation"
        else:
            label = message[:60]
        spans.append((label, end - start))
    return spans


def train(project: Path, env: dict, label: str) -> float:
    """Runs one `rasa train` in ``project``; prints its time and phases."""
    command = [sys.executable, "-m", "rasa", "train", "--domain", "domain", "--data",
               *RASA_DATA, "--fixed-model-name", "helpbot", "--out",
               str(project / "models"), "--num-threads", "2"]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    log = result.stdout + result.stderr
    (project / f"train-{label}.log").write_text(log, encoding="utf-8")
    if result.returncode != 0:
        print(log[-4000:], flush=True)
        raise SystemExit(f"{label}: rasa train failed ({result.returncode})")
    print(f"\n{label}: {elapsed:.1f} s wall", flush=True)
    for name, seconds in phases(log):
        print(f"  {seconds:6.0f} s  {name}", flush=True)
    for line in log.splitlines():
        if "E5Featurizer" in line and "texts" in line:
            print("  " + line.split(" - ", 1)[-1], flush=True)
    return elapsed


def main() -> int:
    """Trains a temporary copy twice: as is, then with one more French example."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--e5-cache", default="fresh",
                        help="fresh (empty cache in the temp dir), off, default, or a path")
    parser.add_argument("--keep", action="store_true", help="keep the temporary project")
    args = parser.parse_args()

    project = Path(tempfile.mkdtemp(prefix="helpbot-train-time-"))
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
           "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
           # Rasa's own graph cache, isolated so other trainings do not skew the numbers.
           "RASA_CACHE_DIRECTORY": str(project / "rasa-cache")}
    if args.e5_cache == "fresh":
        env["HELPBOT_E5_CACHE"] = str(project / "e5-cache")
    elif args.e5_cache != "default":
        env["HELPBOT_E5_CACHE"] = args.e5_cache
    try:
        copy_project(project)
        cache = env.get("HELPBOT_E5_CACHE", "")
        print(f"project copy: {project} (HELPBOT_E5_CACHE={cache})", flush=True)
        first = train(project, env, "1-as-is")
        add_one_example(project)
        second = train(project, env, "2-one-more-fr-example")
        print(f"\nas is: {first:.1f} s; after adding one example: {second:.1f} s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(project, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
