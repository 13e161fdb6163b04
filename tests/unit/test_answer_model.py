"""The KB answer model: an article or "no article" per message, stored without pickle."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from kb_index.answer_model import NO_ARTICLE, AnswerModel, load_no_article_questions
from kb_index.build import build_index, current_version
from kb_index.search import KBIndex

# Per language: (messages, article) for two articles, then questions no article answers.
EXAMPLES = {
    "en": ([("my microphone is not working", "audio"), ("nobody can hear me", "audio"),
            ("no sound from the speaker", "audio"),
            ("how do I record the meeting", "recording"),
            ("where is my cloud recording", "recording"),
            ("the record button is missing", "recording")],
           ["best banana bread recipe", "who won the match yesterday", "weather tomorrow"]),
    "fr": ([("mon micro ne marche pas", "audio"), ("personne ne m'entend", "audio"),
            ("pas de son dans le haut-parleur", "audio"),
            ("comment enregistrer la réunion", "recording"),
            ("où est mon enregistrement cloud", "recording"),
            ("le bouton enregistrer a disparu", "recording")],
           ["recette de la tarte aux pommes", "qui a gagné le match hier", "météo demain"]),
    "it": ([("il microfono non funziona", "audio"), ("nessuno mi sente", "audio"),
            ("nessun suono dalle casse", "audio"),
            ("come registro la riunione", "recording"),
            ("dove trovo la registrazione cloud", "recording"),
            ("il pulsante registra è sparito", "recording")],
           ["ricetta della carbonara", "chi ha vinto la partita ieri", "meteo di domani"]),
    "nb": ([("mikrofonen virker ikke", "audio"), ("ingen hører meg", "audio"),
            ("ingen lyd fra høyttaleren", "audio"),
            ("hvordan tar jeg opp møtet", "recording"),
            ("hvor er skyopptaket mitt", "recording"),
            ("opptaksknappen er borte", "recording")],
           ["oppskrift på vafler", "hvem vant kampen i går", "været i morgen"]),
    "ru": ([("не работает микрофон", "audio"), ("меня никто не слышит", "audio"),
            ("нет звука в динамиках", "audio"),
            ("как записать встречу", "recording"), ("где моя облачная запись", "recording"),
            ("пропала кнопка записи", "recording")],
           ["рецепт борща", "кто выиграл матч вчера", "погода на завтра"]),
}

# A message per language and what the model must answer.
QUERIES = [
    ("en", "my microphne isnt working", "audio"), ("en", "record button missing", "recording"),
    ("en", "banana bread recipe", NO_ARTICLE),
    ("fr", "mon micro marche pas", "audio"), ("fr", "enregistrer la réunion ?", "recording"),
    ("fr", "une recette de tarte aux pommes", NO_ARTICLE),
    ("it", "microfono non funziona!!", "audio"), ("it", "registro la riunione", "recording"),
    ("it", "ricetta carbonara", NO_ARTICLE),
    ("nb", "mikrofonen virker ikke lenger", "audio"), ("nb", "ta opp møtet", "recording"),
    ("nb", "oppskrift vafler", NO_ARTICLE),
    ("ru", "микрофон не работает", "audio"), ("ru", "записать встречу", "recording"),
    ("ru", "рецепт борща со сметаной", NO_ARTICLE),
]


def fake_vectors(texts):
    """No meaning, only noise: the n-grams must carry these tests."""
    rows = []
    for text in texts:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")
        row = np.random.default_rng(seed).normal(size=8)
        rows.append(row / np.linalg.norm(row))
    return np.asarray(rows, dtype=np.float32)


@pytest.fixture(scope="module")
def model():
    texts, labels = [], []
    for pairs, no_article in EXAMPLES.values():
        texts += [t for t, _ in pairs] + no_article
        labels += [a for _, a in pairs] + [NO_ARTICLE] * len(no_article)
    return AnswerModel.train(texts, labels, fake_vectors(texts))


@pytest.mark.parametrize(("lang", "text", "expected"), QUERIES)
def test_the_most_probable_class_is_the_article_or_no_article(model, lang, text, expected):
    ranked = model.probabilities(text, fake_vectors([text])[0])
    assert ranked[0].article_id == expected
    assert sum(r.probability for r in ranked) == pytest.approx(1.0)
    assert [r.probability for r in ranked] == sorted((r.probability for r in ranked),
                                                    reverse=True)


def test_a_saved_model_gives_the_same_probabilities(model, tmp_path):
    model.save(tmp_path)
    loaded = AnswerModel.load(tmp_path)
    assert loaded is not None
    for _, text, _ in QUERIES:
        vector = fake_vectors([text])[0]
        assert [(r.article_id, round(r.probability, 6)) for r in loaded.probabilities(
            text, vector)] == [(r.article_id, round(r.probability, 6))
                               for r in model.probabilities(text, vector)]
    assert not list(tmp_path.glob("*.pkl"))


def test_a_folder_without_a_model_loads_none(tmp_path):
    assert AnswerModel.load(tmp_path) is None


@pytest.mark.parametrize(("texts", "labels", "rows", "message"), [
    (["a", "b"], ["x"], 2, "same length"),
    (["a", "b"], ["x", "x"], 2, "two classes"),
])
def test_bad_training_input_is_refused(texts, labels, rows, message):
    with pytest.raises(ValueError, match=message):
        AnswerModel.train(texts, labels, np.zeros((rows, 8), dtype=np.float32))


def test_no_article_questions_skip_comments_and_blank_lines(tmp_path):
    (tmp_path / "en.txt").write_text("# a comment\nbanana bread\n\n  weather?  \n",
                                     encoding="utf-8")
    (tmp_path / "fr.txt").write_text("recette\n", encoding="utf-8")
    assert load_no_article_questions(tmp_path, ["en", "fr", "it"]) == [
        "banana bread", "weather?", "recette"]


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kb"


def test_the_index_answers_with_the_model_and_declines_no_article(tmp_path):
    no_article = tmp_path / "no_article"
    no_article.mkdir()
    for lang, (_, questions) in EXAMPLES.items():
        (no_article / f"{lang}.txt").write_text("\n".join(questions), encoding="utf-8")
    build_index(FIXTURES, tmp_path / "build", embed=fake_vectors,
                embed_queries=fake_vectors, no_article=no_article)
    version = current_version(tmp_path / "build")
    assert version is not None
    index = KBIndex.load(version, embed_query=lambda text: fake_vectors([text])[0])
    assert index.answer_model is not None
    hits = index.answer_hits("how do I record a meeting", "en")
    assert hits and hits[0].id == "recording" and hits[0].probability > 0
    assert index.answer_hits("best banana bread recipe", "en") == []


def _plain(text: str) -> str:
    return re.sub(r"[^\w ]", "", text.lower()).strip()


@pytest.mark.parametrize("lang", ["en", "fr", "it", "nb", "ru"])
def test_the_blind_sets_never_overlap_the_answer_models_training_data(lang):
    from bot.nlu.evaluation import BLIND_SETS, load_no_article, load_symptoms
    from kb_index.articles import load_articles
    from kb_index.build import DEFAULT_NO_ARTICLE, DEFAULT_SOURCE

    training = {_plain(q) for a in load_articles(DEFAULT_SOURCE, [lang]) for q in a.questions}
    training |= {_plain(q) for q in load_no_article_questions(DEFAULT_NO_ARTICLE, [lang])}
    blind = [message for _, symptoms, no_article in BLIND_SETS
             for message in ([m for m, _ in load_symptoms(lang, symptoms)]
                             + load_no_article(lang, no_article))]
    assert len(blind) >= 100
    assert [m for m in blind if _plain(m) in training] == []
