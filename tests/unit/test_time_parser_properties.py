"""Property-based tests of the time parser: what is written is read back as the same moment.

Hypothesis picks the language, the format, the day, the hour and minute, and the clock
(any date from 2026 to 2099, in time zones with and without DST); the expected answer is
computed independently in UTC (``tests.when_phrases.expected``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.escalation.time_parser import MAX_AGE, When, WhenError, describe, parse_when
from tests.when_phrases import FORMATS, LANGUAGES, ago_phrase, clock_phrase, expected

ZONES = [timezone.utc, ZoneInfo("Europe/Oslo"), ZoneInfo("Europe/Moscow"),
         ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"),
         ZoneInfo("Australia/Lord_Howe"),  # DST of 30 minutes
         ZoneInfo("America/St_Johns")]  # UTC-3:30, with DST
PROPERTY = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

clocks = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2099, 12, 31),
                      timezones=st.sampled_from(ZONES), allow_imaginary=False)
# Clocks right around the DST changes of 2026-2031 in Oslo and New York, and midnight.
dst_clocks = st.builds(
    lambda base, minutes, zone: (base + timedelta(minutes=minutes)).replace(tzinfo=zone),
    st.sampled_from([datetime(year, month, day) for year, month, day in [
        (2026, 3, 29), (2026, 10, 25), (2031, 3, 30), (2031, 10, 26), (2026, 3, 8),
        (2026, 11, 1), (2030, 3, 10), (2030, 11, 3)]]),
    st.integers(min_value=-120, max_value=26 * 60),
    st.sampled_from([ZoneInfo("Europe/Oslo"), ZoneInfo("America/New_York")]),
).filter(lambda now: now.astimezone(timezone.utc).astimezone(now.tzinfo).replace(
    tzinfo=None) == now.replace(tzinfo=None))
any_clock = st.one_of(clocks, dst_clocks)


def parsed(text, lang, now):
    try:
        return parse_when(text, lang, now)
    except WhenError as error:
        return error.code


@st.composite
def clock_cases(draw):
    lang = draw(st.sampled_from(LANGUAGES))
    fmt = draw(st.sampled_from(sorted(FORMATS[lang])))
    back = draw(st.integers(min_value=0, max_value=2))
    style = draw(st.sampled_from(["relative", "relative", "iso", "numeric", "named"]))
    hour = draw(st.integers(min_value=0, max_value=23))
    minute = draw(st.integers(min_value=0, max_value=59))
    return lang, fmt, back, style, hour, minute


@PROPERTY
@given(case=clock_cases(), now=any_clock)
def test_a_clock_time_written_any_usual_way_is_read_as_that_moment(case, now):
    lang, fmt, back, style, hour, minute = case
    day = now.date() - timedelta(days=back)
    if style != "relative" and fmt in ("evening at 9", "soir à 9h", "sera alle 9",
                                       "kveld kl 9", "вечером в 9"):
        style = "relative"  # these formats name the day and the part in one phrase
    text = clock_phrase(lang, fmt, back, hour, minute, day, style)
    assume(text is not None)
    assert parsed(text, lang, now) == expected(now, day, hour, minute), text


@PROPERTY
@given(lang=st.sampled_from(LANGUAGES), unit=st.sampled_from(["minute", "hour"]),
       n=st.integers(min_value=1, max_value=59), words=st.booleans(), now=any_clock)
def test_n_minutes_or_hours_ago_in_digits_or_words(lang, unit, n, words, now):
    assume(unit == "minute" or n <= 23)
    text = ago_phrase(lang, n, unit, words)
    delta = timedelta(minutes=n) if unit == "minute" else timedelta(hours=n)
    # Real elapsed time: across a DST change the wall clock moves by more or less.
    moment = (now.astimezone(timezone.utc) - delta).astimezone(now.tzinfo)
    result = parse_when(text, lang, now)
    assert result.iso(now) == moment.isoformat(timespec="minutes"), text


@PROPERTY
@given(lang=st.sampled_from(LANGUAGES), back=st.integers(min_value=0, max_value=364),
       at=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
       now=any_clock)
def test_what_is_said_back_reads_back_to_the_same_moment(lang, back, at, now):
    day = now.date() - timedelta(days=back)
    when = When(day, at)
    text = describe(when, lang, now)
    if at is None:
        assert parse_when(text, lang, now) == when, text
    else:
        assert parsed(text, lang, now) == expected(now, day, at.hour, at.minute), text


VOCABULARY = sorted({
    "yesterday", "today", "at", "around", "ago", "hours", "minutes", "half", "past", "pm",
    "am", "evening", "morning", "night", "last", "noon", "midnight", "two", "twelve",
    "hier", "à", "vers", "il", "y", "a", "heures", "soir", "matin", "demie", "et", "quart",
    "ieri", "alle", "le", "ore", "fa", "sera", "mezz'ora", "e", "mezza", "meno", "un'ora",
    "i", "går", "kl.", "kveld", "for", "timer", "siden", "halv", "over", "på", "ti", "ni",
    "вчера", "в", "около", "часа", "назад", "вечером", "утра", "половине", "десятого",
    "три", "полчаса", "или", "or", "-", ",", ".", ":", "/", "21", "9", "0", "12", "24",
    "25", "59", "60", "99", "2026", "21:40", "9.05", "13pm", "21h05", "11/21", "21.11.",
    "2026-11-21", "November", "ноября", "mandag", "lunedì", "tomorrow", "demain",
})


@settings(max_examples=300, deadline=None, database=None)
@given(lang=st.sampled_from(LANGUAGES), now=any_clock,
       words=st.lists(st.sampled_from(VOCABULARY), max_size=9),
       noise=st.text(max_size=40))
def test_any_text_is_a_past_moment_or_a_refusal_never_a_crash(lang, now, words, noise):
    for text in (" ".join(words), noise, " ".join(words) + noise):
        try:
            when = parse_when(text, lang, now)
        except WhenError:
            continue
        moment = datetime.combine(when.day, when.at or time(0, 0), tzinfo=now.tzinfo)
        assert moment.astimezone(timezone.utc) <= now.astimezone(timezone.utc) + timedelta(
            minutes=5), text
        assert now.date() - when.day <= MAX_AGE + timedelta(days=1), text
