"""The per-language quality gate (pure)."""

from __future__ import annotations

import pytest

from bot.studio.gate import MEASURES, Margins, judge
from tests.conftest import LANGUAGES


def scores(value: float = 0.9) -> dict:
    return {measure: {lang: value for lang in LANGUAGES} for measure in MEASURES}


def with_score(base: dict, measure: str, lang: str, value: float | None) -> dict:
    changed = {m: dict(per_lang) for m, per_lang in base.items()}
    if value is None:
        del changed[measure][lang]
    else:
        changed[measure][lang] = value
    return changed


# (case, measure, candidate's score in one language, passes?, expected reason or None)
CASES = [
    ("F1 within the margin", "intent_f1", 0.881, True, None),
    ("F1 exactly at the margin", "intent_f1", 0.88, True, None),
    ("F1 below the margin", "intent_f1", 0.412,
     False, "{lang}: intent F1 fell from 0.900 to 0.412 (margin 0.02)"),
    ("hit@1 within the margin", "kb_hit_at_1", 0.871, True, None),
    ("hit@1 below the margin", "kb_hit_at_1", 0.86,
     False, "{lang}: KB hit@1 fell from 0.900 to 0.860 (margin 0.03)"),
    ("priority within the margin", "priority_accuracy", 0.85, True, None),
    ("priority below the margin", "priority_accuracy", 0.84,
     False, "{lang}: priority accuracy fell from 0.900 to 0.840 (margin 0.05)"),
    ("conversation tests better", "conversation_tests", 1.0, True, None),
    ("one conversation test fewer", "conversation_tests", 0.899,
     False, "{lang}: conversation tests passed fell from 0.900 to 0.899 (margin 0)"),
    ("language missing in the candidate", "intent_f1", None,
     False, "{lang}: intent F1 is missing for the candidate (in service: 0.900)"),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case,measure,after,passes,reason", CASES,
                         ids=[case[0] for case in CASES])
def test_the_gate_judges_each_measure_in_each_language(case, measure, after, passes,
                                                      reason, lang):
    verdict = judge(scores(), with_score(scores(), measure, lang, after), Margins())

    assert verdict.passed is passes, case
    assert verdict.reasons == ([] if reason is None else [reason.format(lang=lang)])
    row = next(r for r in verdict.rows if r.measure == measure and r.lang == lang)
    assert row.ok is passes
    assert row.after == after
    assert [r for r in verdict.rows if not r.ok] == ([] if passes else [row])
    assert len(verdict.rows) == len(MEASURES) * len(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_measure_missing_in_service_passes_with_a_note(lang):
    before = with_score(scores(), "kb_hit_at_1", lang, None)

    verdict = judge(before, scores(0.5), Margins(kb_hit_at_1=1.0, intent_f1=1.0,
                                               priority_accuracy=1.0,
                                               conversation_tests=1.0))

    assert verdict.passed
    assert verdict.notes == [f"{lang}: KB hit@1 0.500; the model in service has no score "
                             "to compare with"]


def test_the_first_run_has_nothing_to_compare_with():
    verdict = judge({}, scores())

    assert verdict.passed and not verdict.reasons
    assert len(verdict.notes) == len(MEASURES) * len(LANGUAGES)


def test_a_measure_missing_in_the_candidate_fails_in_every_language():
    after = scores()
    del after["priority_accuracy"]

    verdict = judge(scores(), after)

    assert not verdict.passed
    assert verdict.reasons == [f"{lang}: priority accuracy is missing for the candidate "
                               "(in service: 0.900)" for lang in LANGUAGES]


@pytest.mark.parametrize("text,expected,error", [
    ("", Margins(), None),
    ("intent_f1=0.05, kb_hit_at_1=0", Margins(intent_f1=0.05, kb_hit_at_1=0.0), None),
    ("f1=0.05", None, "MEASURE=VALUE"),
    ("intent_f1", None, "MEASURE=VALUE"),
    ("intent_f1=2", None, "share in [0, 1]"),
])
def test_margins_from_the_command_line(text, expected, error):
    if error is None:
        assert Margins.parse_pairs(text) == expected
    else:
        with pytest.raises(ValueError, match=error.replace("[", r"\[")):
            Margins.parse_pairs(text)
