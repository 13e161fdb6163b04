"""The P1-P4 classifier on the held-out descriptions (real e5 embeddings)."""

from __future__ import annotations

from collections import Counter

from bot.escalation.priority_classifier import (
    EVAL_DIR,
    TRAIN_DIR,
    PriorityClassifier,
    load_labelled,
)

# bench/priority_eval.py prints the full report; this guards against regressions.
MIN_ACCURACY = 0.80


def test_held_out_accuracy_per_language():
    train, held_out = load_labelled(TRAIN_DIR), load_labelled(EVAL_DIR)
    assert not {t for _, _, t in train} & {t for _, _, t in held_out}
    model = PriorityClassifier.fit([t for _, _, t in train], [p for _, p, _ in train])
    correct, total = Counter(), Counter()
    for lang, label, text in held_out:
        total[lang] += 1
        correct[lang] += model.predict(text).priority == label
    accuracy = {lang: correct[lang] / total[lang] for lang in total}
    assert set(accuracy) == {"ru", "nb", "fr", "it", "en"}
    assert all(total[lang] >= 30 for lang in total), total
    assert min(accuracy.values()) >= MIN_ACCURACY, accuracy
