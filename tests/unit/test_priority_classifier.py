"""The P1-P4 classifier's mechanics, with a fake embedder (no e5)."""

from __future__ import annotations

import numpy as np
import pytest

from bot.escalation.priority_classifier import (
    LabelledDataError,
    PriorityClassifier,
    load_labelled,
    trained_classifier,
)

WORDS = ["down", "nobody", "slow", "laggy", "button", "colour", "how", "setup"]


def fake_embed(texts):
    rows = [[float(word in text.lower()) for word in WORDS] for text in texts]
    return np.asarray(rows, dtype=np.float32) + 0.01


TRAIN = {
    "en.tsv": "P1\tservice down nobody can join\nP1\teverything down for nobody\n"
              "P2\tvideo slow and laggy\nP2\tlaggy slow audio\n"
              "P3\tthe button colour is wrong\nP3\tbutton broken\n"
              "P4\thow do I setup sso\nP4\thow to setup rooms\n",
}


@pytest.fixture()
def train_dir(tmp_path):
    folder = tmp_path / "train"
    folder.mkdir()
    for name, content in TRAIN.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def test_fits_predicts_and_gives_probabilities(train_dir):
    rows = load_labelled(train_dir)
    model = PriorityClassifier.fit([t for _, _, t in rows], [p for _, p, _ in rows],
                                   fake_embed)
    assert model.predict("it is down, nobody gets in").priority == "P1"
    assert model.predict("how to setup the app").priority == "P4"
    prediction = model.predict("laggy and slow")
    assert prediction.priority == "P2"
    assert abs(sum(prediction.probabilities.values()) - 1.0) < 1e-3


def test_cached_weights_are_reused_and_refitted_when_the_data_changes(train_dir, tmp_path):
    cache = tmp_path / "var" / "priority.npz"
    first = trained_classifier(cache, train_dir, fake_embed)
    assert cache.exists()
    assert trained_classifier(cache, train_dir, fake_embed) is first
    (train_dir / "en.tsv").write_text(TRAIN["en.tsv"] + "P4\thow do I change colour\n",
                                      encoding="utf-8")
    assert trained_classifier(cache, train_dir, fake_embed) is not first


def test_a_corrupt_cache_is_refitted(train_dir, tmp_path):
    cache = tmp_path / "priority.npz"
    cache.write_bytes(b"not numpy")
    assert trained_classifier(cache, train_dir, fake_embed).predict("down").priority


@pytest.mark.parametrize("content", ["P5\tsomething\n", "P1 no tab\n", "P1\t\n", ""])
def test_bad_labelled_files_name_the_line(tmp_path, content):
    (tmp_path / "en.tsv").write_text(content, encoding="utf-8")
    with pytest.raises(LabelledDataError):
        load_labelled(tmp_path)
