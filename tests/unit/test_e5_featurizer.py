"""Unit tests of the E5Featurizer dense featurizer."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components.e5_featurizer import E5Featurizer
from kb_index.embedding import PARSE_KEY, e5_model_id, unpack
from kb_index.embedding import e5_queries as embed_queries


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
