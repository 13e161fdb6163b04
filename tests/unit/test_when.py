"""When did it happen: relative days, clock times and dates in five languages."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.support.when import WhenError, parse_when

# Sunday 22 November 2026, 16:40 at UTC+1.
NOW = datetime(2026, 11, 22, 16, 40, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize(
    ("lang", "answer", "expected"),
    [
        # "yesterday around 3pm" in every language, in several phrasings.
        ("en", "yesterday around 3pm", "2026-11-21T15:00+01:00"),
        ("en", "Yesterday at about 3 p.m.", "2026-11-21T15:00+01:00"),
        ("ru", "вчера около 3 часов дня", "2026-11-21T15:00+01:00"),
        ("ru", "вчера примерно в 15:00", "2026-11-21T15:00+01:00"),
        ("nb", "i går rundt klokka 15", "2026-11-21T15:00+01:00"),
        ("nb", "i går ca. kl. 3 på ettermiddagen", "2026-11-21T15:00+01:00"),
        ("fr", "hier vers 15h", "2026-11-21T15:00+01:00"),
        ("fr", "hier vers 3 heures de l'après-midi", "2026-11-21T15:00+01:00"),
        ("it", "ieri verso le 15", "2026-11-21T15:00+01:00"),
        ("it", "ieri alle 3 del pomeriggio", "2026-11-21T15:00+01:00"),
        # Dates.
        ("en", "2026-11-20", "2026-11-20"),
        ("en", "21.11.2026 at 10:15", "2026-11-21T10:15+01:00"),
        ("fr", "le 21/11 à 9h", "2026-11-21T09:00+01:00"),
        ("ru", "21 ноября в 9:30", "2026-11-21T09:30+01:00"),
        ("nb", "21. november kl. 14", "2026-11-21T14:00+01:00"),
        ("it", "il 21 novembre", "2026-11-21"),
        ("en", "11/21/2026", "2026-11-21"),
        # Relative moments.
        ("en", "2 hours ago", "2026-11-22T14:40+01:00"),
        ("ru", "час назад", "2026-11-22T15:40+01:00"),
        ("nb", "for 20 minutter siden", "2026-11-22T16:20+01:00"),
        ("fr", "il y a une heure", "2026-11-22T15:40+01:00"),
        ("it", "un'ora fa", "2026-11-22T15:40+01:00"),
        ("en", "just now", "2026-11-22T16:40+01:00"),
        ("ru", "сегодня утром", "2026-11-22T09:00+01:00"),
        ("nb", "i går kveld", "2026-11-21T19:00+01:00"),
        ("en", "on Monday", "2026-11-16"),
        ("it", "lunedì scorso", "2026-11-16"),
        ("fr", "avant-hier", "2026-11-20"),
        # A time alone is today, or yesterday when today's would be in the future.
        ("en", "at 15.30", "2026-11-22T15:30+01:00"),
        ("en", "at 18:00", "2026-11-21T18:00+01:00"),
        # English words are understood in any conversation language.
        ("nb", "yesterday 3pm", "2026-11-21T15:00+01:00"),
    ],
)
def test_understood(lang, answer, expected):
    assert parse_when(answer, lang, NOW).iso(NOW) == expected


@pytest.mark.parametrize(
    ("lang", "answer", "code"),
    [
        ("en", "tomorrow", "in_the_future"),
        ("fr", "demain matin", "in_the_future"),
        ("ru", "завтра в 10", "in_the_future"),
        ("nb", "i morgen tidlig", "in_the_future"),
        ("it", "domani pomeriggio", "in_the_future"),
        ("en", "no idea", "not_understood"),
        ("en", "5 users dropped", "not_understood"),
        ("ru", "", "not_understood"),
        ("en", "2027-01-01", "in_the_future"),
        ("fr", "le 30/12/2026", "in_the_future"),
        ("en", "2020-05-01", "too_long_ago"),
    ],
)
def test_refused(lang, answer, code):
    with pytest.raises(WhenError) as error:
        parse_when(answer, lang, NOW)
    assert error.value.code == code
