"""The per-language quality gate: may a candidate model replace the one in service?

Pure: it compares two sets of scores and says why. Every measure is a share in [0, 1]
per language (``Scores[measure][lang]``). A candidate fails when, in any language, a
measure falls by more than its margin, or when it has no score for a measure or a
language (something broke while it was trained or evaluated). A score the model in
service lacks (the first retrain, or a measure added since) is not held against the
candidate: that row passes with a note.
"""

from __future__ import annotations

from typing import Dict, List, Literal, Optional, Sequence, Tuple, get_args

from pydantic import BaseModel, validator

from bot import SUPPORTED_LANGUAGES

Measure = Literal["intent_f1", "kb_hit_at_1", "priority_accuracy", "conversation_tests"]
MEASURES: Tuple[Measure, ...] = get_args(Measure)
# Per measure, per language code: a share in [0, 1].
Scores = Dict[Measure, Dict[str, float]]

LABELS: Dict[Measure, str] = {
    "intent_f1": "intent F1",
    "kb_hit_at_1": "KB hit@1",
    "priority_accuracy": "priority accuracy",
    "conversation_tests": "conversation tests passed",
}
# Scores are compared after rounding: two evaluations of the same model may differ in
# the last float bits (summation order), which must not fail a zero margin.
EPSILON = 1e-9


class Margins(BaseModel):
    """How far each measure may fall, per language, before the gate refuses (shares)."""

    intent_f1: float = 0.02
    kb_hit_at_1: float = 0.03
    priority_accuracy: float = 0.05
    # The share of conversation tests passed must not drop at all.
    conversation_tests: float = 0.0

    @validator("*")
    def _a_share(cls, value: float) -> float:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"a margin is a share in [0, 1], not {value}")
        return value

    def of(self, measure: Measure) -> float:
        """Returns the margin of one measure."""
        return float(getattr(self, measure))

    @classmethod
    def parse_pairs(cls, text: str) -> Margins:
        """Parses ``"intent_f1=0.03,kb_hit_at_1=0.05"`` (the CLI's ``--margins``).

        Raises:
            ValueError: an unknown measure, a pair without ``=``, or a value that is not
                a number in [0, 1].
        """
        values: Dict[str, float] = {}
        for pair in filter(None, (p.strip() for p in text.split(","))):
            name, equals, value = pair.partition("=")
            if not equals or name.strip() not in MEASURES:
                raise ValueError(f"--margins: expected MEASURE=VALUE with MEASURE one of "
                                 f"{', '.join(MEASURES)}; got {pair!r}")
            values[name.strip()] = float(value)
        return cls(**values)


class GateRow(BaseModel):
    """One measure in one language, before and after."""

    measure: Measure
    lang: str
    before: Optional[float]
    after: Optional[float]
    # after - before; None when either is missing.
    delta: Optional[float]
    ok: bool


class GateVerdict(BaseModel):
    """The gate's decision: one row per measure and language, and why it refused."""

    passed: bool
    rows: List[GateRow]
    # One sentence per failing row, e.g. "it: intent F1 fell from 0.984 to 0.412 (margin 0.02)".
    reasons: List[str]
    # Rows that passed only because the model in service had no score.
    notes: List[str] = []


def judge(before: Scores, after: Scores, margins: Optional[Margins] = None,
          languages: Sequence[str] = SUPPORTED_LANGUAGES) -> GateVerdict:
    """Compares the candidate's scores with the in-service model's, per language.

    Args:
        before: the in-service model's scores; may be empty (first retrain).
        after: the candidate's scores.
        margins: the largest allowed fall per measure (a share, e.g. 0.02 = 2 points);
            default ``Margins()``.
        languages: the languages every measure must cover.

    Returns:
        The verdict; ``passed`` only if every row is ok.
    """
    margins = margins or Margins()
    rows: List[GateRow] = []
    reasons: List[str] = []
    notes: List[str] = []
    for measure in MEASURES:
        label, margin = LABELS[measure], margins.of(measure)
        old_scores, new_scores = before.get(measure, {}), after.get(measure, {})
        extra = sorted(set(old_scores) - set(languages))
        for lang in [*languages, *extra]:
            old, new = old_scores.get(lang), new_scores.get(lang)
            delta = None if old is None or new is None else new - old
            if new is None:
                ok = False
                reasons.append(f"{lang}: {label} is missing for the candidate"
                               + ("" if old is None else f" (in service: {old:.3f})"))
            elif old is None:
                ok = True
                notes.append(f"{lang}: {label} {new:.3f}; the model in service has no "
                             "score to compare with")
            else:
                ok = new >= old - margin - EPSILON
                if not ok:
                    reasons.append(f"{lang}: {label} fell from {old:.3f} to {new:.3f} "
                                   f"(margin {margin:g})")
            rows.append(GateRow(measure=measure, lang=lang, before=old, after=new,
                                delta=delta, ok=ok))
    return GateVerdict(passed=all(row.ok for row in rows), rows=rows, reasons=reasons,
                       notes=notes)
