"""When did it happen: relative days, clock times and dates in five languages.

Every clock is injected (``now``); nothing here depends on today's date or the machine's
time zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.escalation.time_parser import ERROR_CODES, When, WhenError, describe, parse_when, time_zone
from tests.when_phrases import (
    LANGUAGES,
    ago_phrase,
    clock_phrase,
    formats,
)

# Sunday 22 November 2026, 16:40 at UTC+1.
NOW = datetime(2026, 11, 22, 16, 40, tzinfo=timezone(timedelta(hours=1)))
# Late in the evening, so every time of "today" is already past.
LATE = datetime(2026, 11, 22, 23, 59, 30, tzinfo=timezone(timedelta(hours=1)))
OSLO = ZoneInfo("Europe/Oslo")
NEW_YORK = ZoneInfo("America/New_York")


def iso(answer, lang, now=NOW):
    return parse_when(answer, lang, now).iso(now)


def refused(answer, lang, now=NOW):
    with pytest.raises(WhenError) as error:
        parse_when(answer, lang, now)
    return error.value.code


@pytest.mark.parametrize(
    ("lang", "answer", "expected_iso"),
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
        ("en", "November 21 at 9pm", "2026-11-21T21:00+01:00"),
        ("fr", "le 30/12", "2025-12-30"),  # no year, and this year's is still to come
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
        ("en", "3 days ago", "2026-11-19"),
        ("ru", "2 дня назад", "2026-11-20"),
        # A time alone is today, or yesterday when today's would be in the future.
        ("en", "at 15.30", "2026-11-22T15:30+01:00"),
        ("en", "at 18:00", "2026-11-21T18:00+01:00"),
        # English words are understood in any conversation language.
        ("nb", "yesterday 3pm", "2026-11-21T15:00+01:00"),
    ],
)
def test_understood(lang, answer, expected_iso):
    assert iso(answer, lang) == expected_iso


# -- faults found by users -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("lang", "answer", "expected_iso"),
    [
        # Every clock time from 20:00 to 23:59 used to be read as 02:00 (or 14:00).
        ("en", "yesterday at 21:40", "2026-11-21T21:40+01:00"),
        ("fr", "hier à 20h30", "2026-11-21T20:30+01:00"),
        ("fr", "hier à 21h15", "2026-11-21T21:15+01:00"),
        ("it", "ieri alle 22", "2026-11-21T22:00+01:00"),
        ("nb", "i går kveld kl 22", "2026-11-21T22:00+01:00"),
        ("ru", "вчера в 23:59", "2026-11-21T23:59+01:00"),
        ("en", "yesterday at 20:00", "2026-11-21T20:00+01:00"),
        ("fr", "hier à 23 h 59", "2026-11-21T23:59+01:00"),
        ("it", "ieri alle 20:30", "2026-11-21T20:30+01:00"),
        ("nb", "i går kl. 21.40", "2026-11-21T21:40+01:00"),
        ("ru", "вчера в 20 часов", "2026-11-21T20:00+01:00"),
        # Numbers written as words used to be refused.
        ("en", "two hours ago", "2026-11-22T14:40+01:00"),
        ("it", "tre ore fa", "2026-11-22T13:40+01:00"),
        ("nb", "for tre timer siden", "2026-11-22T13:40+01:00"),
        ("fr", "il y a dix minutes", "2026-11-22T16:30+01:00"),
        ("ru", "десять минут назад", "2026-11-22T16:30+01:00"),
        # ...and in Russian silently read as one.
        ("ru", "три часа назад", "2026-11-22T13:40+01:00"),
        ("ru", "два часа назад", "2026-11-22T14:40+01:00"),
        ("ru", "пять минут назад", "2026-11-22T16:35+01:00"),
    ],
)
def test_faults_found_by_users(lang, answer, expected_iso):
    assert iso(answer, lang) == expected_iso


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hour_and_minute_in_every_format(lang):
    """All 24 hours (minutes 0, 5, 30, 59) of yesterday, in each usual format."""
    yesterday = LATE.date() - timedelta(days=1)
    failures = []
    for fmt in formats(lang):
        for hour in range(24):
            for minute in (0, 5, 30, 59):
                text = clock_phrase(lang, fmt, 1, hour, minute, yesterday)
                if text is None:
                    continue
                try:
                    got = parse_when(text, lang, LATE)
                except WhenError as error:
                    got = error.code
                if got != When(yesterday, time(hour, minute)):
                    failures.append((fmt, text, got))
    assert failures == []


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("style", ["relative", "iso", "numeric", "named"])
def test_days_written_every_way_with_a_clock_time(lang, style):
    for back in (0, 1, 2):
        day = LATE.date() - timedelta(days=back)
        for fmt in formats(lang):
            text = clock_phrase(lang, fmt, back, 21, 5, day, style)
            if text is None or (style != "relative" and fmt in ("evening at 9", "soir à 9h",
                                                                 "sera alle 9", "kveld kl 9",
                                                                 "вечером в 9")):
                continue
            assert parse_when(text, lang, LATE) == When(day, time(21, 5)), text


@pytest.mark.parametrize(
    ("lang", "answer", "expected_iso"),
    [
        # A part of the day picks the half of the clock.
        ("en", "yesterday evening at 9", "2026-11-21T21:00+01:00"),
        ("fr", "hier soir à 9h", "2026-11-21T21:00+01:00"),
        ("it", "ieri sera alle 10", "2026-11-21T22:00+01:00"),
        ("nb", "i går kveld kl 10", "2026-11-21T22:00+01:00"),
        ("ru", "вчера вечером в 10", "2026-11-21T22:00+01:00"),
        ("en", "this morning at 8", "2026-11-22T08:00+01:00"),
        ("fr", "ce matin à 8h", "2026-11-22T08:00+01:00"),
        ("it", "stamattina alle 8", "2026-11-22T08:00+01:00"),
        ("nb", "i morges kl 8", "2026-11-22T08:00+01:00"),
        ("ru", "сегодня утром в 8", "2026-11-22T08:00+01:00"),
        ("en", "yesterday at 9 in the evening", "2026-11-21T21:00+01:00"),
        ("fr", "hier à 9 heures du soir", "2026-11-21T21:00+01:00"),
        ("it", "ieri alle 9 di sera", "2026-11-21T21:00+01:00"),
        ("nb", "i går kl 9 om kvelden", "2026-11-21T21:00+01:00"),
        ("ru", "вчера в 9 вечера", "2026-11-21T21:00+01:00"),
        # Last night: after midnight is today, before it yesterday.
        ("en", "last night at 2am", "2026-11-22T02:00+01:00"),
        ("fr", "cette nuit à 23h", "2026-11-21T23:00+01:00"),
        ("it", "stanotte alle 3", "2026-11-22T03:00+01:00"),
        ("nb", "i natt kl 3", "2026-11-22T03:00+01:00"),
        ("ru", "этой ночью в 3", "2026-11-22T03:00+01:00"),
        # Noon and midnight.
        ("en", "yesterday at noon", "2026-11-21T12:00+01:00"),
        ("fr", "hier à midi et demi", "2026-11-21T12:30+01:00"),
        ("it", "ieri a mezzogiorno", "2026-11-21T12:00+01:00"),
        ("nb", "i dag ved midnatt", "2026-11-22T00:00+01:00"),
        ("ru", "вчера в полдень", "2026-11-21T12:00+01:00"),
    ],
)
def test_parts_of_the_day_with_a_clock_time(lang, answer, expected_iso):
    assert iso(answer, lang) == expected_iso


@pytest.mark.parametrize(
    ("lang", "answer", "expected_iso"),
    [
        # Number words, one to twelve and beyond, digits or words, in clock times too.
        ("en", "twelve minutes ago", "2026-11-22T16:28+01:00"),
        ("en", "an hour ago", "2026-11-22T15:40+01:00"),
        ("en", "twenty-five minutes ago", "2026-11-22T16:15+01:00"),
        ("en", "yesterday at nine thirty pm", "2026-11-21T21:30+01:00"),
        ("en", "yesterday at half past nine in the evening", "2026-11-21T21:30+01:00"),
        ("en", "yesterday at ten to nine", "2026-11-21T08:50+01:00"),
        ("fr", "il y a onze minutes", "2026-11-22T16:29+01:00"),
        ("fr", "il y a deux heures", "2026-11-22T14:40+01:00"),
        ("fr", "hier à neuf heures et demie du soir", "2026-11-21T21:30+01:00"),
        ("fr", "hier à neuf heures moins le quart", "2026-11-21T08:45+01:00"),
        ("fr", "hier vers vingt et une heures", "2026-11-21T21:00+01:00"),
        ("it", "dodici minuti fa", "2026-11-22T16:28+01:00"),
        ("it", "un minuto fa", "2026-11-22T16:39+01:00"),
        ("it", "ieri alle nove e mezza di sera", "2026-11-21T21:30+01:00"),
        ("it", "ieri all'una", "2026-11-21T01:00+01:00"),
        ("it", "ieri alle nove e venti", "2026-11-21T09:20+01:00"),
        ("nb", "for sju minutter siden", "2026-11-22T16:33+01:00"),
        ("nb", "for en time siden", "2026-11-22T15:40+01:00"),
        ("nb", "i går kl halv ti", "2026-11-21T09:30+01:00"),
        ("nb", "i går kveld kl halv ti", "2026-11-21T21:30+01:00"),
        ("nb", "i går fem på halv ti", "2026-11-21T09:25+01:00"),
        ("ru", "двадцать одну минуту назад", "2026-11-22T16:19+01:00"),
        ("ru", "две минуты назад", "2026-11-22T16:38+01:00"),
        ("ru", "около трёх часов дня", "2026-11-22T15:00+01:00"),
        ("ru", "вчера в половине десятого вечера", "2026-11-21T21:30+01:00"),
        ("ru", "вчера без четверти девять", "2026-11-21T08:45+01:00"),
        ("ru", "вчера в час дня", "2026-11-21T13:00+01:00"),
        ("ru", "минут десять назад", "2026-11-22T16:30+01:00"),
        # Half an hour, and an hour and a half.
        ("en", "half an hour ago", "2026-11-22T16:10+01:00"),
        ("fr", "il y a une demi-heure", "2026-11-22T16:10+01:00"),
        ("it", "mezz'ora fa", "2026-11-22T16:10+01:00"),
        ("nb", "for en halvtime siden", "2026-11-22T16:10+01:00"),
        ("nb", "for en halv time siden", "2026-11-22T16:10+01:00"),
        ("ru", "полчаса назад", "2026-11-22T16:10+01:00"),
        ("en", "an hour and a half ago", "2026-11-22T15:10+01:00"),
        ("fr", "il y a une heure et demie", "2026-11-22T15:10+01:00"),
        ("it", "un'ora e mezza fa", "2026-11-22T15:10+01:00"),
        ("nb", "for halvannen time siden", "2026-11-22T15:10+01:00"),
        ("ru", "полтора часа назад", "2026-11-22T15:10+01:00"),
        # Quarters, and hours and minutes together.
        ("en", "a quarter of an hour ago", "2026-11-22T16:25+01:00"),
        ("fr", "il y a un quart d'heure", "2026-11-22T16:25+01:00"),
        ("it", "un quarto d'ora fa", "2026-11-22T16:25+01:00"),
        ("nb", "for et kvarter siden", "2026-11-22T16:25+01:00"),
        ("ru", "четверть часа назад", "2026-11-22T16:25+01:00"),
        ("en", "2 hours and 30 minutes ago", "2026-11-22T14:10+01:00"),
        ("ru", "2 часа 30 минут назад", "2026-11-22T14:10+01:00"),
    ],
)
def test_number_words_and_halves(lang, answer, expected_iso):
    assert iso(answer, lang) == expected_iso


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("unit", ["minute", "hour"])
@pytest.mark.parametrize("words", [False, True])
def test_n_minutes_or_hours_ago_one_to_fifty_nine(lang, unit, words):
    for n in range(1, 60 if unit == "minute" else 24):
        text = ago_phrase(lang, n, unit, words)
        delta = timedelta(minutes=n) if unit == "minute" else timedelta(hours=n)
        moment = NOW - delta
        assert parse_when(text, lang, NOW) == When(moment.date(), moment.time()), text


@pytest.mark.parametrize(
    ("lang", "answer", "code"),
    [
        ("en", "tomorrow", "in_the_future"),
        ("fr", "demain matin", "in_the_future"),
        ("ru", "завтра в 10", "in_the_future"),
        ("nb", "i morgen tidlig", "in_the_future"),
        ("it", "domani pomeriggio", "in_the_future"),
        ("en", "in 2 hours", "in_the_future"),
        ("fr", "dans dix minutes", "in_the_future"),
        ("it", "tra un'ora", "in_the_future"),
        ("nb", "om en time", "in_the_future"),
        ("ru", "через час", "in_the_future"),
        ("en", "no idea", "not_understood"),
        ("en", "5 users dropped", "not_understood"),
        ("ru", "", "not_understood"),
        ("en", "2027-01-01", "in_the_future"),
        ("fr", "le 30/12/2026", "in_the_future"),
        ("en", "2020-05-01", "too_long_ago"),
        # Invalid clock times, in every language.
        ("en", "yesterday at 25:00", "invalid_time"),
        ("en", "13pm", "invalid_time"),
        ("en", "yesterday at 0am", "invalid_time"),
        ("fr", "hier à 25h", "invalid_time"),
        ("it", "ieri alle 24:00", "invalid_time"),
        ("nb", "i går kl. 21.75", "invalid_time"),
        ("ru", "вчера в 25:00", "invalid_time"),
        # Contradictions, in every language.
        ("en", "yesterday morning at 23", "contradictory"),
        ("en", "yesterday at 9am in the evening", "contradictory"),
        ("fr", "hier matin à 23h", "contradictory"),
        ("it", "ieri mattina alle 23", "contradictory"),
        ("nb", "i går morges kl 23", "contradictory"),
        ("ru", "вчера утром в 23:00", "contradictory"),
        ("ru", "вчера в 6 ночи", "contradictory"),
        ("en", "yesterday, 2 hours ago", "contradictory"),
        ("nb", "i går kl 10 i kveld", "contradictory"),
        # Ambiguous: two times, a range, or which night.
        ("en", "yesterday at 9 or 10", "ambiguous"),
        ("fr", "hier entre 9h et 10h", "ambiguous"),
        ("it", "ieri tra le 9 e 10", "ambiguous"),
        ("nb", "i går kl 9 eller 10", "ambiguous"),
        ("ru", "вчера в 9 или в 10", "ambiguous"),
        ("en", "2 or 3 hours ago", "ambiguous"),
        ("ru", "2-3 часа назад", "ambiguous"),
        ("en", "yesterday at midnight", "ambiguous"),
        ("ru", "вчера в 3 ночи", "ambiguous"),
        # Vague amounts are not guessed.
        ("en", "a few minutes ago", "not_understood"),
        ("fr", "il y a quelques minutes", "not_understood"),
        ("it", "qualche minuto fa", "not_understood"),
        ("nb", "for noen minutter siden", "not_understood"),
        ("ru", "несколько минут назад", "not_understood"),
    ],
)
def test_refused(lang, answer, code):
    assert code in ERROR_CODES
    assert refused(answer, lang) == code


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_number_after_a_cue_is_a_time_only_when_it_can_be_one(lang):
    at_one_point = {"en": "yesterday at one point", "fr": "hier à un moment",
                    "it": "ieri a un certo punto", "nb": "i går på et tidspunkt",
                    "ru": "вчера в один момент"}
    assert iso(at_one_point[lang], lang) == "2026-11-21"


# -- injected clocks: several dates, midnight, DST ------------------------------------------

@pytest.mark.parametrize(
    ("now", "lang", "answer", "expected_iso"),
    [
        # Far in the future; the clock is the only source of "today".
        (datetime(2031, 1, 1, 0, 3, tzinfo=OSLO), "nb", "i går kl 23.59",
         "2030-12-31T23:59+01:00"),
        (datetime(2031, 1, 1, 0, 3, tzinfo=OSLO), "en", "10 minutes ago",
         "2030-12-31T23:53+01:00"),
        (datetime(2099, 12, 31, 23, 59, tzinfo=NEW_YORK), "en", "yesterday at 9:05 pm",
         "2099-12-30T21:05-05:00"),
        (datetime(2099, 12, 31, 23, 59, tzinfo=NEW_YORK), "fr", "il y a trois heures",
         "2099-12-31T20:59-05:00"),
        (datetime(2099, 1, 5, 10, 0, tzinfo=timezone.utc), "it", "il 31 dicembre alle 22",
         "2098-12-31T22:00+00:00"),
        (datetime(2029, 1, 15, 9, 0, tzinfo=timezone.utc), "en", "29 February",
         "2028-02-29"),
        # Around midnight: a time later than now is yesterday's.
        (datetime(2026, 6, 1, 0, 10, tzinfo=OSLO), "ru", "в 23:50", "2026-05-31T23:50+02:00"),
        (datetime(2026, 6, 1, 0, 10, tzinfo=OSLO), "ru", "в 0:05", "2026-06-01T00:05+02:00"),
        (datetime(2026, 6, 1, 0, 10, tzinfo=OSLO), "en", "20 minutes ago",
         "2026-05-31T23:50+02:00"),
        # DST: "2 hours ago" is two real hours, not two on the wall clock.
        (datetime(2026, 3, 29, 3, 30, tzinfo=OSLO), "nb", "for 2 timer siden",
         "2026-03-29T00:30+01:00"),
        (datetime(2026, 10, 25, 2, 40, tzinfo=OSLO, fold=1), "en", "30 minutes ago",
         "2026-10-25T02:10+01:00"),
        (datetime(2026, 10, 25, 2, 40, tzinfo=OSLO, fold=1), "en", "1 hour ago",
         "2026-10-25T02:40+02:00"),
        (datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK), "en", "this morning at 1:30",
         "2026-03-08T01:30-05:00"),
        (datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK), "en", "this morning at 3:30",
         "2026-03-08T03:30-04:00"),
    ],
)
def test_any_injected_clock(now, lang, answer, expected_iso):
    assert iso(answer, lang, now) == expected_iso


@pytest.mark.parametrize(
    ("now", "answer", "code"),
    [
        # 02:30 did not exist in Oslo on 29 March 2026, and happened twice on 25 October.
        (datetime(2026, 3, 29, 12, 0, tzinfo=OSLO), "i dag kl 02:30", "invalid_time"),
        (datetime(2026, 10, 25, 12, 0, tzinfo=OSLO), "i natt kl 02:30", "ambiguous"),
        (datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK), "today at 2:30am", "invalid_time"),
        (datetime(2026, 11, 1, 12, 0, tzinfo=NEW_YORK), "today at 1:30 am", "ambiguous"),
        # "today at 9" when it is 8:00 now.
        (datetime(2031, 7, 1, 8, 0, tzinfo=OSLO), "i dag kl 9", "in_the_future"),
    ],
)
def test_dst_gaps_and_repeats_are_refused(now, answer, code):
    assert refused(answer, "nb" if " kl " in answer else "en", now) == code


def test_a_naive_clock_is_read_as_utc():
    naive = datetime(2026, 11, 22, 16, 40)
    assert parse_when("2 hours ago", "en", naive) == When(date(2026, 11, 22), time(14, 40))


# -- time zones from the browser --------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "expected_offset_hours"),
    [
        ("Europe/Oslo", 1), ("America/New_York", -5), ("Asia/Kolkata", 5.5), ("UTC", 0),
        # Anything else is UTC, never an error.
        (None, 0), ("", 0), (42, 0), ("Mars/Olympus_Mons", 0), ("../../etc/passwd", 0),
        ("/etc/localtime", 0), ("localtime", 0), ("Europe/Oslo\n", 0), ("a" * 500, 0),
        ("zone.tab", 0), ("Europe/", 0), (["Europe/Oslo"], 0),
    ],
)
def test_time_zone_falls_back_to_utc(name, expected_offset_hours):
    zone = time_zone(name)
    offset = datetime(2026, 11, 22, 12, 0, tzinfo=zone).utcoffset()
    assert offset == timedelta(hours=expected_offset_hours)


# -- saying it back ---------------------------------------------------------------------------

# CLDR (Babel) writes the day and the time; "yesterday" and the Russian "в понедельник"
# are ours. English is CLDR's en_GB: "Monday 16 November at 22:05"; nb writes "kl. 22:05"
# (Språkrådet allows the colon since 2014); fr writes "22:05" (CLDR fr), read back like "22h05".
NNBSP = "\u202f"
SAID_BACK = {
    # Yesterday, a time.
    When(date(2026, 11, 21), time(22, 5)): {
        "en": "yesterday at 22:05", "fr": "hier à 22:05", "it": "ieri alle 22:05",
        "nb": "i går kl. 22:05", "ru": "вчера в 22:05"},
    # Today, a morning time: a leading zero on the 24-hour clock.
    When(date(2026, 11, 22), time(9, 5)): {
        "en": "today at 09:05", "fr": "aujourd'hui à 09:05", "it": "oggi alle 09:05",
        "nb": "i dag kl. 09:05", "ru": "сегодня в 09:05"},
    # The day before yesterday, midnight.
    When(date(2026, 11, 20), time(0, 0)): {
        "en": "the day before yesterday at 00:00", "fr": "avant-hier à 00:00",
        "it": "l'altro ieri alle 00:00", "nb": "i forgårs kl. 00:00",
        "ru": "позавчера в 00:00"},
    # An earlier day this year: weekday, day and month, no year.
    When(date(2026, 11, 16), time(9, 5)): {
        "en": "Monday 16 November at 09:05", "fr": "lundi 16 novembre à 09:05",
        "it": "lunedì 16 novembre alle 09:05", "nb": "mandag 16. november kl. 09:05",
        "ru": "в понедельник, 16 ноября, в 09:05"},
    # A day without a time.
    When(date(2026, 11, 16), None): {
        "en": "Monday 16 November", "fr": "lundi 16 novembre", "it": "lunedì 16 novembre",
        "nb": "mandag 16. november", "ru": "в понедельник, 16 ноября"},
    # Last year: with the year.
    When(date(2025, 12, 30), time(0, 0)): {
        "en": "Tuesday, 30 December 2025 at 00:00",
        "fr": "mardi 30 décembre 2025 à 00:00", "it": "martedì 30 dicembre 2025 alle 00:00",
        "nb": "tirsdag 30. desember 2025 kl. 00:00",
        "ru": f"во вторник, 30 декабря 2025{NNBSP}г., в 00:00"},
    When(date(2025, 12, 30), None): {
        "en": "Tuesday, 30 December 2025", "fr": "mardi 30 décembre 2025",
        "it": "martedì 30 dicembre 2025", "nb": "tirsdag 30. desember 2025",
        "ru": f"во вторник, 30 декабря 2025{NNBSP}г."},
}


@pytest.mark.parametrize(
    ("lang", "when", "text"),
    [(lang, when, texts[lang]) for when, texts in SAID_BACK.items() for lang in LANGUAGES],
)
def test_describe_says_it_back_in_the_users_language(lang, when, text):
    assert describe(when, lang, NOW) == text


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("back", [0, 1, 2, 3, 6, 40, 330])
def test_what_is_said_back_reads_back_to_the_same_moment(lang, back):
    for at in (time(0, 0), time(9, 5), time(12, 30), time(21, 59), None):
        when = When(LATE.date() - timedelta(days=back), at)
        assert parse_when(describe(when, lang, LATE), lang, LATE) == when
