"""When did it happen? Parses how users date a problem, in five languages.

Understands, in ru, nb, fr, it and en:
- relative days: today, yesterday, the day before yesterday, a weekday ("on Monday");
- parts of the day: this morning, last night, in the afternoon;
- clock times: "3pm", "15:00", "15h30", "kl. 15", "alle 15", "в 3 часа дня", with
  "around" in any form;
- "N hours/minutes ago", "just now";
- dates: 2026-11-21, 21.11.2026, 21/11, "21 November", "21 ноября", "21. november".

A time without a day means today (yesterday if that would be in the future). A result
in the future or more than a year back is refused, as is anything unrecognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Optional, Tuple

from kb_index.normalize import fold_accents

MAX_AGE = timedelta(days=366)


@dataclass(frozen=True)
class When:
    """A parsed moment: a day, and a time of day when the user gave one."""

    day: date
    at: Optional[time]

    def iso(self, now: datetime) -> str:
        """ISO 8601, with ``now``'s UTC offset when a time is known."""
        if self.at is None:
            return self.day.isoformat()
        moment = datetime.combine(self.day, self.at, tzinfo=now.tzinfo)
        return moment.isoformat(timespec="minutes")


class WhenError(ValueError):
    """The text could not be understood as a past moment; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _fold(text: str) -> str:
    # The KB's accent folding; phrases below are folded the same way before matching.
    return fold_accents(text.lower()).replace("’", "'")


# Words are matched on accent-folded lower case text. Order matters: longer first.
DAY_OFFSETS: Dict[str, List[Tuple[str, int]]] = {
    "en": [("day before yesterday", 2), ("yesterday", 1), ("last night", 1), ("today", 0),
           ("this morning", 0), ("tonight", 0), ("this afternoon", 0),
           ("this evening", 0)],
    "ru": [("позавчера", 2), ("вчера", 1), ("сегодня", 0)],
    "nb": [("i forgars", 2), ("forgars", 2), ("i gar", 1), ("igar", 1), ("i natt", 0),
           ("i dag", 0), ("idag", 0), ("i morges", 0), ("i kveld", 0),
           ("i ettermiddag", 0)],
    "fr": [("avant-hier", 2), ("avant hier", 2), ("hier", 1), ("aujourd'hui", 0),
           ("aujourd hui", 0), ("ce matin", 0), ("cet apres-midi", 0),
           ("cet apres midi", 0), ("ce soir", 0)],
    "it": [("l'altro ieri", 2), ("l altro ieri", 2), ("altroieri", 2), ("ieri", 1),
           ("oggi", 0), ("stamattina", 0), ("stamani", 0), ("stasera", 0),
           ("stanotte", 0), ("questo pomeriggio", 0)],
}

WEEKDAYS: Dict[str, List[Tuple[str, int]]] = {
    "en": [("monday", 0), ("tuesday", 1), ("wednesday", 2), ("thursday", 3),
           ("friday", 4), ("saturday", 5), ("sunday", 6)],
    "ru": [("понедельник", 0), ("вторник", 1), ("среду", 2), ("среда", 2), ("четверг", 3),
           ("пятницу", 4), ("пятница", 4), ("субботу", 5), ("суббота", 5),
           ("воскресенье", 6)],
    "nb": [("mandag", 0), ("tirsdag", 1), ("onsdag", 2), ("torsdag", 3), ("fredag", 4),
           ("lordag", 5), ("lørdag", 5), ("sondag", 6), ("søndag", 6)],
    "fr": [("lundi", 0), ("mardi", 1), ("mercredi", 2), ("jeudi", 3), ("vendredi", 4),
           ("samedi", 5), ("dimanche", 6)],
    "it": [("lunedi", 0), ("martedi", 1), ("mercoledi", 2), ("giovedi", 3),
           ("venerdi", 4), ("sabato", 5), ("domenica", 6)],
}

MONTHS: Dict[str, List[Tuple[str, int]]] = {
    "en": [(m, i) for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1)],
    "ru": [(m, i) for i, m in enumerate(
        ["январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
         "октябр", "ноябр", "декабр"], start=1)],
    "nb": [(m, i) for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des"],
        start=1)],
    "fr": [(m, i) for i, m in enumerate(
        ["janv", "fevr", "mars", "avr", "mai", "juin", "juil", "aout", "sept", "oct", "nov",
         "dec"], start=1)],
    "it": [(m, i) for i, m in enumerate(
        ["genn", "febbr", "marz", "april", "magg", "giugn", "lugl", "agost", "sett", "ott",
         "nov", "dic"], start=1)],
}

# Parts of the day: (words, hour used when no clock time is given, afternoon?)
DAY_PARTS: Dict[str, List[Tuple[str, int, bool]]] = {
    "en": [("morning", 9, False), ("afternoon", 15, True), ("evening", 19, True),
           ("tonight", 20, True), ("last night", 22, True), ("noon", 12, True),
           ("midday", 12, True)],
    "ru": [("утром", 9, False), ("утра", 9, False), ("днем", 14, True), ("дня", 14, True),
           ("вечером", 19, True), ("вечера", 19, True), ("ночью", 23, True),
           ("в обед", 13, True), ("в полдень", 12, True)],
    "nb": [("i morges", 9, False), ("morgenen", 9, False), ("formiddag", 10, False),
           ("formiddagen", 10, False), ("ettermiddag", 15, True),
           ("ettermiddagen", 15, True), ("kveld", 19, True), ("kvelden", 19, True),
           ("i natt", 23, True), ("lunsj", 12, True)],
    "fr": [("matin", 9, False), ("apres-midi", 15, True), ("apres midi", 15, True),
           ("du soir", 19, True), ("soir", 19, True), ("midi", 12, True)],
    "it": [("mattina", 9, False), ("stamattina", 9, False), ("stamani", 9, False),
           ("pomeriggio", 15, True), ("sera", 19, True), ("stasera", 19, True),
           ("notte", 23, True), ("mezzogiorno", 12, True)],
}

# Words that put the moment in the future: refused, whatever clock time comes with them.
FUTURE_WORDS: Dict[str, List[str]] = {
    "en": ["tomorrow", "next week"],
    "ru": ["завтра", "послезавтра", "на следующей неделе"],
    "nb": ["i morgen", "imorgen", "i overmorgen", "neste uke"],
    "fr": ["demain", "apres-demain", "la semaine prochaine"],
    "it": ["domani", "dopodomani", "la settimana prossima"],
}

AGO_PATTERNS: Dict[str, List[str]] = {
    # (?P<n>...) is a number or the "one" word; (?P<unit>...) is hours or minutes.
    "en": [r"(?P<n>\d+|an?|one) (?P<unit>hours?|hrs?|minutes?|mins?) ago"],
    "ru": [r"(?P<n>\d+|час|минуту|одну минуту|один час)? ?(?P<unit>часа|часов|час|минуту|"
           r"минуты|минут|мин) назад"],
    "nb": [r"for (?P<n>\d+|en|ett|ei) (?P<unit>timer?|minutt(?:er)?|min) siden"],
    "fr": [r"il y a (?P<n>\d+|une|un) (?P<unit>heures?|h|minutes?|min)"],
    "it": [r"(?P<n>\d+|un'|una|un) ?(?P<unit>ore|ora|minuti|minuto|min) fa"],
}
ONE_WORDS = {"a", "an", "one", "час", "минуту", "одну минуту", "один час", "en", "ett", "ei",
             "une", "un", "un'", "una"}
JUST_NOW = {"en": ["just now", "a moment ago"], "ru": ["только что"],
            "nb": ["nettopp", "akkurat na"], "fr": ["a l'instant", "tout a l'heure"],
            "it": ["poco fa", "proprio ora", "adesso"]}
PM_WORDS = {"en": ["pm", "p.m."], "ru": [], "nb": [], "fr": [], "it": []}
AM_WORDS = {"en": ["am", "a.m."], "ru": [], "nb": [], "fr": [], "it": []}

CLOCK = re.compile(
    r"(?<![\d.:/])(?P<h>[01]?\d|2[0-3])(?:(?::|\.|h ?|t)(?P<m>[0-5]\d))?"
    r"\s*(?P<suffix>h\b|a\.m\.|p\.m\.|am\b|pm\b|час(?:а|ов)?\b|uhr\b)?"
)
CLOCK_CUES = re.compile(
    r"\b(?:at|around|about|kl\.?|klokka|klokken|rundt|ca\.?|vers|a|à|alle|verso le|verso"
    r"|intorno alle|in|около|примерно|где-то)\s*$"
)
ISO_DATE = re.compile(r"\b(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})\b")
# 21/11, 21/11/2026, 21.11.2026 and "21.11." are dates; "15.30" is a clock time.
NUMERIC_DATE = re.compile(
    r"(?<![\d.:/])(?P<d>\d{1,2})(?:/(?P<mo>\d{1,2})(?:/(?P<y>\d{2,4}))?"
    r"|\.(?P<mo2>\d{1,2})(?:\.(?P<y2>\d{2,4})|\.(?!\d)))(?![\d:])")
NAMED_DATE = re.compile(r"\b(?P<d>\d{1,2})\.?\s*(?:de\s+)?(?P<month>[^\W\d_]{3,})")


def parse_when(text: str, lang: str, now: datetime) -> When:
    """Parses a user's answer to "when did it happen?".

    Args:
        text: the answer.
        lang: the conversation language (ru, nb, fr, it, en); English words are always
            understood too.
        now: the current time in the user's time zone (timezone-aware).

    Returns:
        The moment, never in the future.

    Raises:
        WhenError: ``not_understood``, ``in_the_future`` or ``too_long_ago``.
    """
    folded = " " + re.sub(r"\s+", " ", _fold(text)).strip() + " "
    languages = [lang, "en"] if lang != "en" else ["en"]
    today = now.date()

    if any(_contains(folded, word) for lang_ in languages for word in FUTURE_WORDS[lang_]):
        raise WhenError("in_the_future")
    ago = _ago(folded, languages, now)
    if ago is not None:
        return _checked(When(ago.date(), ago.time().replace(second=0, microsecond=0)), now)

    day, day_consumed = _day(folded, languages, today)
    remainder = folded
    for consumed in day_consumed:
        remainder = remainder.replace(consumed, " ")
    clock = _clock(remainder, languages)
    if day is None and clock is None:
        raise WhenError("not_understood")
    if day is None:
        day = today
        if clock is not None and datetime.combine(day, clock, tzinfo=now.tzinfo) > now:
            day = today - timedelta(days=1)
    return _checked(When(day, clock), now)


def _checked(when: When, now: datetime) -> When:
    moment = datetime.combine(when.day, when.at or time(0, 0), tzinfo=now.tzinfo)
    if moment > now + timedelta(minutes=5):
        raise WhenError("in_the_future")
    if now - moment > MAX_AGE:
        raise WhenError("too_long_ago")
    return when


def _contains(folded: str, phrase: str) -> bool:
    return re.search(rf"(?<![^\W_]){re.escape(_fold(phrase))}(?![^\W_])", folded) is not None


def _ago(folded: str, languages: List[str], now: datetime) -> Optional[datetime]:
    for lang in languages:
        if any(_contains(folded, phrase) for phrase in JUST_NOW[lang]):
            return now
        for pattern in AGO_PATTERNS[lang]:
            match = re.search(pattern, folded)
            if not match:
                continue
            raw = (match.group("n") or "1").strip()
            amount = int(raw) if raw.isdigit() else 1 if raw in ONE_WORDS else None
            if amount is None:
                continue
            unit = match.group("unit")
            minutes = unit.startswith(("min", "мин"))
            return now - (timedelta(minutes=amount) if minutes else timedelta(hours=amount))
    return None


def _day(folded: str, languages: List[str], today: date) -> Tuple[Optional[date], List[str]]:
    """The day named in the text, and the text it used up."""
    match = ISO_DATE.search(folded)
    if match:
        return _date(int(match["y"]), int(match["mo"]), int(match["d"])), [match.group(0)]
    match = NUMERIC_DATE.search(folded)
    if match:
        raw_year = match["y"] or match["y2"]
        year = int(raw_year) if raw_year else today.year
        year = year + 2000 if year < 100 else year
        first, second = int(match["d"]), int(match["mo"] or match["mo2"])
        # Day first, as in all five locales; 11/21 (US order) when that is the only date.
        day = _date(year, second, first) or _date(year, first, second)
        if day and not raw_year and day > today:
            day = _date(year - 1, day.month, day.day)
        if day:
            return day, [match.group(0)]
    for lang in languages:
        for named in NAMED_DATE.finditer(folded):
            month = next((number for stem, number in MONTHS[lang]
                          if named["month"].startswith(_fold(stem))), None)
            if month is None:
                continue
            day = _date(today.year, month, int(named["d"]))
            if day and day > today:
                day = _date(today.year - 1, month, int(named["d"]))
            if day:
                return day, [named.group(0)]
    for lang in languages:
        for phrase, offset in DAY_OFFSETS[lang]:
            if _contains(folded, phrase):
                return today - timedelta(days=offset), [_fold(phrase)]
        for phrase, weekday in WEEKDAYS[lang]:
            if _contains(folded, phrase):
                back = (today.weekday() - weekday) % 7 or 7
                return today - timedelta(days=back), [_fold(phrase)]
    return None, []


def _date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _clock(folded: str, languages: List[str]) -> Optional[time]:
    """The clock time in the text, with am/pm and day-part words applied."""
    afternoon = morning = False
    default_hour = None
    for lang in languages:
        for phrase, hour, is_afternoon in DAY_PARTS[lang]:
            if _contains(folded, phrase):
                afternoon = afternoon or is_afternoon
                morning = morning or not is_afternoon
                default_hour = default_hour if default_hour is not None else hour
    for match in CLOCK.finditer(folded):
        hour, minute = int(match["h"]), int(match["m"] or 0)
        suffix = (match["suffix"] or "").strip()
        before = folded[:match.start()]
        has_minutes = match["m"] is not None
        if not (suffix or has_minutes or CLOCK_CUES.search(before)):
            continue  # a bare number that is not a time ("2 users")
        if suffix in ("pm", "p.m.") and hour < 12:
            hour += 12
        elif suffix in ("am", "a.m.") and hour == 12:
            hour = 0
        elif afternoon and not morning and hour < 12 and suffix not in ("am", "a.m."):
            hour += 12
        return time(hour, minute)
    if default_hour is not None:
        return time(default_hour, 0)
    return None
