"""Reading the report form's answers: products, yes/no, request IDs, descriptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.escalation.report_form import (
    NO_REQUEST_ID,
    description_ok,
    match_product,
    request_id,
    yes_or_no,
)

ANSWERS = Path(__file__).resolve().parent.parent / "fixtures" / "product_answers.tsv"


def product_answers():
    rows = [line.split("\t") for line in ANSWERS.read_text(encoding="utf-8").splitlines()]
    return [pytest.param(text, value, id=f"{lang}-{text}") for lang, text, value in rows]


@pytest.mark.parametrize(("answer", "product"), product_answers())
def test_product_words_from_the_nlu_examples(answer, product):
    assert match_product(answer) == product


@pytest.mark.parametrize(
    ("answer", "product"),
    [
        ("webinar", "webinar"), ("video_quality", "video_quality"), ("other", "other"),
        ("webniar", "webinar"), ("zoom phone calls drop", "phone"),
        ("проблема со звонками", "phone"), ("c'est pour les webinaires", "webinar"),
        ("I have a problem", None), ("phone and chat", None), ("", None),
    ],
)
def test_product_answers_typed_freely(answer, product):
    assert match_product(answer) == product


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("yes", True), ("Да", True), ("ja", True), ("Oui!", True), ("sì", True),
     ("no", False), ("нет", False), ("nei", False), ("non", False),
     ("maybe", None), ("", None)],
)
def test_yes_or_no(answer, expected):
    assert yes_or_no(answer) is expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [("3f2a-91kd", "3F2A-91KD"), ("Request ID: AB12CD", "AB12CD"),
     ("идентификатор: 7781-XZ", "7781-XZ"), ("skip", NO_REQUEST_ID),
     ("Пропустить", NO_REQUEST_ID), ("hopp over", NO_REQUEST_ID),
     ("abc", None), ("<script>", None), ("a" * 80, None), ("two words", None)],
)
def test_request_ids(answer, expected):
    assert request_id(answer) == expected


@pytest.mark.parametrize(
    ("answer", "ok"),
    [("help", False), ("broken", False), ("audio drops for everyone", True),
     ("не работает", True)],
)
def test_descriptions_need_a_few_words(answer, ok):
    assert description_ok(answer) is ok
