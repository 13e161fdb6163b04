"""Accuracy of the P1-P4 classifier on the held-out descriptions, per language.

Trains on data/priority/train/*.tsv and scores data/priority/eval/*.tsv (written
separately, never used for training or tuning). Also prints the confusion matrix and a
majority-class baseline.

    .venv/bin/python bench/priority_eval.py
"""

from __future__ import annotations

from collections import Counter, defaultdict

from bot.escalation.priority import PRIORITIES
from bot.escalation.priority_classifier import (
    EVAL_DIR,
    TRAIN_DIR,
    PriorityClassifier,
    load_labelled,
)
from kb_index.embedding import e5_queries


def main() -> int:
    train, held_out = load_labelled(TRAIN_DIR), load_labelled(EVAL_DIR)
    classifier = PriorityClassifier.fit([t for _, _, t in train], [p for _, p, _ in train])
    vectors = e5_queries([t for _, _, t in held_out])
    correct: Counter = Counter()
    total: Counter = Counter()
    confusion: dict = defaultdict(Counter)
    for (lang, label, text), vector in zip(held_out, vectors, strict=True):
        predicted = classifier.predict(text, vector).priority
        total[lang] += 1
        correct[lang] += predicted == label
        confusion[label][predicted] += 1
    majority = Counter(p for _, p, _ in train).most_common(1)[0][0]
    print(f"trained on {len(train)} descriptions; held-out {len(held_out)}")
    print(f"{'lang':<5} {'n':>3} {'accuracy':>9} {'majority baseline':>18}")
    for lang in sorted(total):
        baseline = sum(1 for lg, p, _ in held_out if lg == lang and p == majority) / total[lang]
        print(f"{lang:<5} {total[lang]:>3} {correct[lang] / total[lang]:>9.3f} {baseline:>18.3f}")
    print(f"{'all':<5} {sum(total.values()):>3} "
          f"{sum(correct.values()) / sum(total.values()):>9.3f}")
    print("\nconfusion (rows: true, columns: predicted)")
    print("     " + " ".join(f"{p:>4}" for p in PRIORITIES))
    for label in PRIORITIES:
        print(f"{label:<5}" + " ".join(f"{confusion[label][p]:>4}" for p in PRIORITIES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
