"""Unit tests of the E5Featurizer dense featurizer."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components import e5_featurizer
from bot.nlu.components.e5_featurizer import E5Featurizer, caching_inference
from kb_index import embedding, vector_cache
from kb_index.embedding import PARSE_KEY, e5_model_id, unpack
from kb_index.embedding import e5_queries as embed_queries
from kb_index.vector_cache import CACHE_ENV, CACHE_FILE, E5VectorCache, cache_directory


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Training never writes to the project's var/cache from a test."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture()
def featurizer():
    return E5Featurizer("e5", E5Featurizer.get_default_config())


def test_adds_one_sentence_feature_per_text(featurizer):
    messages = [Message(data={"text": "I can't share my screen"}),
                Message(data={"text": "не могу показать экран"}),
                Message(data={"action_name": "utter_greet"})]
    featurizer.process(messages)
    for msg in messages[:2]:
        seq, sentence = msg.get_dense_features("text", ["e5"])
        assert seq is None
        assert sentence.features.shape == (1, 384)
        assert np.isclose(np.linalg.norm(sentence.features), 1.0, atol=1e-3)
    assert messages[2].features == []


def test_training_data_is_featurized_in_batches(featurizer):
    data = TrainingData([Message.build(f"message number {i}", "greet") for i in range(70)])
    featurizer.process_training_data(data)
    assert all(m.get_dense_features("text", ["e5"])[1] is not None
               for m in data.training_examples)


def test_embeddings_are_multilingual():
    vectors = embed_queries([
        "I can't share my screen",
        "jeg får ikke delt skjermen",
        "what's the weather like tomorrow",
    ])
    same_meaning = vectors[0] @ vectors[1]
    different_meaning = vectors[0] @ vectors[2]
    assert same_meaning > different_meaning + 0.05


def test_no_texts_gives_an_empty_matrix():
    assert embed_queries([]).shape == (0, 384)


def test_inference_publishes_the_exact_embedding_in_the_parse_result(featurizer):
    message = Message(data={"text": "jeg har glemt passordet"})
    featurizer.process([message])
    published = message.as_dict(only_output_properties=True)[PARSE_KEY]
    vector = unpack(published, e5_model_id(), 384)
    _, sentence = message.get_dense_features("text", ["e5"])
    assert vector is not None
    np.testing.assert_array_equal(vector, sentence.features[0])


def test_training_examples_do_not_carry_the_published_embedding(featurizer):
    data = TrainingData([Message.build("hello there", "greet")])
    featurizer.process_training_data(data)
    assert data.training_examples[0].get(PARSE_KEY) is None


def test_publishing_can_be_switched_off():
    quiet = E5Featurizer("e5", {**E5Featurizer.get_default_config(), "publish_embedding": False})
    message = Message(data={"text": "hello"})
    quiet.process([message])
    assert message.get(PARSE_KEY) is None


# --- the persistent training-vector cache -----------------------------------------

TRAINING_TEXTS = [
    "I can't share my screen", "не могу показать экран", "jeg får ikke delt skjermen",
    "je n'arrive pas à partager mon écran", "non riesco a condividere lo schermo",
    "I can't share my screen",  # TrainingData drops duplicates
    "hello", "bonjour !", "🙂", "   spaces around   ", "a" * 300,
] + [f"message number {i}" for i in range(70)]


def _training_vectors(featurizer, texts=TRAINING_TEXTS):
    data = TrainingData([Message.build(text, "greet") for text in texts])
    featurizer.process_training_data(data)
    return np.vstack([m.get_dense_features("text", ["e5"])[1].features
                      for m in data.training_examples])


@pytest.fixture()
def cache_dir(isolated_cache):
    return isolated_cache


def test_cached_vectors_are_bit_identical_cold_warm_and_partly_warm(featurizer, cache_dir,
                                                                     monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "off")
    uncached = _training_vectors(featurizer)
    assert not cache_dir.exists()
    monkeypatch.setenv(CACHE_ENV, str(cache_dir))
    # Partly warm: another subset, in other batches, filled the cache first.
    _training_vectors(featurizer, TRAINING_TEXTS[::3])
    partly = _training_vectors(featurizer)
    warm = _training_vectors(featurizer)
    assert uncached.dtype == partly.dtype == warm.dtype == np.float32
    np.testing.assert_array_equal(uncached, partly)
    np.testing.assert_array_equal(uncached, warm)
    # Bitwise, not only ==: -0.0 and 0.0 would compare equal.
    assert uncached.tobytes() == warm.tobytes()
    # ...and the same as embedding each text alone, at inference.
    texts = [m.get("text") for m in
             TrainingData([Message.build(t, "greet") for t in TRAINING_TEXTS]).training_examples]
    assert len(texts) == len(warm)
    alone = np.vstack([embed_queries([text]) for text in texts[:12]])
    assert alone.tobytes() == warm[:12].tobytes()


def test_a_warm_cache_embeds_only_new_texts(featurizer, cache_dir, monkeypatch):
    _training_vectors(featurizer)
    calls = []
    real = embedding.e5_queries

    def counting(texts, batch_size=64):
        calls.append(list(texts))
        return real(texts, batch_size)

    monkeypatch.setattr(embedding, "e5_queries", counting)
    _training_vectors(featurizer)
    assert calls == []
    _training_vectors(featurizer, TRAINING_TEXTS + ["one new example"])
    assert calls == [["one new example"]]


def test_the_cache_is_not_used_at_inference(featurizer, cache_dir):
    featurizer.process([Message(data={"text": "a user's private message"})])
    assert not cache_dir.exists()


def _inference_vector(featurizer, text):
    message = Message(data={"text": text})
    featurizer.process([message])
    return message.get_dense_features("text", ["e5"])[1].features[0], message


def test_an_evaluation_may_cache_inference_with_identical_vectors(featurizer, cache_dir,
                                                                  monkeypatch):
    uncached, _ = _inference_vector(featurizer, "held-out message")
    calls = []
    real = e5_featurizer.e5_queries

    def counting(texts, batch_size=64):
        calls.append(list(texts))
        return real(texts, batch_size)

    monkeypatch.setattr(e5_featurizer, "e5_queries", counting)
    with caching_inference():
        cold, _ = _inference_vector(featurizer, "held-out message")
        warm, message = _inference_vector(featurizer, "held-out message")
    assert calls == [["held-out message"]]
    assert uncached.tobytes() == cold.tobytes() == warm.tobytes()
    published = unpack(message.as_dict(only_output_properties=True)[PARSE_KEY],
                       e5_model_id(), 384)
    assert published is not None and published.tobytes() == warm.tobytes()
    # Inference shares the training entries (both are e5 queries of the same text).
    assert "held-out message" in _cache(cache_dir, e5_model_id()).get_many(
        ["held-out message"])
    # Outside the switch, nothing more is written.
    _inference_vector(featurizer, "a user's private message")
    assert _cache(cache_dir, e5_model_id()).get_many(["a user's private message"]) == {}
    assert featurizer._inference_cache is None


def test_the_inference_switch_stays_in_its_thread(featurizer, cache_dir):
    seen = []
    with caching_inference():
        thread = threading.Thread(target=lambda: seen.append(
            featurizer._cache_for_inference()))
        thread.start()
        thread.join()
        assert featurizer._cache_for_inference() is not None
    assert seen == [None]


def test_a_corrupt_cache_file_is_moved_aside_and_rebuilt(featurizer, cache_dir, caplog):
    expected = _training_vectors(featurizer)
    (cache_dir / CACHE_FILE).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (cache_dir / f"{CACHE_FILE}{suffix}").unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING):
        assert _training_vectors(featurizer).tobytes() == expected.tobytes()
    assert "moved aside" in caplog.text
    assert (cache_dir / f"{CACHE_FILE}.corrupt").exists()
    assert _training_vectors(featurizer).tobytes() == expected.tobytes()
    assert len(_cache(cache_dir, e5_model_id()).get_many(TRAINING_TEXTS)) == 80


def test_an_unreadable_cache_directory_only_warns(featurizer, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_ENV, "off")
    expected = _training_vectors(featurizer, TRAINING_TEXTS[:5])
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    with caplog.at_level(logging.WARNING):
        got = _training_vectors(featurizer, TRAINING_TEXTS[:5])
    assert got.tobytes() == expected.tobytes()
    assert "without the cache" in caplog.text


def test_a_damaged_entry_is_recomputed_and_overwritten(featurizer, cache_dir, caplog):
    expected = _training_vectors(featurizer)
    conn = sqlite3.connect(cache_dir / CACHE_FILE)
    with conn:
        conn.execute("UPDATE vectors SET vector = zeroblob(1536) WHERE text = 'hello'")
        conn.execute("UPDATE vectors SET vector = x'00' WHERE text = 'bonjour !'")
    conn.close()
    with caplog.at_level(logging.WARNING):
        assert _training_vectors(featurizer).tobytes() == expected.tobytes()
    assert "bad entry" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert _training_vectors(featurizer).tobytes() == expected.tobytes()
    assert "bad entry" not in caplog.text


def _cache(directory, model="test-model"):
    return E5VectorCache(directory / CACHE_FILE, model)


def _vector(seed):
    return np.random.default_rng(seed).standard_normal(384).astype(np.float32)


def test_entries_are_keyed_by_model_and_kind(tmp_path):
    _cache(tmp_path, "model-a").put_many([("hi", _vector(1))])
    assert _cache(tmp_path, "model-b").get_many(["hi"]) == {}
    passages = E5VectorCache(tmp_path / CACHE_FILE, "model-a", kind="passage")
    assert passages.get_many(["hi"]) == {}
    np.testing.assert_array_equal(_cache(tmp_path, "model-a").get_many(["hi"])["hi"],
                                  _vector(1))


def test_prune_drops_idle_entries_then_the_least_recently_used(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    cache.put_many((f"t{i}", _vector(i)) for i in range(10))
    today = vector_cache._today()
    with sqlite3.connect(tmp_path / CACHE_FILE) as conn:
        conn.execute("UPDATE vectors SET used_day = ? WHERE text IN ('t0', 't1')",
                     (today - 31,))
        conn.execute("UPDATE vectors SET used_day = ? WHERE text IN ('t2', 't3')",
                     (today - 5,))
    cache.prune(max_idle_days=30, max_entries=6)
    assert sorted(cache.get_many([f"t{i}" for i in range(10)])) == [
        "t4", "t5", "t6", "t7", "t8", "t9"]


def test_a_hit_marks_the_entry_used(tmp_path):
    cache = _cache(tmp_path)
    cache.put_many([("old", _vector(0))])
    with sqlite3.connect(tmp_path / CACHE_FILE) as conn:
        conn.execute("UPDATE vectors SET used_day = 0")
    assert "old" in cache.get_many(["old"])
    cache.prune(max_idle_days=30)
    assert "old" in cache.get_many(["old"])


def test_concurrent_writers_and_readers_do_not_fail(tmp_path, caplog):
    errors = []

    def work(worker):
        cache = _cache(tmp_path)
        for round_ in range(20):
            items = [(f"w{(worker + round_) % 3}-{i}", _vector(i)) for i in range(50)]
            cache.put_many(items)
            cache.get_many([text for text, _ in items])
            cache.prune()
        if not cache.available:
            errors.append(worker)
        cache.close()

    with caplog.at_level(logging.WARNING):
        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == [] and "failed" not in caplog.text
    found = _cache(tmp_path).get_many([f"w{w}-{i}" for w in range(3) for i in range(50)])
    assert len(found) == 150
    assert all(found[f"w{w}-{i}"].tobytes() == _vector(i).tobytes()
               for w in range(3) for i in range(50))


def test_cache_directory_setting(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, "off")
    assert cache_directory() is None
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cache_directory() == tmp_path
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.delenv("HELPBOT_VAR_DIR", raising=False)
    assert cache_directory() == Path(e5_featurizer.__file__).resolve().parents[3] / "var" / "cache"
    monkeypatch.setenv("HELPBOT_VAR_DIR", str(tmp_path / "var"))
    assert cache_directory() == tmp_path / "var" / "cache"
