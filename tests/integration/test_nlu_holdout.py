"""Held-out NLU split per language: print accuracy and macro-F1, fail below 0.85."""

from __future__ import annotations

import pytest

from bot.evaluation import evaluate, format_table, score
from tests.conftest import LANGUAGES

MIN_MACRO_F1 = 0.85


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


def test_score_penalises_wrong_predictions():
    perfect = score("en", ["greet", "deny"], ["greet", "deny"], ["en", "en"])
    wrong = score("en", ["greet", "deny"], ["deny", "deny"], ["en", "fr"])
    assert perfect.macro_f1 == 1.0 and perfect.accuracy == 1.0
    assert wrong.accuracy == 0.5 and wrong.macro_f1 < 0.5
    assert wrong.detected_language_accuracy == 0.5


@pytest.mark.parametrize("language", LANGUAGES)
def test_holdout_never_overlaps_training_data(language):
    from rasa.shared.nlu.training_data.loading import load_data

    from bot.components.language_detector import words_of
    from bot.evaluation import load_holdout
    from tests.conftest import PROJECT_ROOT

    training = load_data(str(PROJECT_ROOT / "data" / "nlu" / language))
    seen = {" ".join(words_of(m.get("text"))) for m in training.training_examples}
    leaked = [text for text, _ in load_holdout(language) if " ".join(words_of(text)) in seen]
    assert not leaked


def test_evaluation_history_shows_the_change_per_language(tmp_path):
    from bot.evaluation import compare_with_last_run

    history = tmp_path / "last.json"
    first = {"en": score("en", ["greet", "deny"], ["greet", "greet"], ["en", "en"])}
    assert compare_with_last_run(first, history) is None
    second = {"en": score("en", ["greet", "deny"], ["greet", "deny"], ["en", "en"])}
    previous = compare_with_last_run(second, history)
    table = format_table(second, previous)
    assert "F1 change" in table and "+0.667" in table
