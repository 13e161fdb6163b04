"""Table-driven tests of the conversation-level language choice."""

from __future__ import annotations

import pytest

from bot.nlu.conversation_language import choose_conversation_language

LANGUAGES = ("ru", "nb", "fr", "it", "en")


def detection(language, reliable=True, requested=None, source="detected"):
    return {"language": language, "confidence": 0.9, "reliable": reliable,
            "source": source, "requested": requested}


@pytest.mark.parametrize(
    ("current", "parsed", "intent", "expected"),
    [
        # First turn: a reliable or clear message, a locale hint or the lexicon decides.
        (None, detection("ru"), "greet", "ru"),
        (None, detection("nb", reliable=False, source="lexicon"), "greet", "nb"),
        (None, detection("fr", reliable=False, source="hint"), "affirm", "fr"),
        (None, detection("fr", reliable=False, source="detected"), "thank", "fr"),
        (None, detection("ru", reliable=False, source="script"), "ask_question", "ru"),
        # First turn, no hint, only lingua's guess ("hello" looked Italian): English.
        (None, detection("it", reliable=False, source="guess"), "greet", "en"),
        (None, detection("nb", reliable=False, source="guess"), "affirm", "en"),
        (None, detection(None, reliable=False, source="none"), "greet", "en"),
        # A reliable message in another language switches.
        ("en", detection("it"), "ask_question", "it"),
        # Short or ambiguous messages keep the conversation's language.
        ("ru", detection("nb", reliable=False), "affirm", "ru"),
        ("it", detection("en", reliable=False), "deny", "it"),
        ("nb", detection("fr", reliable=False), "thank", "nb"),
        ("fr", detection("en", reliable=False, source="guess"), "ask_question", "fr"),
        ("fr", detection("ru", reliable=False, source="script"), "ask_question", "fr"),
        # Explicit requests switch, whatever language they are written in.
        ("en", detection("en", requested="fr"), "change_language", "fr"),
        ("fr", detection("ru", requested="ru"), "change_language", "ru"),
        ("ru", detection("ru", reliable=False, requested="nb"), "change_language", "nb"),
        # A named language outside a change request is just a mention.
        ("en", detection("en", requested="fr"), "ask_question", "en"),
        # Button payloads bypass NLU: no detection at all.
        ("nb", None, "request_human", "nb"),
        (None, None, "greet", "en"),
        # Garbage never leaks into the slot.
        ("xx", detection("de"), "greet", "en"),
        ("it", detection(None, reliable=False), "greet", "it"),
    ],
)
def test_choose_conversation_language(current, parsed, intent, expected):
    assert choose_conversation_language(current, parsed, intent) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("source", ["guess", "hint", "lexicon", "detected", "script"])
def test_an_ambiguous_message_never_switches_a_running_conversation(lang, source):
    for other in LANGUAGES:
        parsed = detection(other, reliable=False, source=source)
        assert choose_conversation_language(lang, parsed, "ask_question") == lang


# -- whole conversations through the real detector ---------------------------------------

@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    from bot.nlu.components.language_detector import LanguageDetector

    return LanguageDetector.create(
        LanguageDetector.get_default_config(),
        LocalModelStorage(tmp_path_factory.mktemp("detector")), Resource("language_detector"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def converse(detector, messages, locale):
    """The language slot after each message, as action_set_language fills it."""
    slot, slots = None, []
    for text, intent in messages:
        slot = choose_conversation_language(slot, detector.detect(text, locale), intent)
        slots.append(slot)
    return slots


# A sentence in each language, then what users of a video-meeting product type next:
# a feature name in English, a sentence mixing it in, and noise that says nothing.
CONVERSATIONS = {
    "ru": ["у меня не работает звук на встрече", "screen sharing",
           "у меня не работает breakout rooms", "Breakout rooms"],
    "nb": ["jeg får ikke til å dele skjermen", "Breakout rooms",
           "hvor finner jeg waiting room?", "virtual background"],
    "fr": ["Bonjour, je n'arrive pas à organiser ma formation", "Breakout rooms",
           "je ne trouve pas le bouton Share Screen", "cloud recording"],
    "it": ["non riesco a registrare la riunione", "cloud recording",
           "il mio screen sharing non va", "Personal meeting ID and host key"],
    "en": ["my microphone does not work in meetings", "сессионные залы",
           "how do I open the grupperom?", "salle d'attente"],
}
NOISE = ["ok", "👍", "https://example.com/j/987654321", "ERR_CONNECTION_REFUSED", "Marco Rossi",
         "the waiting room", "error 5003"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("locale", [None, "page"])
def test_product_terms_and_noise_keep_the_conversation_language(detector, lang, locale):
    messages = [(text, "ask_question") for text in CONVERSATIONS[lang] + NOISE]
    slots = converse(detector, messages, lang if locale else None)
    assert slots == [lang] * len(messages)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_real_sentence_in_another_language_switches(detector, lang):
    other = {"ru": "nb", "nb": "fr", "fr": "it", "it": "en", "en": "ru"}[lang]
    slots = converse(detector, [(CONVERSATIONS[lang][0], "ask_question"),
                                (CONVERSATIONS[other][0], "ask_question")], lang)
    assert slots == [lang, other]


REQUESTS = {"ru": "ответь по-французски, пожалуйста", "nb": "kan du svare på fransk?",
            "fr": "répondez en italien s'il vous plaît", "it": "rispondi in inglese per favore",
            "en": "answer in Russian please"}
REQUESTED = {"ru": "fr", "nb": "fr", "fr": "it", "it": "en", "en": "ru"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_explicit_request_switches(detector, lang):
    slots = converse(detector, [(CONVERSATIONS[lang][0], "ask_question"),
                                (REQUESTS[lang], "change_language")], lang)
    assert slots == [lang, REQUESTED[lang]]


@pytest.mark.parametrize("greeting", ["hello", "hi", "ok", "thanks", "Breakout rooms"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_first_message_without_clear_language_follows_the_page(detector, greeting, lang):
    assert converse(detector, [(greeting, "greet")], lang) == [lang]


@pytest.mark.parametrize("greeting", ["hello", "hi", "ok", "thanks", "Breakout rooms", "👋"])
def test_a_first_message_without_clear_language_or_page_is_english(detector, greeting):
    assert converse(detector, [(greeting, "greet")], None) == ["en"]
