"""The linear intent classifier: deterministic, calibrated, stored without pickle.

Messages carry real e5 vectors and character counts in all five languages, so the
tests exercise the same feature blocks as the pipeline, with no trained Rasa model.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import CountVectorizer

from bot.nlu.components.intent_classifier import (
    LinearIntentClassifier,
    fit_temperature,
    softmax,
)
from bot.nlu.evaluation import expected_calibration_error
from kb_index.embedding import e5_queries

# Three intents, each in all five languages.
EXAMPLES = {
    "greet": ["hello there", "good morning", "hi!", "bonjour", "salut à tous", "ciao",
              "buongiorno", "hei", "god morgen", "привет", "здравствуйте", "hey hey"],
    "ask_question": ["I can't hear anyone", "my camera is black", "no sound",
                     "je n'entends personne", "ma caméra ne marche pas",
                     "non sento niente", "la webcam non funziona", "jeg hører ingen",
                     "kameraet virker ikke", "меня не слышно", "камера не работает",
                     "screen sharing is broken"],
    "request_human": ["put me through to a person", "I want a human", "agent please",
                      "je veux parler à un conseiller", "passez-moi quelqu'un",
                      "voglio parlare con un operatore", "mi passi una persona",
                      "jeg vil snakke med et menneske", "sett meg over til en person",
                      "соедините с оператором", "позовите человека", "real person now"],
}
NEW = [("ask_question", "the sound is choppy"), ("ask_question", "le son est haché"),
       ("ask_question", "l'audio va a scatti"), ("ask_question", "lyden hakker"),
       ("ask_question", "микрофон не работает"), ("request_human", "connect me to an agent"),
       ("request_human", "un humain svp"), ("request_human", "un operatore per favore"),
       ("request_human", "jeg vil ha en person"), ("request_human", "нужен живой человек"),
       ("greet", "hello again"), ("greet", "salut"), ("greet", "ciao a tutti"),
       ("greet", "hei hei"), ("greet", "добрый день")]


def featurized(texts, vectorizer):
    dense = e5_queries(texts)
    counts = vectorizer.transform(texts)
    messages = []
    for i, text in enumerate(texts):
        message = Message(data={"text": text})
        message.add_features(Features(scipy.sparse.coo_matrix(counts[i]), "sentence", "text",
                                      "counts"))
        message.add_features(Features(dense[i:i + 1], "sentence", "text", "e5"))
        messages.append(message)
    return messages


@pytest.fixture(scope="module")
def data():
    texts = [t for examples in EXAMPLES.values() for t in examples]
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(texts)
    messages = featurized(texts, vectorizer)
    for message, intent in zip(messages, [i for i, ex in EXAMPLES.items() for _ in ex],
                               strict=True):
        message.set("intent", intent)
    return TrainingData(messages), vectorizer


def train(tmp_path, data, name="clf", **config):
    (tmp_path / name).mkdir()
    storage = LocalModelStorage(tmp_path / name)
    resource = Resource(name)
    context = ExecutionContext(None, node_name=name)
    classifier = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config}, storage, resource, context)
    classifier.train(data)
    loaded = LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), **config}, storage, resource, context)
    return classifier, loaded


def predictions(classifier, messages):
    classifier.process(messages)
    return [(m.get("intent")["name"], m.get("intent")["confidence"]) for m in messages]


def test_unseen_messages_in_every_language_get_their_intent(tmp_path, data):
    training, vectorizer = data
    _, classifier = train(tmp_path, training)
    got = predictions(classifier, featurized([t for _, t in NEW], vectorizer))
    assert [name for name, _ in got] == [intent for intent, _ in NEW]


def test_two_trainings_give_identical_predictions_and_the_store_round_trips(tmp_path, data):
    training, vectorizer = data
    first, first_loaded = train(tmp_path, training, "first")
    _, second_loaded = train(tmp_path, training, "second")
    texts = [t for _, t in NEW]
    direct = predictions(first, featurized(texts, vectorizer))
    assert predictions(first_loaded, featurized(texts, vectorizer)) == direct
    assert predictions(second_loaded, featurized(texts, vectorizer)) == direct


def test_the_stored_model_is_plain_arrays_not_a_pickle(tmp_path, data):
    training, _ = data
    train(tmp_path, training)
    stored = sorted(p.name for p in (tmp_path / "clf").rglob("*") if p.is_file())
    assert stored == ["meta.json", "weights.npz"]
    with np.load(next((tmp_path / "clf").rglob("weights.npz")), allow_pickle=False) as z:
        assert set(z.files) == {"coef", "intercept"}


def test_ranking_is_sorted_and_sums_to_one(tmp_path, data):
    training, vectorizer = data
    _, classifier = train(tmp_path, training)
    message = featurized(["je n'arrive pas à partager mon écran"], vectorizer)[0]
    classifier.process([message])
    confidences = [r["confidence"] for r in message.get("intent_ranking")]
    assert confidences == sorted(confidences, reverse=True)
    assert abs(sum(confidences) - 1.0) < 1e-6


@pytest.mark.parametrize(("config", "error"), [
    ({"C": 0}, "C must be positive"),
    ({"sparse_weight": -1}, "weights must be >= 0"),
    ({"sparse_weight": 0, "dense_weight": 0}, "at least one feature block"),
])
def test_bad_config_is_refused(tmp_path, config, error):
    with pytest.raises(ValueError, match=error):
        LinearIntentClassifier.create({**LinearIntentClassifier.get_default_config(), **config},
                                      LocalModelStorage(tmp_path), Resource("x"),
                                      ExecutionContext(None, node_name="x"))


def test_temperature_fitting_undoes_overconfidence():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 2000)
    # Logits that are right 70 % of the time but claim ~99 %.
    logits = rng.normal(0, 1, (2000, 3))
    right = rng.random(2000) < 0.7
    logits[np.arange(2000), np.where(right, labels, (labels + 1) % 3)] += 6.0
    before = softmax(logits).max(axis=1)
    temperature = fit_temperature(logits, labels)
    after = softmax(logits / temperature).max(axis=1)
    correct = softmax(logits).argmax(axis=1) == labels
    assert temperature > 1.5
    assert expected_calibration_error(list(after), list(correct)) < 0.5 * (
        expected_calibration_error(list(before), list(correct)))


@pytest.mark.parametrize(("confidences", "correct", "expected"), [
    ([0.95, 0.95, 0.95, 0.95], [True, True, True, True], 0.05),
    ([0.95, 0.95, 0.95, 0.95], [True, False, True, False], 0.45),
    ([0.55, 0.55], [True, False], 0.05),
    ([], [], 0.0),
])
def test_expected_calibration_error(confidences, correct, expected):
    assert expected_calibration_error(confidences, correct) == pytest.approx(expected)
