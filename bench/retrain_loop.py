"""How long an editor waits: `python -m bot retrain` after one studio edit, step by step.

Copies what the studio edits and serves (domain/, data/, config.yml, the model, the KB
index) into a temporary content root, makes the edits an editor makes from the inbox
(one training example and one article question, through ``bot.studio.teaching``), and
runs `python -m bot retrain` there, as the studio's button does. Two rounds: the first
evaluates the model in service too (its scores are then cached), the second is the
editor's usual wait. Prints each step's seconds and the total; ``--promote`` also
promotes (no Rasa runs here, so no replica is told).

    .venv/bin/python bench/retrain_loop.py [--rounds 2] [--promote] [--keep]

The e5 vector cache is the project's (``var/cache``) unless ``HELPBOT_E5_CACHE`` says
otherwise: warm after `make`, as on an editor's machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

# (lang, intent, example) and (lang, article, question): one of each per round.
EDITS: List[Tuple[Tuple[str, str, str], Tuple[str, str, str]]] = [
    (("fr", "request_human", "je voudrais discuter avec quelqu'un de chez vous"),
     ("nb", "screen-sharing", "skjermdelingen fryser etter noen sekunder")),
    (("it", "ask_question", "il mio pappagallo preme i tasti durante le riunioni"),
     ("ru", "audio-not-working", "собеседники слышат эхо, когда я говорю")),
]


def copy_content(root: Path) -> Path:
    """The studio's world in ``root``; returns the served model's path."""
    from kb_index.build import DEFAULT_BUILD, current_version

    for part in ("domain", "data", "tests/nlu_holdout", "tests/fixtures"):
        shutil.copytree(PROJECT_ROOT / part, root / part)
    shutil.copy(PROJECT_ROOT / "config.yml", root / "config.yml")
    (root / "models").mkdir()
    model = root / "models" / "helpbot.tar.gz"
    shutil.copy(PROJECT_ROOT / "models" / "helpbot.tar.gz", model)
    live = current_version(DEFAULT_BUILD)
    if live is None:
        raise SystemExit("no KB index: run `make kb` first")
    shutil.copytree(live, root / "kb_build" / live.name)
    (root / "kb_build" / "CURRENT").write_text(live.name, encoding="utf-8")
    return model


def main() -> int:
    """Runs the rounds and prints the table."""
    from bot.studio.teaching import add_article_question, add_training_example

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, choices=range(1, len(EDITS) + 1))
    parser.add_argument("--promote", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    temp = Path(tempfile.mkdtemp(prefix="helpbot-retrain-"))
    try:
        model = copy_content(temp)
        env = dict(os.environ, HELPBOT_CONTENT_ROOT=str(temp),
                   HELPBOT_KB_BUILD_DIR=str(temp / "kb_build"),
                   HELPBOT_MODEL_PATH=str(model), HELPBOT_VAR_DIR=str(temp / "var"),
                   HELPBOT_E5_CACHE=os.environ.get("HELPBOT_E5_CACHE",
                                                   str(PROJECT_ROOT / "var" / "cache")))
        for number, (example, question) in enumerate(EDITS[:args.rounds], start=1):
            add_training_example(temp, *example)
            add_article_question(temp, *question)
            job = f"round{number}"
            started = time.monotonic()
            command = [sys.executable, "-m", "bot", "retrain", "--by", "bench",
                       "--job-id", job] + ([] if args.promote else ["--no-promote"])
            result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True,
                                    text=True)
            seconds = time.monotonic() - started
            status = json.loads((temp / "var" / "studio" / "jobs" / job / "status.json")
                                .read_text(encoding="utf-8"))
            steps: Dict[str, float] = {s["name"]: s["seconds"] for s in status["steps"]
                                       if s["seconds"] is not None}
            print(f"round {number}: {status['state']} (exit {result.returncode}) in "
                  f"{seconds:.0f} s: " + ", ".join(f"{k} {v:.0f} s" for k, v in steps.items()))
            if result.returncode not in (0, 3):
                print(result.stdout[-2000:], result.stderr[-2000:])
                return 1
    finally:
        if args.keep:
            print(f"kept {temp}")
        else:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
