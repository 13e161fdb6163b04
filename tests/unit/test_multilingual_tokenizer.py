"""Unit tests of the MultilingualTokenizer graph component."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components.multilingual_tokenizer import MultilingualTokenizer


@pytest.fixture()
def tokenizer():
    return MultilingualTokenizer(MultilingualTokenizer.get_default_config())


def message(text, language):
    return Message(data={"text": text, "language": {"language": language}})


@pytest.mark.parametrize(
    ("text", "language", "tokens"),
    [
        ("l'application plante", "fr", ["l'", "application", "plante"]),
        ("l'audio non funziona", "it", ["l'", "audio", "non", "funziona"]),
        ("ответьте по-русски, пожалуйста", "ru", ["ответьте", "по", "русски", "пожалуйста"]),
        ("jeg får ikke delt skjermen!", "nb", ["jeg", "får", "ikke", "delt", "skjermen"]),
        ("I can't join", "en", ["I", "ca", "n't", "join"]),
        # Unknown or missing language: spaCy's language-neutral rules.
        ("l'application plante", "de", ["l'application", "plante"]),
    ],
)
def test_tokenizes_with_the_rules_of_the_detected_language(tokenizer, text, language, tokens):
    assert [t.text for t in tokenizer.tokenize(message(text, language), "text")] == tokens


def test_offsets_point_into_the_original_text(tokenizer):
    text = "  non riesco ad entrare"
    for token in tokenizer.tokenize(message(text, "it"), "text"):
        assert text[token.start:token.end] == token.text


def test_punctuation_only_message_still_has_a_token(tokenizer):
    assert [t.text for t in tokenizer.tokenize(message("???", "en"), "text")] == ["???"]


def test_message_without_detection_uses_neutral_rules(tokenizer):
    assert [t.text for t in tokenizer.tokenize(Message(data={"text": "hei der"}), "text")] == [
        "hei", "der"]


def test_process_sets_tokens_on_messages(tokenizer):
    msg = message("bonjour à tous", "fr")
    tokenizer.process([msg])
    assert [t.text for t in msg.get("text_tokens")] == ["bonjour", "à", "tous"]
