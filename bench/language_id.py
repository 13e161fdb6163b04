"""Language identification on lingua's public test data, ru/nb/fr/it/en.

Scores the production detector (bot.nlu.components.language_detector) on single words,
word pairs and sentences, side by side with lingua's published accuracy for the same
files with all 75 languages loaded (our detector knows only five, so the task is easier).

    .venv/bin/python bench/language_id.py [--data ../shared/bench-data/lingua-testdata]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from bot.nlu.components.language_detector import LanguageDetector

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "bench-data" / "lingua-testdata"
LANGUAGES = {"ru": "Russian", "nb": "Bokmal", "fr": "French", "it": "Italian", "en": "English"}
KINDS = {"single-words": "single words", "word-pairs": "word pairs", "sentences": "sentences"}
TARGETS = {"word-pairs": 90.0, "sentences": 99.0}


def published(data: Path, kind: str) -> dict:
    path = data / "accuracy-reports" / f"{kind}-accuracy-values.csv"
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        return {row["language"]: float(row["lingua-high-accuracy"]) for row in rows}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    import tempfile

    detector = LanguageDetector.create(
        LanguageDetector.get_default_config(),
        LocalModelStorage(Path(tempfile.mkdtemp())),
        Resource("bench"),
        ExecutionContext(GraphSchema({}), "bench"),
    )
    detector.detect("warm up")
    failures = []
    print(f"{'kind':<13} {'lang':<4} {'n':>5} {'ours %':>7} {'lingua-75 %':>12} {'ms/item':>8}")
    for kind in KINDS:
        reference = published(args.data, kind)
        for code, name in LANGUAGES.items():
            items = [
                line.strip()
                for line in (args.data / "language-testdata" / kind / f"{code}.txt").open(
                    encoding="utf-8")
                if line.strip()
            ]
            start = time.perf_counter()
            correct = sum(detector.detect(item)["language"] == code for item in items)
            elapsed = time.perf_counter() - start
            accuracy = 100.0 * correct / len(items)
            print(f"{kind:<13} {code:<4} {len(items):>5} {accuracy:>7.1f} "
                  f"{reference[name]:>12.1f} {1000 * elapsed / len(items):>8.2f}")
            if kind in TARGETS and accuracy < TARGETS[kind]:
                failures.append(f"{kind}/{code}: {accuracy:.1f}% < {TARGETS[kind]}%")
        nynorsk = [line.strip() for line in
                   (args.data / "language-testdata" / kind / "nn.txt").open(encoding="utf-8")
                   if line.strip()]
        as_bokmal = sum(detector.detect(item)["language"] == "nb" for item in nynorsk)
        print(f"{kind:<13} {'nn':<4} {len(nynorsk):>5} {100.0 * as_bokmal / len(nynorsk):>7.1f} "
              f"{'(nn -> nb)':>12}")
    if failures:
        print("below target: " + "; ".join(failures))
    else:
        print("all targets met (word pairs >= 90%, sentences >= 99%)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
