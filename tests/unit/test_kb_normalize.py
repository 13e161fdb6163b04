"""Per-language normalization: lemmas, stop words, folded accents, Russian inflection."""

from __future__ import annotations

import pytest

from kb_index.normalize import fold_accents, normalize


@pytest.mark.parametrize(
    ("lang", "a", "b"),
    [
        # Russian inflection meets on one lemma.
        ("ru", "не могу показать экран", "показ экрана не работает"),
        ("ru", "записи конференций", "запись конференции"),
        ("ru", "забыл пароль", "сброс пароля"),
        ("nb", "jeg har glemt passordet", "nytt passord"),
        ("nb", "møtene", "møte"),
        ("fr", "les réunions enregistrées", "enregistrer une réunion"),
        ("it", "le registrazioni delle riunioni", "registrazione riunione"),
        ("en", "recordings of meetings", "record a meeting"),
    ],
)
def test_inflected_forms_share_terms(lang, a, b):
    assert set(normalize(a, lang)) & set(normalize(b, lang)), (normalize(a, lang),
                                                                normalize(b, lang))


@pytest.mark.parametrize(
    ("lang", "text", "absent"),
    [
        ("en", "how do I share my screen", {"how", "do", "i", "my"}),
        ("ru", "как мне показать экран", {"как", "мне"}),
        ("fr", "comment est-ce que je partage mon écran", {"comment", "je", "mon"}),
        ("it", "come posso condividere il mio schermo", {"come", "il", "mio"}),
        ("nb", "hvordan deler jeg skjermen min", {"hvordan", "jeg", "min"}),
    ],
)
def test_stop_words_and_punctuation_are_dropped(lang, text, absent):
    terms = set(normalize(text + "?!", lang))
    assert terms and not terms & absent
    assert not any(t in {"?", "!"} for t in terms)


def test_accents_are_folded():
    assert fold_accents("réunion à Genève, på møtet, ёлка") == "reunion a Geneve, pa møtet, елка"
    assert "ecran" in normalize("écran", "fr")


def test_empty_text_has_no_terms():
    assert normalize("", "en") == [] and normalize("?!", "ru") == []


@pytest.mark.parametrize(
    ("lang", "native", "foreign"),
    [
        # The article's own name and the English one a user types meet on one token.
        ("ru", "Как создать сессионные залы", "у меня не работает breakout rooms"),
        ("nb", "Slik lager du grupperom", "breakout rooms virker ikke"),
        ("fr", "Créer des salles de petits groupes", "je n'arrive pas à lancer les breakouts"),
        ("it", "Condividere lo schermo", "il mio screen sharing non va"),
        ("en", "Sharing your screen", "screenshare is grey"),
    ],
)
def test_glossary_concepts_become_one_token_in_every_language(lang, native, foreign):
    native_concepts = {t for t in normalize(native, lang) if t.startswith("concept:")}
    foreign_concepts = {t for t in normalize(foreign, lang) if t.startswith("concept:")}
    assert native_concepts and native_concepts == foreign_concepts


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("ru", "демонстрация экрана"), ("nb", "skjermdeling"), ("fr", "partage d'écran"),
        ("it", "condivisione schermo"), ("en", "screen sharing"),
    ],
)
def test_queries_get_concept_tokens_only_for_names_of_other_languages(lang, text):
    assert "concept:screen-sharing" in normalize(text, lang)
    assert not any(t.startswith("concept:") for t in normalize(text, lang, "foreign"))
    assert not any(t.startswith("concept:") for t in normalize(text, lang, "none"))
    other = "screenshare" if lang != "en" else "condivisione schermo"
    assert "concept:screen-sharing" in normalize(other, lang, "foreign")


@pytest.mark.parametrize(
    ("lang", "text", "kept"),
    [
        ("it", "la registrazione della riunione", "registr"),
        ("it", "sala d'attesa", "attes"),
        ("nb", "kontakt kundestøtte", "kontakt"),
        ("ru", "удалить мои данные", "данные"),
    ],
)
def test_topic_words_in_spacy_stop_lists_are_kept(lang, text, kept):
    assert any(t.startswith(kept) for t in normalize(text, lang, "none")), normalize(text, lang)
