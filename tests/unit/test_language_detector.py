"""Unit tests of the LanguageDetector graph component."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components.language_detector import (
    LanguageDetector,
    LanguageNameMatcher,
    locale_to_language,
)
from kb_index.glossary import Glossary


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def resource():
    return Resource("language_detector")


@pytest.fixture()
def detector(storage, resource):
    from rasa.engine.graph import GraphSchema

    return LanguageDetector.create(
        LanguageDetector.get_default_config(), storage, resource,
        ExecutionContext(GraphSchema({}), "test"),
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("не могу показать экран", "ru"),
        ("jeg har glemt passordet", "nb"),
        ("je n'arrive pas à partager mon écran", "fr"),
        ("non riesco a condividere lo schermo", "it"),
        ("I can't share my screen in a meeting", "en"),
        ("hvordan tar jeg opp et møte?", "nb"),
        ("come posso registrare una riunione?", "it"),
    ],
)
def test_sentences_are_detected_reliably(detector, text, language):
    result = detector.detect(text)
    assert result["language"] == language
    assert result["reliable"] is True
    assert result["source"] == "detected"


@pytest.mark.parametrize("text", ["ok", "hei", "no", "merci", "👍", "???", "", "123"])
def test_short_or_ambiguous_messages_are_not_reliable(detector, text):
    assert detector.detect(text)["reliable"] is False


@pytest.mark.parametrize(
    ("text", "requested"),
    [
        ("answer in French", "fr"),
        ("по-русски, пожалуйста", "ru"),
        ("можно на английском?", "en"),
        ("kan du svare på engelsk", "en"),
        ("rispondi in italiano per favore", "it"),
        ("vous pouvez parler norvégien ?", "nb"),
        ("switch to Norwegian please", "nb"),
        ("how do I share my screen", None),
    ],
)
def test_explicit_language_requests_are_recognised(detector, text, requested):
    assert detector.detect(text)["requested"] == requested


def test_locale_hint_decides_ambiguous_messages(detector):
    result = detector.detect("ok", locale_hint="fr-FR")
    assert (result["language"], result["source"], result["reliable"]) == ("fr", "hint", False)


def test_locale_hint_never_overrides_a_clear_sentence(detector):
    result = detector.detect("jeg har glemt passordet", locale_hint="en-US")
    assert (result["language"], result["reliable"]) == ("nb", True)


@pytest.mark.parametrize(
    ("locale", "language"),
    [("nb-NO", "nb"), ("no", "nb"), ("nn_NO", "nb"), ("fr_CA", "fr"), ("RU", "ru"),
     ("de-DE", None), ("", None), (None, None), (42, None)],
)
def test_locale_to_language(locale, language):
    assert locale_to_language(locale) == language


def test_short_message_lexicon_is_learned_and_persisted(detector, storage, resource):
    examples = [
        Message.build("hei", "greet", intent_metadata={"language": "nb"}),
        Message.build("hei hei", "greet", intent_metadata={"language": "nb"}),
        Message.build("ciao", "greet", intent_metadata={"language": "it"}),
        Message.build("ok", "affirm", intent_metadata={"language": "en"}),
        Message.build("ok", "affirm", intent_metadata={"language": "nb"}),
    ]
    detector.train(TrainingData(examples))
    loaded = LanguageDetector.load(
        LanguageDetector.get_default_config(), storage, resource, None  # type: ignore[arg-type]
    )
    assert loaded.detect("Hei!")["language"] == "nb"
    assert loaded.detect("hei")["source"] == "lexicon"
    assert loaded.detect("ciao")["language"] == "it"
    # Seen in two languages: no lexicon entry, only lingua's guess.
    assert loaded.detect("ok")["source"] == "guess"


def test_training_examples_take_their_language_from_metadata(detector):
    data = TrainingData([Message.build("ok", "affirm", intent_metadata={"language": "ru"})])
    detector.process_training_data(data)
    assert data.training_examples[0].get("language")["language"] == "ru"


def test_process_writes_detection_into_the_parse_output(detector):
    message = Message(data={"text": "merci", "metadata": {"locale": "fr-BE"}})
    detector.process([message])
    output = message.as_dict(only_output_properties=True)
    assert output["language"]["language"] == "fr"
    assert output["language"]["reliable"] is False


def test_messages_without_text_are_left_alone(detector):
    message = Message(data={"action_name": "utter_greet"})
    detector.process([message])
    assert message.get("language") is None


def test_name_matcher_prefers_the_last_named_language():
    matcher = LanguageNameMatcher({"en": ["english"], "fr": ["french", "in french"]})
    assert matcher.named_language("not English, in French please") == "fr"
    assert matcher.named_language("frenchfries") is None


# -- product terms, names, links and codes are no evidence of a language --------------

@pytest.mark.parametrize(
    "text",
    [
        # Feature names alone, in each language's own words and in English.
        "Breakout rooms", "screen sharing", "Virtual background", "host key", "webinar",
        "сессионные залы", "демонстрация экрана", "зал ожидания",
        "grupperom", "skjermdeling", "virtuell bakgrunn",
        "salles de sous-groupes", "partage d'écran", "salle d'attente",
        "sale per gruppi di lavoro", "condivisione schermo", "sfondo virtuale",
        # Product phrases that carry a function word of their own.
        "the waiting room", "my host key", "waiting room and passcode",
        "Personal meeting ID and host key", "share my screen",
    ],
)
def test_product_terms_alone_are_not_reliable(detector, text):
    result = detector.detect(text)
    assert result["reliable"] is False
    assert result["source"] in {"guess", "script"}


@pytest.mark.parametrize(
    "text",
    [
        "Marco Rossi", "Ingrid Hansen", "Jean Dupont", "Иван Петров", "John Smith",
        "https://example.com/j/123456789?pwd=abc", "www.example.org/fr/aide",
        "marco.rossi@example.it", "ERR_CONNECTION_REFUSED", "error 5003",
        "0x80070005", "👍👍", "🙂 🎉", "ok ok", "P1",
    ],
)
def test_names_links_codes_and_emoji_are_not_reliable(detector, text):
    assert detector.detect(text)["reliable"] is False


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # A sentence with an English feature name is a sentence of its own language.
        ("у меня не работает breakout rooms", "ru"),
        ("где найти cloud recording?", "ru"),
        ("jeg får ikke til screen sharing i møtet", "nb"),
        ("hvor finner jeg waiting room", "nb"),
        ("je n'arrive pas à activer les breakout rooms", "fr"),
        ("Je ne trouve pas le bouton Share Screen", "fr"),
        ("il mio screen sharing non va", "it"),
        ("non riesco a usare il virtual background", "it"),
        ("I can't find the salle d'attente option", "en"),
        ("how do I open the grupperom?", "en"),
    ],
)
def test_mixed_sentences_are_their_function_words_language(detector, text, language):
    result = detector.detect(text, locale_hint="de-DE")
    assert (result["language"], result["reliable"]) == (language, True)


def test_without_the_glossary_product_phrases_would_count_as_english(detector):
    """Guards the test above: the glossary is what keeps "the waiting room" ambiguous."""
    detector._glossary = Glossary([])
    assert detector.detect("the waiting room")["reliable"] is True


@pytest.mark.parametrize(
    ("text", "hint", "language", "source"),
    [
        # No locale and no clear language: lingua only guesses, which picks nothing.
        ("hello", None, None, "guess"),
        ("hi", None, None, "guess"),
        ("ok", None, None, "guess"),
        ("thanks", None, None, "guess"),
        ("Breakout rooms", None, None, "guess"),
        # A page locale decides.
        ("hello", "ru-RU", "ru", "hint"),
        ("hello", "nb-NO", "nb", "hint"),
        ("ok", "fr-FR", "fr", "hint"),
        ("thanks", "it-IT", "it", "hint"),
        ("Breakout rooms", "fr", "fr", "hint"),
        # Clear even when short: these may still open a conversation in their language.
        ("спасибо", None, "ru", "detected"),
        ("tusen takk", None, "nb", "detected"),
        ("merci beaucoup", None, "fr", "detected"),
        ("сессионные залы", None, "ru", "script"),
    ],
)
def test_ambiguous_messages_say_how_weak_they_are(detector, text, hint, language, source):
    result = detector.detect(text, locale_hint=hint)
    assert result["reliable"] is False
    assert result["source"] == source
    if language:
        assert result["language"] == language


def test_glossary_terms_never_reach_the_lexicon(detector):
    detector._short_messages = {"webinar": "it", "grazie mille": "it"}
    assert detector.detect("webinar")["source"] == "guess"
    assert detector.detect("grazie mille")["source"] == "lexicon"


@pytest.mark.parametrize(
    ("text", "reliable"),
    [
        # Russian is the only Cyrillic language supported: three words make a sentence.
        ("Изображение постоянно зависает", True),
        ("Результат оказался ошеломляющим", True),
        ("Иван Петров", False),
        # Latin-script languages share letters: without function words, no switch.
        ("Valgfrie kurs første år", False),
        ("Réunion annulée demain matin", False),
        ("Riunione annullata domani mattina", False),
        ("Meeting cancelled tomorrow morning", False),
    ],
)
def test_content_words_alone_switch_only_in_a_script_of_their_own(detector, text, reliable):
    assert detector.detect(text)["reliable"] is reliable
