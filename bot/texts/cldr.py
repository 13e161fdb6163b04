"""Lists, language names, dates and times in the five languages, from CLDR through Babel.

Everything here is display: how the assistant writes a list, a language's name, a day
or a time for a reader. Reading what users type is elsewhere and stays ours (the time
parser's vocabulary, ``bot/nlu/components/language_names.yml``).

The Babel locale of each conversation language is the language code itself (``ru``,
``nb``, ``fr``, ``it``, ``en``); so English follows CLDR's ``en``: "A, B, and C",
"Monday, November 16", "10:05 PM". An unknown code gets English.

What Babel 2.18 does not ship stays in small tables of our own: the word between a day
and its time (``AT_TIME``: CLDR has "atTime" patterns, Babel imports only "{1}, {0}"),
and the relative day names ("yesterday", with the time parser's read-back). Two Babel
gaps are filled here: field widths of a matched skeleton (``_widened``) and negative
half-hour UTC offsets (``format_zone``).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import cache
from typing import Dict, Iterable, Union

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list

from bot import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES

# Conversation language -> Babel locale id. English is en_GB: a 24-hour clock, day before
# month and no serial comma, as the assistant wrote English before CLDR; the help center
# serves Europe (the seeds are Russian, Norwegian, French and Italian).
BABEL_LOCALES: Dict[str, str] = {**{lang: lang for lang in SUPPORTED_LANGUAGES}, "en": "en_GB"}

# The name shown for a language code, when it differs from the code: an agent answers
# "in Norwegian" ("på norsk", "en norvégien"), CLDR's name of ``no``; CLDR's name of
# ``nb`` is the written standard, "Norwegian Bokmål".
SPOKEN_NAME_CODES = {"nb": "no"}

# A day, then a time of that day: what CLDR's atTime date-time patterns do, which
# Babel 2.18 does not ship (its patterns are "{1}, {0}"). The words are the ones the
# read-back used before Babel, and the time parser reads each of them.
AT_TIME: Dict[str, str] = {"en": "{day} at {time}", "fr": "{day} à {time}",
                           "it": "{day} alle {time}", "nb": "{day} kl. {time}",
                           "ru": "{day} в {time}"}

# Pattern letters whose width a skeleton asks for, outside 'quoted literals'.
_FIELD = re.compile(r"'[^']*'|E+|c+|M+|L+")


@cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale of a conversation language (English for an unknown one)."""
    return Locale.parse(BABEL_LOCALES.get(lang, BABEL_LOCALES[DEFAULT_LANGUAGE]))


def _lang(lang: str) -> str:
    return lang if lang in BABEL_LOCALES else DEFAULT_LANGUAGE


def join_and(items: Iterable[str], lang: str) -> str:
    """A list in prose: "A, B, and C", "A, B et C", "A, B и C" (CLDR standard list)."""
    listed = list(items)
    return format_list(listed, style="standard", locale=babel_locale(lang)) if listed else ""


def language_name(code: str, lang: str) -> str:
    """A language's name as written mid-sentence in ``lang``: "French", "français", "французский".

    CLDR writes language names in lower case in ru, nb, fr and it, as they are written
    inside a sentence or after a label; English capitalises them.
    """
    languages = babel_locale(lang).languages
    return languages.get(SPOKEN_NAME_CODES.get(code, code)) or languages.get(code) or code


def language_names(lang: str) -> Dict[str, str]:
    """Every supported language's name in ``lang``, by code."""
    return {code: language_name(code, lang) for code in SUPPORTED_LANGUAGES}


def language_self_name(code: str) -> str:
    """A language's name in itself, for a language menu: "Русский", "Norsk bokmål".

    CLDR's names are lower case inside sentences; its context transforms capitalise the
    first word in lists and menus (uiListOrMenu) for ru, nb, fr and it, which Babel does
    not ship, so the first letter is upper-cased here.
    """
    locale = babel_locale(code)
    # The language's own name ("English"), not the locale's ("English (United Kingdom)").
    name = locale.languages.get(locale.language) or code
    return name[:1].upper() + name[1:]


def _widened(pattern: str, letters: str, width: int) -> str:
    """A pattern with its fields of ``letters`` written ``width`` long ("MMM" -> "MMMM").

    Babel picks the nearest available skeleton ("MMMEd") without adjusting field widths
    as CLDR's skeleton matching does; this is that adjustment.
    """
    return _FIELD.sub(lambda m: m.group(0) if m.group(0)[0] not in letters
                      else m.group(0)[0] * width, pattern)


def format_day(day: Union[date, datetime], lang: str, weekday: bool = True,
               year: bool = False) -> str:
    """A day in words, as CLDR writes it.

    Args:
        day: the day (a datetime's own date is used as it is, in its own zone).
        lang: the conversation language.
        weekday: with the weekday ("Monday, November 16", "lundi 16 novembre").
        year: with the year ("Tuesday, December 30, 2025", "30 декабря 2025 г.").
    """
    locale = babel_locale(lang)
    if isinstance(day, datetime):
        day = day.date()
    if year:
        pattern = str(locale.date_formats["full" if weekday else "long"])
    else:
        skeleton = "MMMEd" if weekday else "MMMMd"
        pattern = _widened(str(locale.datetime_skeletons[skeleton]), "MLEc", 4)
    return format_date(day, pattern, locale=locale)


def format_clock(at: Union[time, datetime], lang: str) -> str:
    """A time of day in the locale's short format: "22:05", or "10:05 PM" in English.

    A timezone-aware datetime is shown in its own time zone.
    """
    return format_time(at, "short", locale=babel_locale(lang))


def at_time(day: str, clock: str, lang: str) -> str:
    """A day and a time of it: "yesterday at 22:05", "hier à 22:05", "i går kl. 22:05"."""
    return AT_TIME[_lang(lang)].format(day=day, time=clock)


def format_zone(moment: datetime, lang: str) -> str:
    """The UTC offset of an aware datetime in CLDR's localized GMT format.

    "GMT+01:00", "GMT-03:30" ("UTC+01:00" in French); at offset zero CLDR's zero format,
    "GMT" ("UTC" in French). The offset is written here rather than by Babel 2.18's
    ``get_timezone_gmt``, which gives "GMT-04:30" for -03:30 (Newfoundland): it floors
    negative hours (python-babel/babel#1291).
    """
    offset = moment.utcoffset()
    gmt = str(babel_locale(lang).zone_formats["gmt"])
    if offset is None or not offset:
        return gmt % ""
    minutes = round(offset.total_seconds() / 60)
    hours, minutes = divmod(abs(minutes), 60)
    return gmt % f"{'-' if offset.total_seconds() < 0 else '+'}{hours:02d}:{minutes:02d}"


def format_due(moment: datetime, lang: str) -> str:
    """A due time as the user reads it: day, time of day and UTC offset.

    For example "November 22 at 2:00 PM GMT+01:00", "22 novembre à 14:00 UTC+01:00",
    "22. november kl. 14:00 GMT+01:00", "22 ноября в 14:00 GMT+01:00". The moment is
    shown in its own time zone (the user's); due times are hours away, so no year.
    """
    day = format_day(moment, lang, weekday=False)
    return f"{at_time(day, format_clock(moment, lang), lang)} {format_zone(moment, lang)}"
