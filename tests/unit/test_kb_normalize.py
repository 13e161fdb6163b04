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
