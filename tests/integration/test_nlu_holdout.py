"""Held-out NLU split per language: macro-F1, calibration, and the blind symptom set.

The floors are what a user must get, not one training run's scores: the classifier is
deterministic, and each floor sits below the measured value (see the README).
"""

from __future__ import annotations

import pytest

from bot.nlu.evaluation import evaluate, format_table, score
from tests.conftest import LANGUAGES

MIN_MACRO_F1 = 0.94  # the goal is 0.95; measured 0.954-0.973 (README)
# At most this share of held-out messages may be wrong at confidence >= 0.9.
MAX_CONFIDENT_WRONG = 0.02
MAX_ECE = 0.06
# Blind symptom messages answered with the right article (the goal is 0.9), and blind
# questions without an article declined.
MIN_SYMPTOMS_RIGHT = 0.85
# Measured 0.76-1.0 over the four sets: questions about features near a covered one
# (a whiteboard, hiding self view) still get that nearby article.
MIN_NO_ARTICLE_DECLINED = 0.75


@pytest.fixture(scope="module")
def holdout_scores(trained_model):
    results = evaluate(trained_model)
    print("\nHeld-out NLU evaluation\n" + format_table(results))
    return results


@pytest.mark.parametrize("language", LANGUAGES)
def test_macro_f1_per_language(holdout_scores, language):
    result = holdout_scores[language]
    assert result.examples >= 80
    assert result.macro_f1 >= MIN_MACRO_F1, format_table(holdout_scores)


@pytest.mark.parametrize("language", LANGUAGES)
def test_confidence_means_something(holdout_scores, language):
    result = holdout_scores[language]
    assert result.confident_wrong <= MAX_CONFIDENT_WRONG, format_table(holdout_scores)
    assert result.ece <= MAX_ECE, format_table(holdout_scores)


@pytest.fixture(scope="module")
def blind_scores(trained_model):
    from bot.nlu.evaluation import BLIND_SETS, evaluate_no_article, evaluate_symptoms
    from kb_index.search import default_searcher

    index = default_searcher().index()
    return {name: (evaluate_symptoms(trained_model, index, directory=symptoms),
                   evaluate_no_article(trained_model, index, directory=no_article))
            for name, symptoms, no_article in BLIND_SETS}


BLIND_SET_NAMES = ["first", "second", "third", "fourth"]
# The goal is none. This one is known and open: "ask_my_plan" wins over a problem that
# names the subscription in passing, in spite of the examples in account_state.yml (the
# classifier weighs each intent equally, so ask_question's ~320 examples each count for
# little). Listed, not skipped: a new unasked escalation, or this one fixed, fails here.
KNOWN_UNASKED = {
    ("third", "nb"): ("klarer ikke slette kontoen min, står at jeg har aktivt abonnement",),
}


@pytest.mark.parametrize("blind_set", BLIND_SET_NAMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_symptoms_get_their_article_and_no_unasked_escalation(blind_scores, blind_set,
                                                              language):
    result = blind_scores[blind_set][0][language]
    assert result.examples >= 30
    from bot.nlu.evaluation import ESCALATING_INTENTS, REPORTING_ARTICLES

    escalated = sorted(text for text, expected, got in result.misses
                       if got.split(":")[0] in ESCALATING_INTENTS
                       and expected not in REPORTING_ARTICLES)
    assert escalated == sorted(KNOWN_UNASKED.get((blind_set, language), ())), result.misses
    assert result.unasked_escalations == len(escalated)
    assert result.share >= MIN_SYMPTOMS_RIGHT, result.misses


@pytest.mark.parametrize("blind_set", BLIND_SET_NAMES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_questions_without_an_article_are_declined(blind_scores, blind_set, language):
    result = blind_scores[blind_set][1][language]
    assert result.examples >= 15
    assert result.share >= MIN_NO_ARTICLE_DECLINED, result.answered


def test_the_blind_sets_are_all_there():
    from bot.nlu.evaluation import BLIND_SETS

    assert [name for name, _, _ in BLIND_SETS] == BLIND_SET_NAMES


def test_score_penalises_wrong_predictions():
    perfect = score("en", ["greet", "deny"], ["greet", "deny"], ["en", "en"])
    wrong = score("en", ["greet", "deny"], ["deny", "deny"], ["en", "fr"])
    assert perfect.macro_f1 == 1.0 and perfect.accuracy == 1.0
    assert wrong.accuracy == 0.5 and wrong.macro_f1 < 0.5
    assert wrong.detected_language_accuracy == 0.5


@pytest.mark.parametrize("language", LANGUAGES)
def test_holdout_never_overlaps_training_data(language):
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.components.language_detector import words_of
    from bot.nlu.evaluation import load_holdout
    from tests.conftest import PROJECT_ROOT

    def key(text):
        # Emoji-only messages ("⭐⭐⭐⭐") have no words: compare them as typed.
        return " ".join(words_of(text)) or text.strip()

    training = load_data(str(PROJECT_ROOT / "data" / "nlu" / language))
    seen = {key(m.get("text")) for m in training.training_examples}
    leaked = [text for text, _ in load_holdout(language) if key(text) in seen]
    assert not leaked


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_blind_message_is_an_nlu_training_example(language):
    """A blind set measures messages the model never saw: none may be pasted into data/nlu."""
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.nlu.components.language_detector import words_of
    from bot.nlu.evaluation import BLIND_SETS, load_no_article, load_symptoms
    from tests.conftest import PROJECT_ROOT

    training = load_data(str(PROJECT_ROOT / "data" / "nlu" / language))
    seen = {" ".join(words_of(m.get("text"))) for m in training.training_examples}
    blind = [message for _, symptoms, no_article in BLIND_SETS
             for message in ([m for m, _ in load_symptoms(language, symptoms)]
                             + load_no_article(language, no_article))]
    assert len(blind) >= 200
    assert [m for m in blind if " ".join(words_of(m)) in seen] == []


def test_evaluation_history_shows_the_change_per_language(tmp_path):
    from bot.nlu.evaluation import compare_with_last_run

    history = tmp_path / "last.json"
    first = {"en": score("en", ["greet", "deny"], ["greet", "greet"], ["en", "en"])}
    assert compare_with_last_run(first, history) is None
    second = {"en": score("en", ["greet", "deny"], ["greet", "deny"], ["en", "en"])}
    previous = compare_with_last_run(second, history)
    table = format_table(second, previous)
    assert "F1 change" in table and "+0.667" in table
