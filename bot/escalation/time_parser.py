"""When did it happen? Parses how users date a problem, in five languages.

Understands, in ru, nb, fr, it and en (English is understood in every conversation):
- relative days: today, yesterday, the day before yesterday, a weekday ("on Monday");
- parts of the day: this morning, last night, "yesterday evening", "i går kveld";
- clock times, every hour 0-23 and every minute: "21:05", "9:05 pm", "9pm", "21h05",
  "21 h", "à 21h", "alle 21", "kl. 21.05", "kl 21", "в 21:05", "в 9 вечера", "noon",
  "half past nine", "halv ti", "в половине десятого", with "around" in any form;
- numbers written as words, one to fifty-nine ("two hours ago", "в девять вечера",
  "около трёх часов дня"), "half" ("half an hour ago", "полчаса назад", "une demi-heure",
  "mezz'ora", "en halvtime") and quarters;
- "N minutes/hours/days ago", "just now";
- dates: 2026-11-21, 21.11.2026, 21/11, "21 November", "21 ноября", "21. november".

Without am/pm a clock time is read on the 24-hour clock ("at 9" is 09:00), unless a
part of the day says which half ("yesterday evening at 9" is 21:00). A time without
a day means today, or yesterday when today's would be in the future.

A refusal is better than a wrong time: anything invalid ("25:00", "13pm"),
contradictory ("yesterday morning at 23"), ambiguous (two different times, a clock
time that happened twice when the clocks went back), in the future or more than a year
back is refused with a ``WhenError``, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Callable, Dict, FrozenSet, List, Match, NamedTuple, Optional, Pattern, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.texts.cldr import at_time, format_clock, format_day
from kb_index.normalize import fold_accents

LANGUAGES = ("ru", "nb", "fr", "it", "en")
MAX_AGE = timedelta(days=366)
# Clocks differ a little between the user's device and the server.
FUTURE_TOLERANCE = timedelta(minutes=5)

# WhenError codes; the report form has a message for each (report_time_<code>).
NOT_UNDERSTOOD = "not_understood"
IN_THE_FUTURE = "in_the_future"
TOO_LONG_AGO = "too_long_ago"
INVALID_TIME = "invalid_time"
CONTRADICTORY = "contradictory"
AMBIGUOUS = "ambiguous"
ERROR_CODES = (NOT_UNDERSTOOD, IN_THE_FUTURE, TOO_LONG_AGO, INVALID_TIME, CONTRADICTORY,
               AMBIGUOUS)


@dataclass(frozen=True)
class When:
    """A parsed moment: a day, and a time of day when the user gave one.

    ``at`` is local wall-clock time in the user's time zone; its ``fold`` tells the two
    readings of a time repeated when the clocks went back apart.
    """

    day: date
    at: Optional[time]

    def iso(self, now: datetime) -> str:
        """ISO 8601 in ``now``'s time zone: "2026-11-21T22:05+01:00", or "2026-11-21"."""
        if self.at is None:
            return self.day.isoformat()
        moment = datetime.combine(self.day, self.at, tzinfo=now.tzinfo)
        return moment.isoformat(timespec="minutes")

    @classmethod
    def from_iso(cls, text: str, zone: Optional[tzinfo] = None) -> When:
        """The inverse of ``iso``: "2026-11-21T22:05+01:00" or "2026-11-21".

        Args:
            text: what ``iso`` returned.
            zone: the user's time zone; the moment is read in it (and a time repeated
                when the clocks went back gets its ``fold``). Default: the text's offset.

        Raises:
            ValueError: when ``text`` is neither form.
        """
        if "T" not in text:
            return cls(date.fromisoformat(text), None)
        moment = datetime.fromisoformat(text)
        if zone is not None and moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return cls(moment.date(), moment.time().replace(second=0, microsecond=0))


class WhenError(ValueError):
    """The text could not be understood as a past moment; ``code`` says why.

    Codes: ``not_understood``, ``in_the_future``, ``too_long_ago``, ``invalid_time``
    ("25:00", "13pm", a time skipped when the clocks went forward), ``contradictory``
    ("yesterday morning at 23") and ``ambiguous`` (two times, or a time that happened
    twice).
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# -- time zones ------------------------------------------------------------------------

_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,3}")
# Files in the zoneinfo folder that are not zones, or depend on the server.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


def time_zone(name: object) -> tzinfo:
    """The time zone a browser reported (an IANA name such as "Europe/Oslo").

    Args:
        name: anything a client sent; only a string naming a real zone counts.

    Returns:
        The zone, or UTC when ``name`` is missing, not a string, malformed or unknown.
        Never raises.
    """
    if not isinstance(name, str) or len(name) > 64 or not _ZONE_NAME.fullmatch(name) \
            or name in _NOT_ZONES:
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return timezone.utc


# -- text folding and word tables ---------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case, no accents (the KB's folding), one space, a space after apostrophes.

    Tables below are folded the same way, so "un'ora" meets "un' ora" and "трёх" "трех".
    """
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    folded = fold_accents(visible.lower())
    folded = re.sub(r"['’‘`´ʼ]\s*", "' ", folded)
    folded = re.sub(r"[‐‑‒–—−]", "-", folded)
    return re.sub(r"\s+", " ", folded).strip()


def _alternation(phrases: List[str]) -> str:
    """A regex alternation of folded phrases, longest first, with word boundaries."""
    folded = sorted({_fold(p) for p in phrases}, key=len, reverse=True)
    return r"(?<![^\W_])(?:" + "|".join(re.escape(p) for p in folded) + r")(?![^\W_])"


def _contains(folded: str, phrase: str) -> bool:
    return re.search(_alternation([phrase]), folded) is not None


def _compounds(units: Dict[int, List[str]], tens: Dict[int, List[str]],
               join: Callable[[str, str, int], List[str]]) -> Dict[str, int]:
    words: Dict[str, int] = {}
    for ten, ten_words in tens.items():
        for unit, unit_words in units.items():
            if unit < 10:
                for ten_word in ten_words:
                    for unit_word in unit_words:
                        for word in join(ten_word, unit_word, unit):
                            words.setdefault(_fold(word), ten + unit)
    return words


def _table(*groups: Dict[int, List[str]]) -> Dict[str, int]:
    return {_fold(word): value for group in groups for value, words in group.items()
            for word in words}


def _it_join(ten: str, unit: str, value: int) -> List[str]:
    # "ventuno", "ventotto": the ten loses its vowel before a vowel; "ventitré".
    return [ten[:-1] + unit] if value in (1, 8) else [ten + unit]


_EN_UNITS = {1: ["one"], 2: ["two"], 3: ["three"], 4: ["four"], 5: ["five"], 6: ["six"],
             7: ["seven"], 8: ["eight"], 9: ["nine"], 10: ["ten"], 11: ["eleven"],
             12: ["twelve"], 13: ["thirteen"], 14: ["fourteen"], 15: ["fifteen"],
             16: ["sixteen"], 17: ["seventeen"], 18: ["eighteen"], 19: ["nineteen"]}
_EN_TENS = {20: ["twenty"], 30: ["thirty"], 40: ["forty"], 50: ["fifty"]}
_FR_UNITS = {1: ["un", "une"], 2: ["deux"], 3: ["trois"], 4: ["quatre"], 5: ["cinq"],
             6: ["six"], 7: ["sept"], 8: ["huit"], 9: ["neuf"], 10: ["dix"], 11: ["onze"],
             12: ["douze"], 13: ["treize"], 14: ["quatorze"], 15: ["quinze"], 16: ["seize"],
             17: ["dix-sept", "dix sept"], 18: ["dix-huit", "dix huit"],
             19: ["dix-neuf", "dix neuf"]}
_FR_TENS = {20: ["vingt"], 30: ["trente"], 40: ["quarante"], 50: ["cinquante"]}
_IT_UNITS = {1: ["uno", "una", "un", "un'"], 2: ["due"], 3: ["tre"], 4: ["quattro"],
             5: ["cinque"], 6: ["sei"], 7: ["sette"], 8: ["otto"], 9: ["nove"],
             10: ["dieci"], 11: ["undici"], 12: ["dodici"], 13: ["tredici"],
             14: ["quattordici"], 15: ["quindici"], 16: ["sedici"], 17: ["diciassette"],
             18: ["diciotto"], 19: ["diciannove"]}
_IT_TENS = {20: ["venti"], 30: ["trenta"], 40: ["quaranta"], 50: ["cinquanta"]}
_NB_UNITS = {1: ["en", "ett", "ei", "et"], 2: ["to"], 3: ["tre"], 4: ["fire"], 5: ["fem"],
             6: ["seks"], 7: ["sju", "syv"], 8: ["åtte"], 9: ["ni"], 10: ["ti"],
             11: ["elleve"], 12: ["tolv"], 13: ["tretten"], 14: ["fjorten"],
             15: ["femten"], 16: ["seksten"], 17: ["sytten"], 18: ["atten"],
             19: ["nitten"]}
_NB_TENS = {20: ["tjue", "tyve"], 30: ["tretti", "tredve"], 40: ["førti", "forti"],
            50: ["femti"]}
# Russian numerals in every case a time phrase uses ("трёх часов", "двумя минутами").
_RU_UNITS = {1: ["один", "одна", "одну", "одного", "одной", "одному", "одним", "одном"],
             2: ["два", "две", "двух", "двум", "двумя"], 3: ["три", "трёх", "трём", "тремя"],
             4: ["четыре", "четырёх", "четырём", "четырьмя"], 5: ["пять", "пяти", "пятью"],
             6: ["шесть", "шести", "шестью"], 7: ["семь", "семи", "семью"],
             8: ["восемь", "восьми", "восемью"], 9: ["девять", "девяти", "девятью"],
             10: ["десять", "десяти", "десятью"], 11: ["одиннадцать", "одиннадцати"],
             12: ["двенадцать", "двенадцати"], 13: ["тринадцать", "тринадцати"],
             14: ["четырнадцать", "четырнадцати"], 15: ["пятнадцать", "пятнадцати"],
             16: ["шестнадцать", "шестнадцати"], 17: ["семнадцать", "семнадцати"],
             18: ["восемнадцать", "восемнадцати"], 19: ["девятнадцать", "девятнадцати"]}
_RU_TENS = {20: ["двадцать", "двадцати"], 30: ["тридцать", "тридцати"],
            40: ["сорок", "сорока"], 50: ["пятьдесят", "пятидесяти"]}

@cache
def number_words(lang: str) -> Dict[str, int]:
    """Folded number words of a language, one to fifty-nine, to their value.

    Built on first use; Russian has every case form ("три", "трёх", "тремя").
    """
    tables: Dict[str, Callable[[], Dict[str, int]]] = {
        "en": lambda: {**_table(_EN_UNITS, _EN_TENS, {1: ["a", "an"]}), **_compounds(
            _EN_UNITS, _EN_TENS, lambda t, u, _: [f"{t}-{u}", f"{t} {u}"])},
        "fr": lambda: {**_table(_FR_UNITS, _FR_TENS), **_compounds(
            _FR_UNITS, _FR_TENS, lambda t, u, v: (
                [f"{t} et {u}", f"{t}-et-{u}"] if v == 1 else [f"{t}-{u}", f"{t} {u}"]))},
        "it": lambda: {**_table(_IT_UNITS, _IT_TENS),
                       **_compounds(_IT_UNITS, _IT_TENS, _it_join)},
        "nb": lambda: {**_table(_NB_UNITS, _NB_TENS), **_compounds(
            _NB_UNITS, _NB_TENS, lambda t, u, _: [f"{t}{u}", f"{t} {u}", f"{u}og{t}"])},
        "ru": lambda: {**_table(_RU_UNITS, _RU_TENS),
                       **_compounds(_RU_UNITS, _RU_TENS, lambda t, u, _: [f"{t} {u}"])},
    }
    return tables[lang]()


# Words that are also articles: a number only right before a unit ("une heure").
ARTICLES: Dict[str, FrozenSet[str]] = {
    "en": frozenset({"a", "an"}), "fr": frozenset({"un", "une"}),
    "it": frozenset({"un", "una", "uno", "un'"}), "nb": frozenset({"en", "ei", "et"}),
    "ru": frozenset(),
}
# Russian "half past": "в половине десятого" is 9:30 (half of the tenth hour).
RU_ORDINALS = _table({1: ["первого"], 2: ["второго"], 3: ["третьего"], 4: ["четвёртого"],
                      5: ["пятого"], 6: ["шестого"], 7: ["седьмого"], 8: ["восьмого"],
                      9: ["девятого"], 10: ["десятого"], 11: ["одиннадцатого"],
                      12: ["двенадцатого"]})

DAY_OFFSETS: Dict[str, List[Tuple[str, int]]] = {
    "en": [("the day before yesterday", 2), ("day before yesterday", 2), ("yesterday", 1),
           ("today", 0)],
    "ru": [("позавчера", 2), ("вчера", 1), ("сегодня", 0)],
    "nb": [("i forgårs", 2), ("forgårs", 2), ("i går", 1), ("igår", 1), ("i dag", 0),
           ("idag", 0)],
    "fr": [("avant-hier", 2), ("avant hier", 2), ("hier", 1), ("aujourd'hui", 0),
           ("aujourd hui", 0)],
    "it": [("l'altro ieri", 2), ("altro ieri", 2), ("altroieri", 2), ("ieri l'altro", 2),
           ("ieri", 1), ("oggi", 0)],
}

WEEKDAYS: Dict[str, List[Tuple[str, int]]] = {
    "en": [("monday", 0), ("tuesday", 1), ("wednesday", 2), ("thursday", 3),
           ("friday", 4), ("saturday", 5), ("sunday", 6)],
    "ru": [("понедельник", 0), ("вторник", 1), ("среду", 2), ("среда", 2), ("четверг", 3),
           ("пятницу", 4), ("пятница", 4), ("субботу", 5), ("суббота", 5),
           ("воскресенье", 6)],
    "nb": [(f"{day}{s}", n) for n, day in enumerate(
        ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"])
        for s in ("", "s", "en")] + [("lordag", 5), ("sondag", 6)],
    "fr": [("lundi", 0), ("mardi", 1), ("mercredi", 2), ("jeudi", 3), ("vendredi", 4),
           ("samedi", 5), ("dimanche", 6)],
    "it": [("lunedi", 0), ("martedi", 1), ("mercoledi", 2), ("giovedi", 3),
           ("venerdi", 4), ("sabato", 5), ("domenica", 6)],
}

# Full month names: a month word is a prefix of one ("nov", "sept.", "novembre").
MONTHS: Dict[str, List[str]] = {
    "en": ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"],
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"],
    "fr": ["janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout",
           "septembre", "octobre", "novembre", "decembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
}
# Russian months are a stem and a case ending: "ноября", "мае", "март".
RU_MONTH = re.compile(r"(январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр"
                      r"|декабр)(?:ь|я|е|а|и|)")

# Parts of the day: (phrase, part, what it says about the day).
# "today": this morning/evening; "last_night": the night that just ended.
PARTS: Dict[str, List[Tuple[str, str, Optional[str]]]] = {
    "en": [("this morning", "morning", "today"), ("this afternoon", "afternoon", "today"),
           ("this evening", "evening", "today"), ("tonight", "evening", "today"),
           ("last night", "night", "last_night"), ("overnight", "night", "last_night"),
           ("in the morning", "morning", None), ("morning", "morning", None),
           ("in the afternoon", "afternoon", None), ("afternoon", "afternoon", None),
           ("in the evening", "evening", None), ("evening", "evening", None),
           ("at night", "night", None), ("night", "night", None),
           ("at lunchtime", "lunch", None), ("lunchtime", "lunch", None),
           ("at lunch", "lunch", None), ("at noon", "noon", None), ("noon", "noon", None),
           ("midday", "noon", None), ("at midnight", "midnight", None),
           ("midnight", "midnight", None)],
    "fr": [("ce matin", "morning", "today"), ("cet apres-midi", "afternoon", "today"),
           ("cet apres midi", "afternoon", "today"), ("ce soir", "evening", "today"),
           ("cette nuit", "night", "last_night"), ("du matin", "morning", None),
           ("le matin", "morning", None), ("dans la matinee", "morning", None),
           ("matinee", "morning", None), ("matin", "morning", None),
           ("de l'apres-midi", "afternoon", None), ("de l'apres midi", "afternoon", None),
           ("l'apres-midi", "afternoon", None), ("l'apres midi", "afternoon", None),
           ("apres-midi", "afternoon", None), ("apres midi", "afternoon", None),
           ("aprem", "afternoon", None), ("du soir", "evening", None),
           ("le soir", "evening", None), ("dans la soiree", "evening", None),
           ("soiree", "evening", None), ("soir", "evening", None),
           ("de la nuit", "night", None), ("dans la nuit", "night", None),
           ("la nuit", "night", None), ("nuit", "night", None),
           ("a l'heure du dejeuner", "lunch", None), ("a midi", "noon", None),
           ("midi", "noon", None), ("a minuit", "midnight", None),
           ("minuit", "midnight", None)],
    "it": [("stamattina", "morning", "today"), ("stamani", "morning", "today"),
           ("stamane", "morning", "today"), ("questa mattina", "morning", "today"),
           ("questo pomeriggio", "afternoon", "today"), ("stasera", "evening", "today"),
           ("questa sera", "evening", "today"), ("stanotte", "night", "last_night"),
           ("questa notte", "night", "last_night"), ("di mattina", "morning", None),
           ("del mattino", "morning", None), ("la mattina", "morning", None),
           ("in mattinata", "morning", None), ("mattinata", "morning", None),
           ("mattina", "morning", None), ("mattino", "morning", None),
           ("del pomeriggio", "afternoon", None), ("nel pomeriggio", "afternoon", None),
           ("pomeriggio", "afternoon", None), ("di sera", "evening", None),
           ("della sera", "evening", None), ("in serata", "evening", None),
           ("serata", "evening", None), ("sera", "evening", None),
           ("di notte", "night", None), ("della notte", "night", None),
           ("nella notte", "night", None), ("nottata", "night", None),
           ("notte", "night", None), ("all'ora di pranzo", "lunch", None),
           ("a pranzo", "lunch", None), ("a mezzogiorno", "noon", None),
           ("mezzogiorno", "noon", None), ("a mezzanotte", "midnight", None),
           ("mezzanotte", "midnight", None)],
    "nb": [("i morges", "morning", "today"), ("i formiddag", "morning", "today"),
           ("i ettermiddag", "afternoon", "today"), ("i kveld", "evening", "today"),
           ("i natt", "night", "last_night"), ("om morgenen", "morning", None),
           ("på morgenen", "morning", None), ("morgenen", "morning", None),
           ("morges", "morning", None), ("morgen", "morning", None),
           ("om formiddagen", "morning", None), ("på formiddagen", "morning", None),
           ("formiddagen", "morning", None), ("formiddag", "morning", None),
           ("på ettermiddagen", "afternoon", None), ("om ettermiddagen", "afternoon", None),
           ("ettermiddagen", "afternoon", None), ("ettermiddag", "afternoon", None),
           ("om kvelden", "evening", None), ("på kvelden", "evening", None),
           ("kvelden", "evening", None), ("kveld", "evening", None),
           ("om natten", "night", None), ("på natta", "night", None),
           ("natten", "night", None), ("natta", "night", None), ("natt", "night", None),
           ("i lunsjen", "lunch", None), ("lunsjen", "lunch", None),
           ("lunsj", "lunch", None), ("ved midnatt", "midnight", None),
           ("midnatt", "midnight", None)],
    "ru": [("этой ночью", "night", "last_night"), ("с утра", "morning", None),
           ("утром", "morning", None), ("утра", "morning", None),
           ("утро", "morning", None), ("днём", "afternoon", None),
           ("дня", "afternoon", None), ("после обеда", "afternoon", None),
           ("вечером", "evening", None), ("вечера", "evening", None),
           ("вечер", "evening", None), ("ночью", "night", None), ("ночи", "night", None),
           ("ночь", "night", None), ("в обед", "lunch", None), ("в полдень", "noon", None),
           ("полдень", "noon", None), ("в полночь", "midnight", None),
           ("полночь", "midnight", None)],
}
# Hours (24-hour clock) each part of the day allows, and the hour used without a clock.
PART_HOURS: Dict[str, FrozenSet[int]] = {
    "morning": frozenset(range(1, 12)), "afternoon": frozenset(range(12, 19)),
    "evening": frozenset(range(17, 24)), "night": frozenset({21, 22, 23, 0, 1, 2, 3, 4, 5}),
    "lunch": frozenset(range(11, 15)), "noon": frozenset({12}), "midnight": frozenset({0}),
}
PART_DEFAULT_HOUR = {"morning": 9, "afternoon": 15, "evening": 19, "night": 23, "lunch": 12,
                     "noon": 12, "midnight": 0}
# Night hours after midnight belong to the night that began the evening before.
EARLY_NIGHT = frozenset(range(0, 6))

# Words that put the moment in the future: refused, whatever clock time comes with them.
FUTURE_WORDS: Dict[str, List[str]] = {
    "en": ["tomorrow", "next week"],
    "ru": ["завтра", "послезавтра", "на следующей неделе"],
    "nb": ["i morgen", "imorgen", "i overmorgen", "neste uke"],
    "fr": ["demain", "apres-demain", "la semaine prochaine"],
    "it": ["domani", "dopodomani", "la settimana prossima"],
}
JUST_NOW = {"en": ["just now", "a moment ago", "right now"], "ru": ["только что"],
            "nb": ["nettopp", "akkurat nå", "nå nettopp"], "fr": ["à l'instant"],
            "it": ["poco fa", "proprio ora", "adesso"]}

# Duration units: (words, kind).
UNITS: Dict[str, List[Tuple[List[str], str]]] = {
    "en": [(["minutes", "minute", "mins", "min", "m"], "minute"),
           (["hours", "hour", "hrs", "hr", "h"], "hour"), (["days", "day"], "day"),
           (["weeks", "week"], "week")],
    "fr": [(["minutes", "minute", "mins", "min", "mn"], "minute"),
           (["heures", "heure", "h"], "hour"), (["jours", "jour"], "day"),
           (["semaines", "semaine"], "week")],
    "it": [(["minuti", "minuto", "min"], "minute"), (["ore", "ora", "h"], "hour"),
           (["giorni", "giorno"], "day"), (["settimane", "settimana"], "week")],
    "nb": [(["minutter", "minutt", "min"], "minute"),
           (["timer", "timen", "time", "t"], "hour"),
           (["dager", "dag", "døgn"], "day"), (["uker", "uke"], "week")],
    "ru": [(["минуту", "минуты", "минут", "мин"], "minute"),
           (["часа", "часов", "час", "ч"], "hour"),
           (["дней", "дня", "день", "суток", "сутки"], "day"),
           (["недель", "недели", "неделю"], "week")],
}
# Russian needs no number with these: "час назад", "около часа назад", "минуту назад".
RU_ONE_UNITS = frozenset(_fold(w) for w in ["час", "часа", "минуту", "минуты", "неделю",
                                             "сутки", "суток"])
# "около часа назад" is about an hour ago; "часа" alone needs that "about".
RU_ABOUT_ONE_UNITS = frozenset({"часа", "минуты", "суток"})
RU_ABOUT = re.compile(r"(?:^|\s)(?:около|примерно|где-то|почти)\s*$")
UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 24 * 60, "week": 7 * 24 * 60}

# "ago" and "in ..." around a duration ({d}).
AGO_FRAMES: Dict[str, str] = {
    "en": r"(?P<dur>{d}) ago(?![^\W_])",
    "fr": r"(?<![^\W_])(?:il )?y a (?:environ |presque |a peu pres |deja |bien )?(?P<dur>{d})"
          r"|(?<![^\W_])ca fait (?:environ )?(?P<dur2>{d})",
    "it": r"(?P<dur>{d}) fa(?![^\W_])",
    "nb": r"(?P<dur>{d}) siden(?![^\W_])",
    "ru": r"(?P<dur>{d}) (?:тому )?назад(?![^\W_])",
}
FUTURE_FRAMES: Dict[str, str] = {
    "en": r"(?<![^\W_])in (?P<dur>{d})(?![^\W_])|(?P<dur2>{d}) from now",
    "fr": r"(?<![^\W_])dans (?P<dur>{d})(?![^\W_])",
    "it": r"(?<![^\W_])(?:tra|fra) (?P<dur>{d})(?![^\W_])",
    "nb": r"(?<![^\W_])om (?P<dur>{d})(?![^\W_])",
    "ru": r"(?<![^\W_])через (?P<dur>{d})(?![^\W_])",
}
DURATION_JOINERS = ["and", "et", "e", "og", "и", ","]
# "2 or 3 hours ago" is a range, not a moment.
RANGE_WORDS = frozenset({"or", "to", "ou", "a", "o", "eller", "til", "или", "-"})

# Words after which a number is a clock time ("at 9", "alle 21", "kl 21", "в 21:05").
CLOCK_CUES: Dict[str, List[str]] = {
    "en": ["at", "around", "about", "approximately", "approx", "roughly", "circa", "ca",
           "at around", "at about", "by", "since", "from"],
    "fr": ["a", "vers", "aux alentours de", "autour de", "environ", "a environ", "des",
           "depuis", "a partir de"],
    "it": ["alle", "all'", "alle ore", "ore", "verso le", "verso l'", "verso",
           "intorno alle", "intorno all'", "circa alle", "circa", "le", "l'", "dalle",
           "dall'"],
    "nb": ["kl", "klokka", "klokken", "rundt", "rundt kl", "ca", "cirka", "omkring", "ved",
           "fra", "omtrent", "tiden"],
    "ru": ["в", "во", "около", "примерно в", "примерно", "где-то в", "где-то", "часов в",
           "часа в", "с"],
}
# A number word after a cue is a time only when one of these (or the end) follows:
# "at nine" and "at nine pm" are times, "at one point" is not.
CLOCK_FOLLOWERS: Dict[str, List[str]] = {
    "en": ["o' clock", "oclock", "am", "pm", "a.m.", "p.m.", "or so", "ish", "sharp",
           "past", "to", "hours", "hour", "thirty", "oh", "and"],
    "fr": ["heures", "heure", "h", "pile", "et", "moins", "environ"],
    "it": ["e", "meno", "precise", "in punto", "circa", "ore"],
    "nb": ["tiden", "over", "på", "presis", "og"],
    "ru": ["часов", "часа", "час", "ч", "ровно", "с половиной", "и"],
}
# Words before a number that make it part of a clock time ("half past nine").
CLOCK_GLUE_BEFORE: Dict[str, List[str]] = {
    "en": ["half past", "quarter past", "quarter to", "a quarter past", "a quarter to"],
    "fr": ["heures", "heure", "h", "moins", "moins le"],
    "it": ["meno"],
    "nb": ["halv", "kvart over", "kvart på"],
    "ru": ["без", "без четверти", "часов", "часа", "час"],
}
# Words after a number that make it a clock time or a duration ("nine o'clock").
CLOCK_GLUE_AFTER: Dict[str, List[str]] = {
    "en": ["o' clock", "oclock", "am", "pm", "a.m.", "p.m.", "hours", "hour", "minutes",
           "minute", "past"],
    "fr": ["heures", "heure", "h", "minutes", "minute", "et demie", "et quart",
           "moins le quart"],
    "it": ["ore", "ora", "minuti", "minuto", "e mezza", "e mezzo", "e un quarto",
           "meno un quarto"],
    "nb": ["timer", "time", "minutter", "minutt", "på", "over"],
    "ru": ["часов", "часа", "час", "минут", "минуты", "минуту", "с половиной"],
}

ISO_DATE = re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?!\d)")
# 21/11, 21/11/2026, 21.11.2026 and "21.11." are dates; "15.30" is a clock time.
NUMERIC_DATE = re.compile(
    r"(?<![\d.:/])(?P<d>\d{1,2})(?:/(?P<mo>\d{1,2})(?:/(?P<y>\d{2,4}))?"
    r"|\.(?P<mo2>\d{1,2})(?:\.(?P<y2>\d{2,4})|\.(?!\d)))(?![\d:])")
NAMED_DATE = re.compile(r"(?<!\d)(?P<d>\d{1,2})\.?\s*(?:de |di )?(?P<month>[^\W\d_]{3,})\.?"
                        r"(?:,? (?P<y>\d{4})(?!\d))?")
MONTH_FIRST_DATE = re.compile(r"(?<![^\W_])(?P<month>[^\W\d_]{3,})\.? (?P<d>\d{1,2})"
                              r"(?:st|nd|rd|th)?(?!\d)(?:,? (?P<y>\d{4})(?!\d))?")

CLOCK = re.compile(
    r"(?<![\w.:/,])(?P<h>\d{1,2})"
    r"(?:\s*(?P<sep>:|\.|h|heures|heure)\s*(?P<m>\d{1,2}))?(?!\d)"
    # "5 minutes", "5 минут": a duration, never a clock time.
    r"(?!\s*(?:minutes?|mins?|minutter|minutt|minuti|minuto|минут[уаы]?|мин)(?![^\W_]))"
    r"(?:\s*(?P<suffix>a\.?\s?m\.?|p\.?\s?m\.?|o' clock|oclock|heures|heure|h|часов|часа"
    r"|час|ч)(?![^\W_]))?")
RANGE_AFTER_TIME = re.compile(r"\d(?:\s*(?:[ap]\.?\s?m\.?|h|heures?))?\s*"
                              r"(?:-|(?<![^\W_])(?:or|ou|o|eller|til|или|to|and|et|e|og|и))\s*$")
AM = re.compile(r"a\.?\s?m\.?")
PM = re.compile(r"p\.?\s?m\.?")


# -- compiled patterns (built on first use: nothing heavy at import time) -------------------


@cache
def _number_pattern(lang: str) -> str:
    words = sorted(number_words(lang), key=len, reverse=True)
    return (r"(?:\d+(?:[.,]\d+)?|(?:" + "|".join(re.escape(w) for w in words)
            + r")(?![^\W_]))")


@cache
def _number_re(lang: str) -> Pattern[str]:
    return re.compile(r"(?<![^\W_])(?P<w>" + "|".join(
        re.escape(w) for w in sorted(number_words(lang), key=len, reverse=True))
        + r")(?![^\W_])")


def _number(raw: str, lang: str) -> Optional[float]:
    raw = raw.strip()
    if re.fullmatch(r"\d+(?:[.,]\d+)?", raw):
        return float(raw.replace(",", "."))
    value = number_words(lang).get(raw)
    return float(value) if value is not None else None


@cache
def _unit_pattern(lang: str) -> str:
    return "|".join(re.escape(_fold(w)) for words, _ in UNITS[lang]
                    for w in sorted(words, key=len, reverse=True))


@cache
def _unit_kinds(lang: str) -> Dict[str, str]:
    return {_fold(w): kind for words, kind in UNITS[lang] for w in words}


def _item_source(lang: str, named: bool) -> str:
    """One "amount unit" of a duration: "2 hours", "tre ore", "час", (ru) "минут десять"."""
    num, unit = _number_pattern(lang), _unit_pattern(lang)

    def group(name: str, body: str) -> str:
        return f"(?P<{name}>{body})" if named else f"(?:{body})"

    # Russian puts the number after the unit for "about": "минут десять назад".
    inverted = (rf"{group('u2', unit)} {group('n2', num)}(?![^\W_])|" if lang == "ru"
                else "")
    return (rf"(?<![^\W_])(?:{inverted}(?:{group('n', num)}\s*)?{group('u', unit)}"
            rf"(?![^\W_]))")


@cache
def _item_re(lang: str) -> Pattern[str]:
    return re.compile(_item_source(lang, named=True))


@cache
def _duration_pattern(lang: str) -> str:
    item = _item_source(lang, named=False)
    joiner = "|".join(re.escape(j) for j in DURATION_JOINERS)
    return rf"{item}(?:\s*(?:{joiner})?\s*{item})*"


@cache
def _frame_re(lang: str, future: bool) -> Pattern[str]:
    frame = (FUTURE_FRAMES if future else AGO_FRAMES)[lang]
    return re.compile(frame.replace("{d}", _duration_pattern(lang)))


@cache
def _phrases_re(phrases: Tuple[str, ...]) -> Pattern[str]:
    return re.compile(_alternation(list(phrases)))


@cache
def _cue_re(languages: Tuple[str, ...]) -> Pattern[str]:
    cues = [c for lang in languages for c in CLOCK_CUES[lang]] + ["~"]
    folded = sorted({_fold(c) for c in cues}, key=len, reverse=True)
    return re.compile(r"(?:^|[\s(~])(?:" + "|".join(re.escape(c) for c in folded)
                      + r")\s*$")


def _ends_with_cue(before: str, languages: Tuple[str, ...]) -> bool:
    return _cue_re(languages).search(before) is not None


# -- parsing ---------------------------------------------------------------------------------


class _Day(NamedTuple):
    day: date
    kind: str  # "date", "relative" or "weekday"
    span: Tuple[int, int]


class _Clock(NamedTuple):
    literal: int  # the hour read on the 24-hour clock
    candidates: FrozenSet[int]  # the hours it can mean once a part of the day is known
    minute: int


def parse_when(text: str, lang: str, now: datetime) -> When:
    """Parses a user's answer to "when did it happen?".

    Args:
        text: the answer, as typed.
        lang: the conversation language (ru, nb, fr, it, en); English words are always
            understood too. Another code is read as English.
        now: the current time in the user's time zone (timezone-aware; a naive ``now``
            is taken as UTC).

    Returns:
        The moment, in ``now``'s time zone, never in the future (5 minutes' tolerance)
        nor more than ``MAX_AGE`` back.

    Raises:
        WhenError: ``not_understood``, ``in_the_future``, ``too_long_ago``,
            ``invalid_time``, ``contradictory`` or ``ambiguous``.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    languages = (lang, "en") if lang in LANGUAGES and lang != "en" else ("en",)
    folded = " " + _fold(text) + " "
    folded = re.sub(r"(?<![^\W_])(kl|ca)\. ?", r"\1 ", folded)

    _refuse_future(folded, languages)
    folded = _rewrite_durations(folded, languages)
    ago = _ago(folded, languages, now)
    if ago is not None:
        return _checked(ago, now)

    today = now.date()
    day, folded = _day(folded, languages, today)
    folded = _rewrite_special_times(folded, languages)
    parts, flags, folded = _parts(folded, languages)
    folded = _numerals(folded, languages)
    folded = _rewrite_clock(folded, languages)
    clock = _clock(folded, languages)
    if day is None and clock is None and not parts:
        raise WhenError(NOT_UNDERSTOOD)

    at = _time_of_day(clock, parts)
    resolved = _resolve_day(day, flags, parts, clock, at, now)
    if at is not None:
        at = _local_time(resolved, at, now.tzinfo)
    return _checked(When(resolved, at), now)


def _refuse_future(folded: str, languages: Tuple[str, ...]) -> None:
    for lang in languages:
        if _phrases_re(tuple(FUTURE_WORDS[lang])).search(folded):
            raise WhenError(IN_THE_FUTURE)
        match = _frame_re(lang, True).search(_rewrite_durations(folded, (lang,)))
        if match is None:
            continue
        groups = match.groupdict()
        try:
            duration = _duration(groups.get("dur") or groups.get("dur2") or "", lang)
        except WhenError:
            continue  # "in minutes": not a duration after all
        if duration is not None:
            raise WhenError(IN_THE_FUTURE)


def _minutes_sub(pattern: str, minutes: Callable[[Match[str]], Optional[float]],
                 unit: str) -> Callable[[str], str]:
    compiled = re.compile(pattern)

    def substitute(folded: str) -> str:
        def replace(match: Match[str]) -> str:
            value = minutes(match)
            if value is None:
                return match.group(0)
            prefix = match.groupdict().get("pre") or ""
            return f"{prefix}{value:g} {unit}"
        return compiled.sub(replace, folded)
    return substitute


@cache
def _duration_rewrites(lang: str) -> List[Callable[[str], str]]:
    """Halves and quarters as minutes: "half an hour" -> "30 minutes", "полчаса" -> ...."""
    n = _number_pattern(lang)
    b, e = r"(?<![^\W_])", r"(?![^\W_])"

    def fixed(value: float) -> Callable[[Match[str]], Optional[float]]:
        return lambda _: value

    def hours_and(extra: float) -> Callable[[Match[str]], Optional[float]]:
        def minutes(match: Match[str]) -> Optional[float]:
            amount = _number(match.group("n"), lang)
            return None if amount is None else amount * 60 + extra
        return minutes

    def quarters(match: Match[str]) -> Optional[float]:
        amount = _number(match.group("n"), lang)
        return None if amount is None else amount * 15

    table: Dict[str, List[Tuple[str, Callable[[Match[str]], Optional[float]]]]] = {
        "en": [(rf"{b}(?:(?:an?|one|1) )?hour and a half{e}", fixed(90)),
               (rf"{b}(?:one|1|an?) and a half hours?{e}", fixed(90)),
               (rf"{b}(?P<n>{n}) and a half hours?{e}", hours_and(30)),
               (rf"{b}(?P<n>{n}) hours? and a half{e}", hours_and(30)),
               (rf"{b}(?:(?:a|one) )?half (?:an? )?hour{e}", fixed(30)),
               (rf"{b}three quarters of an hour{e}", fixed(45)),
               (rf"{b}(?:(?:a|one) )?quarter(?: of an)? hour{e}", fixed(15))],
        "fr": [(rf"{b}(?:une )?demi-? ?heure{e}", fixed(30)),
               (rf"{b}trois quarts d' heure{e}", fixed(45)),
               (rf"{b}(?:un )?quart d' heure{e}", fixed(15)),
               (rf"(?P<pre>{b}(?:il )?y a (?:environ |presque |a peu pres )?)(?P<n>{n}) "
                rf"heures? et demie{e}", hours_and(30)),
               (rf"(?P<pre>{b}(?:il )?y a (?:environ |presque |a peu pres )?)(?P<n>{n}) "
                rf"heures? et quart{e}", hours_and(15))],
        "it": [(rf"{b}(?:una )?mezz'? ?ora{e}|{b}(?:una )?mezza ora{e}", fixed(30)),
               (rf"{b}tre quarti d' ora{e}", fixed(45)),
               (rf"{b}(?:un )?quarto d' ora{e}", fixed(15)),
               (rf"{b}(?P<n>{n}) ?or[ae] e mezz[ao]{e}", hours_and(30)),
               (rf"{b}(?P<n>{n}) ?or[ae] e un quarto{e}", hours_and(15))],
        "nb": [(rf"{b}halvannen times?{e}|{b}halvannen timer?{e}", fixed(90)),
               (rf"{b}(?P<n>{n}) og en halv timer?{e}", hours_and(30)),
               (rf"{b}(?:(?:en|ei|ein) )?halv ?time{e}", fixed(30)),
               (rf"{b}(?P<n>{n}) kvarter{e}", quarters)],
        "ru": [(rf"{b}полтора часа{e}", fixed(90)),
               (rf"{b}(?P<n>{n}) с половинои час(?:а|ов)?{e}", hours_and(30)),  # folded й
               (rf"{b}пол ?-?часа{e}|{b}получаса{e}", fixed(30)),
               (rf"{b}три четверти часа{e}", fixed(45)),
               (rf"{b}четверть часа{e}", fixed(15))],
    }
    unit = {"en": "minutes", "fr": "minutes", "it": "minuti", "nb": "minutter",
            "ru": "минут"}[lang]
    return [_minutes_sub(pattern, minutes, unit) for pattern, minutes in table[lang]]


def _rewrite_durations(folded: str, languages: Tuple[str, ...]) -> str:
    for lang in languages:
        for rewrite in _duration_rewrites(lang):
            folded = rewrite(folded)
    return folded


def _is_number(word: str, lang: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:[.,]\d+)?", word)) or word in number_words(lang)


def _duration(text: str, lang: str, before: str = "") -> Optional[Tuple[float, bool]]:
    """Minutes in a duration, and whether it counts whole days only.

    ``before`` is the text before the duration ("около" makes "часа" one hour).

    Raises:
        WhenError: ``not_understood`` for a unit without its number ("minutes ago").
    """
    total = 0.0
    days_only = True
    for item in _item_re(lang).finditer(text):
        raw_n = item.group("n") or (item.groupdict().get("n2") or "")
        unit = item.group("u") or item.group("u2")
        if raw_n:
            amount = _number(raw_n, lang)
        elif lang == "ru" and unit in RU_ONE_UNITS and (
                unit not in RU_ABOUT_ONE_UNITS
                or RU_ABOUT.search(before + " " + text[:item.start()])):
            amount = 1.0
        else:
            raise WhenError(NOT_UNDERSTOOD)  # "minutes ago", "несколько минут назад"
        if amount is None:
            return None
        kind = _unit_kinds(lang)[unit]
        days_only = days_only and kind in ("day", "week")
        total += amount * UNIT_MINUTES[kind]
    return total, days_only


def _ago(folded: str, languages: Tuple[str, ...], now: datetime) -> Optional[When]:
    """"2 hours ago", "tre ore fa", "for tre timer siden", "три часа назад", "just now"."""
    for lang in languages:
        match = _phrases_re(tuple(JUST_NOW[lang])).search(folded)
        if match:
            return _moment(now, now, folded[:match.start()] + " " + folded[match.end():],
                           languages)
        match = _frame_re(lang, False).search(folded)
        if not match:
            continue
        group = "dur" if match.groupdict().get("dur") else "dur2"
        before = folded[:match.start(group)].split()
        if before and (_is_number(before[-1].rstrip("-"), lang)):
            # "2-3 hours ago": a range; "сто две минуты": a number we could not read.
            raise WhenError(AMBIGUOUS if before[-1].endswith("-") else NOT_UNDERSTOOD)
        if len(before) > 1 and _is_number(before[-2], lang) and before[-1] in RANGE_WORDS:
            raise WhenError(AMBIGUOUS)  # "2 or 3 hours ago"
        duration = _duration(match.group(group), lang, folded[:match.start(group)])
        if duration is None:
            continue
        minutes, days_only = duration
        if minutes > 2 * MAX_AGE.total_seconds() / 60:
            raise WhenError(TOO_LONG_AGO)
        remainder = folded[:match.start()] + " " + folded[match.end():]
        if days_only:
            day = now.date() - timedelta(days=round(minutes / (24 * 60)))
            _no_other_moment(remainder, languages, day, now)
            return When(day, None)
        moment = (now.astimezone(timezone.utc) - timedelta(minutes=minutes)).astimezone(
            now.tzinfo)
        return _moment(moment, now, remainder, languages)
    return None


def _moment(moment: datetime, now: datetime, remainder: str,
            languages: Tuple[str, ...]) -> When:
    _no_other_moment(remainder, languages, moment.date(), now)
    # datetime.time() keeps fold, so 02:10 after the clocks went back stays the second one.
    return When(moment.date(), moment.time().replace(second=0, microsecond=0))


def _no_other_moment(remainder: str, languages: Tuple[str, ...], day: date,
                     now: datetime) -> None:
    """"2 hours ago" must not come with another day or a clock time."""
    other, remainder = _day(remainder, languages, now.date())
    if other is not None and other.day != day:
        raise WhenError(CONTRADICTORY)
    if _clock(_rewrite_clock(_numerals(remainder, languages), languages), languages):
        raise WhenError(CONTRADICTORY)


def _day(folded: str, languages: Tuple[str, ...], today: date
         ) -> Tuple[Optional[_Day], str]:
    """The day named in the text, and the text without it.

    Raises:
        WhenError: ``contradictory`` when two day words disagree ("yesterday, Monday"
            when yesterday was Sunday).
    """
    found: List[_Day] = []
    date_found = _calendar_date(folded, languages, today)
    if date_found is not None:
        found.append(date_found)
        folded = _blank(folded, *date_found.span)
    weekday_wanted: Optional[int] = None
    for lang in languages:
        for phrase, offset in DAY_OFFSETS[lang]:
            match = _phrases_re((phrase,)).search(folded)
            if match:
                found.append(_Day(today - timedelta(days=offset), "relative", match.span()))
                folded = _blank(folded, *match.span())
        for phrase, weekday in WEEKDAYS[lang]:
            match = _phrases_re((phrase,)).search(folded)
            if match:
                if weekday_wanted is not None and weekday_wanted != weekday:
                    raise WhenError(CONTRADICTORY)
                weekday_wanted = weekday
                back = (today.weekday() - weekday) % 7 or 7
                found.append(_Day(today - timedelta(days=back), "weekday", match.span()))
                folded = _blank(folded, *match.span())
    if not found:
        return None, folded
    exact = [d for d in found if d.kind != "weekday"]
    if len({d.day for d in exact}) > 1:
        raise WhenError(CONTRADICTORY)
    if exact:
        if weekday_wanted is not None and exact[0].day.weekday() != weekday_wanted:
            raise WhenError(CONTRADICTORY)
        return exact[0], folded
    return found[0], folded


def _blank(folded: str, start: int, end: int) -> str:
    return folded[:start] + " " * (end - start) + folded[end:]


def _calendar_date(folded: str, languages: Tuple[str, ...], today: date) -> Optional[_Day]:
    match = ISO_DATE.search(folded)
    if match:
        day = _date(int(match["y"]), int(match["mo"]), int(match["d"]))
        if day is None:
            raise WhenError(NOT_UNDERSTOOD)
        return _Day(day, "date", match.span())
    for match in NUMERIC_DATE.finditer(folded):
        if _ends_with_cue(folded[:match.start()], languages):
            continue  # "kl. 21.05." is a clock time
        raw_year = match["y"] or match["y2"]
        first, second = int(match["d"]), int(match["mo"] or match["mo2"])
        if raw_year:
            year = int(raw_year) + (2000 if len(raw_year) <= 2 else 0)
            # Day first, as in all five locales; 11/21 (US order) when that is the only date.
            day = _date(year, second, first) or _date(year, first, second)
        else:
            day = _latest(second, first, today) or _latest(first, second, today)
        if day:
            return _Day(day, "date", match.span())
    for lang in languages:
        for pattern in (NAMED_DATE, MONTH_FIRST_DATE) if lang == "en" else (NAMED_DATE,):
            for named in pattern.finditer(folded):
                month = _month(named["month"], lang)
                if month is None:
                    continue
                day = (_date(int(named["y"]), month, int(named["d"])) if named["y"]
                       else _latest(month, int(named["d"]), today))
                if day:
                    return _Day(day, "date", named.span())
    return None


def _month(word: str, lang: str) -> Optional[int]:
    if lang == "ru":
        match = RU_MONTH.fullmatch(word)
        if not match:
            return None
        stems = ["январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
                 "октябр", "ноябр", "декабр"]
        return stems.index(match.group(1)) + 1
    for number, name in enumerate(MONTHS[lang], start=1):
        if name.startswith(word) and (len(word) >= 3):
            return number
    return None


def _latest(month: int, day: int, today: date) -> Optional[date]:
    """A day and month without a year: the last time it was (29 February included)."""
    for year in range(today.year, today.year - 8, -1):
        found = _date(year, month, day)
        if found is not None and found <= today:
            return found
    return None


def _date(year: int, month: int, day: int) -> Optional[date]:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _rewrite_special_times(folded: str, languages: Tuple[str, ...]) -> str:
    """"midi et demi", "mezzogiorno e mezzo", before "midi" is read as a part of the day."""
    rules = {
        "fr": [(r"(?<![^\W_])midi et demie?(?![^\W_])", "12:30"),
               (r"(?<![^\W_])midi et quart(?![^\W_])", "12:15"),
               (r"(?<![^\W_])midi moins le quart(?![^\W_])", "11:45"),
               (r"(?<![^\W_])minuit et demie?(?![^\W_])", "00:30"),
               (r"(?<![^\W_])minuit et quart(?![^\W_])", "00:15")],
        "it": [(r"(?<![^\W_])mezzogiorno e mezz[ao](?![^\W_])", "12:30"),
               (r"(?<![^\W_])mezzogiorno e un quarto(?![^\W_])", "12:15"),
               (r"(?<![^\W_])mezzanotte e mezz[ao](?![^\W_])", "00:30")],
        "en": [(r"(?<![^\W_])half past (?:noon|midday)(?![^\W_])", "12:30"),
               (r"(?<![^\W_])half past midnight(?![^\W_])", "00:30"),
               (r"(?<![^\W_])12 (?:noon|midday)(?![^\W_])", "12:00"),
               (r"(?<![^\W_])12 midnight(?![^\W_])", "00:00")],
        "nb": [(r"(?<![^\W_])halv ett (?:pa|om) natta(?![^\W_])", "00:30")],
        "ru": [(r"(?<![^\W_])(в |около |примерно в )?час (дня|ночи)(?![^\W_])", r"\g<1>1 \2"),
               (r"(?<![^\W_])(в|около|примерно в) часа?(?![^\W_])", r"\1 1 час")],
    }
    for lang in languages:
        for pattern, replacement in rules.get(lang, []):
            folded = re.sub(pattern, replacement, folded)
    return folded


@cache
def _part_patterns(languages: Tuple[str, ...]
                   ) -> List[Tuple[Pattern[str], str, Optional[str]]]:
    entries = sorted(((phrase, part, flag) for lang in languages for phrase, part, flag
                      in PARTS[lang]), key=lambda entry: len(_fold(entry[0])), reverse=True)
    return [(_phrases_re((phrase,)), part, flag) for phrase, part, flag in entries]


def _parts(folded: str, languages: Tuple[str, ...]
           ) -> Tuple[List[str], List[str], str]:
    """The parts of the day named, what they say about the day, and the text without them."""
    parts: List[str] = []
    flags: List[str] = []
    for pattern, part, flag in _part_patterns(languages):
        match = pattern.search(folded)
        while match:
            parts.append(part)
            if flag:
                flags.append(flag)
            folded = _blank(folded, *match.span())
            match = pattern.search(folded)
    return parts, flags, folded


@cache
def _numeral_contexts(lang: str) -> Tuple[Pattern[str], Pattern[str], Pattern[str]]:
    """What may follow a number word, follow it after a cue, and precede it."""
    glue_after = re.compile(r"\s*(?:" + _alternation(
        CLOCK_GLUE_AFTER[lang] + CLOCK_GLUE_AFTER["en"][:6]) + ")")
    followers = re.compile(r"\s*(?:$|[,;!?)]|\.(?!\d)|" + _alternation(
        CLOCK_FOLLOWERS[lang] + CLOCK_GLUE_AFTER[lang] + list(number_words(lang))) + ")")
    glue_before = re.compile(r"(?:" + _alternation(CLOCK_GLUE_BEFORE[lang]) + r"|(?:"
                             + _number_pattern(lang)
                             + r") (?:minutes |minutter |minuti )?(?:past|to|over|pa|e)"
                             + r")\s*$")
    return glue_after, followers, glue_before


def _numerals(folded: str, languages: Tuple[str, ...]) -> str:
    """Number words that are part of a time, as digits: "at nine thirty" -> "at 9 30".

    A word after a cue becomes a number only when the phrase can end there ("at nine",
    "at nine pm"), so "at one point" stays words.
    """
    for lang in languages:
        words = number_words(lang)
        articles = ARTICLES[lang]
        glue_after, followers, glue_before = _numeral_contexts(lang)
        pieces: List[str] = []
        last = 0
        previous_end = -10
        for match in _number_re(lang).finditer(folded):
            word = match.group("w")
            before, after = folded[:match.start()], folded[match.end():]
            if word in articles:
                convert = bool(glue_after.match(after)) or (
                    lang == "it" and before.endswith("' ") and _ends_with_cue(before,
                                                                              languages))
            else:
                convert = (bool(glue_after.match(after))
                           or glue_before.search(before) is not None
                           or (_ends_with_cue(before, languages)
                               and bool(followers.match(after)))
                           or match.start() == previous_end + 1)
            if convert:
                pieces.append(folded[last:match.start()])
                pieces.append(str(words[word]))
                last = match.end()
                previous_end = match.end()
        pieces.append(folded[last:])
        folded = "".join(pieces)
    return folded


def _prev_hour(hour: int) -> int:
    """The hour before, on the clock face: "halv ett" is 12:30, "halv ti" 9:30."""
    return 12 if hour == 1 else hour - 1


def _hm(hour: int, minute: int) -> str:
    return f"{hour}:{minute:02d}"


@cache
def _clock_rewrites(lang: str) -> List[Tuple[Pattern[str], Callable[[Match[str]], str]]]:
    """Spoken clock times as "H:MM": "half past 9", "9 heures et demie", "halv 10"...."""
    b, e = r"(?<![^\W_])", r"(?![^\W_])"
    h = r"(?P<h>\d{1,2})"

    def at(hour_of: Callable[[int], int], minute: int) -> Callable[[Match[str]], str]:
        return lambda m: _hm(hour_of(int(m["h"])), minute)

    def same(hour: int) -> int:
        return hour

    def minutes_past(m: Match[str]) -> str:
        return _hm(int(m["h"]), int(m["m"])) if int(m["m"]) < 60 else m.group(0)

    def minutes_to(m: Match[str]) -> str:
        if not 0 < int(m["m"]) < 60:
            return m.group(0)
        return _hm(_prev_hour(int(m["h"])), 60 - int(m["m"]))

    cue = r"(?P<cue>" + "|".join(re.escape(_fold(c)) for c in sorted(
        CLOCK_CUES[lang], key=len, reverse=True)) + r") "

    def keep_cue(inner: Callable[[Match[str]], str]) -> Callable[[Match[str]], str]:
        return lambda m: (m["cue"] + " " if m.groupdict().get("cue") else "") + inner(m)

    rules: Dict[str, List[Tuple[str, Callable[[Match[str]], str]]]] = {
        "en": [(rf"{b}half past {h}{e}", at(same, 30)),
               (rf"{b}(?:a )?quarter past {h}{e}", at(same, 15)),
               (rf"{b}(?:a )?quarter to {h}{e}", at(_prev_hour, 45)),
               (rf"{b}(?P<m>\d{{1,2}}) (?:minutes )?past {h}{e}", minutes_past),
               (rf"{b}{cue}(?P<m>\d{{1,2}}) (?:minutes )?to {h}{e}", keep_cue(minutes_to)),
               (rf"{b}{h} oh (?P<m>\d){e}", minutes_past),
               (rf"{b}{cue}{h} (?P<m>\d{{2}}){e}", keep_cue(minutes_past))],
        "fr": [(rf"{b}{h} ?(?:h|heures?)? et demie?{e}", at(same, 30)),
               (rf"{b}{h} ?(?:h|heures?)? et quart{e}", at(same, 15)),
               (rf"{b}{h} ?(?:h|heures?)? moins (?:le )?quart{e}", at(_prev_hour, 45)),
               (rf"{b}{h} ?(?:h|heures?)? moins (?P<m>\d{{1,2}}){e}", minutes_to)],
        "it": [(rf"{b}(?:tra|fra) (?:le )?{h} e (?:le )?(?P<m>\d{{1,2}}){e}",
                lambda m: f"{m['h']}:00 {m['m']}:00"),  # between 9 and 10: two times
               (rf"{b}{h} e mezz[ao]{e}", at(same, 30)),
               (rf"{b}{h} e (?:un )?quarto{e}", at(same, 15)),
               (rf"{b}{h} meno (?:un )?quarto{e}", at(_prev_hour, 45)),
               (rf"{b}{h} meno (?P<m>\d{{1,2}}){e}", minutes_to),
               (rf"{b}{h} e (?P<m>\d{{1,2}})(?: minuti)?{e}", minutes_past)],
        "nb": [(rf"{b}(?P<m>\d{{1,2}}) (?:minutter )?pa halv {h}{e}",
                lambda m: _hm(_prev_hour(int(m["h"])), 30 - int(m["m"]))
                if int(m["m"]) < 30 else m.group(0)),
               (rf"{b}(?P<m>\d{{1,2}}) (?:minutter )?over halv {h}{e}",
                lambda m: _hm(_prev_hour(int(m["h"])), 30 + int(m["m"]))
                if int(m["m"]) < 30 else m.group(0)),
               (rf"{b}halv {h}{e}", at(_prev_hour, 30)),
               (rf"{b}kvart over {h}{e}", at(same, 15)),
               (rf"{b}kvart pa {h}{e}", at(_prev_hour, 45)),
               (rf"{b}{cue}(?P<m>\d{{1,2}}) (?:minutter )?over {h}{e}", keep_cue(minutes_past)),
               (rf"{b}{cue}(?P<m>\d{{1,2}}) (?:minutter )?pa {h}{e}", keep_cue(minutes_to))],
        "ru": [(rf"{b}(?:в )?(?:половин[аеуы] |пол-? ?)(?P<o>{_ru_ordinals()}){e}",
                lambda m: "в " + _hm(_prev_hour(RU_ORDINALS[m["o"]]), 30)),
               (rf"{b}(?:в )?четверть (?P<o>{_ru_ordinals()}){e}",
                lambda m: "в " + _hm(_prev_hour(RU_ORDINALS[m["o"]]), 15)),
               (rf"{b}без четверти {h}{e}", at(_prev_hour, 45)),
               (rf"{b}без (?P<m>\d{{1,2}}) (?:минут[ы]? )?{h}{e}", minutes_to),
               (rf"{b}{h} с половинои{e}", at(same, 30)),  # folded: й is и
               # "пять минут десятого" is 9:05: minutes into the tenth hour.
               (rf"{b}(?P<m>\d{{1,2}}) минут[аы]? (?P<o>{_ru_ordinals()}){e}",
                lambda m: _hm(_prev_hour(RU_ORDINALS[m["o"]]), int(m["m"]))
                if int(m["m"]) < 60 else m.group(0)),
               (rf"{b}{h} час(?:а|ов)? (?P<m>\d{{1,2}})(?: минут[аы]?)?{e}", minutes_past),
               (rf"{b}{cue}{h} (?P<m>\d{{2}}){e}", keep_cue(minutes_past))],
    }
    return [(re.compile(pattern), replace) for pattern, replace in rules[lang]]


def _ru_ordinals() -> str:
    return "|".join(re.escape(w) for w in sorted(RU_ORDINALS, key=len, reverse=True))


def _rewrite_clock(folded: str, languages: Tuple[str, ...]) -> str:
    for lang in languages:
        for pattern, replace in _clock_rewrites(lang):
            folded = pattern.sub(replace, folded)
    return folded


def _clock(folded: str, languages: Tuple[str, ...]) -> Optional[_Clock]:
    """The clock time in the text.

    Raises:
        WhenError: ``invalid_time`` ("25:00", "13pm", "9:75"), ``ambiguous`` (two
            different times).
    """
    found: List[_Clock] = []
    for match in CLOCK.finditer(folded):
        raw_hour, raw_minute = match["h"], match["m"]
        sep, suffix = match["sep"], (match["suffix"] or "").strip()
        before = folded[:match.start()]
        # "at 9 or 10": the second number is a time too, and makes the answer ambiguous.
        cued = _ends_with_cue(before, languages) or RANGE_AFTER_TIME.search(before) is not None
        strong = sep in (":", "h", "heures", "heure") or bool(suffix) or cued
        if not strong and sep is None:
            continue  # a bare number that is not a time ("2 users")
        hour, minute = int(raw_hour), int(raw_minute or 0)
        valid = (raw_minute is None or len(raw_minute) == 2) and minute < 60
        if AM.fullmatch(suffix) or PM.fullmatch(suffix):
            valid = valid and 1 <= hour <= 12
            hour = hour % 12 + (12 if PM.fullmatch(suffix) else 0)
            candidates = frozenset({hour})
        else:
            valid = valid and hour < 24
            if (len(raw_hour) == 2 and raw_hour[0] == "0") or hour == 0 or hour >= 13:
                candidates = frozenset({hour})  # "09:00", "21:00": the 24-hour clock
            else:
                candidates = frozenset({hour % 12, hour % 12 + 12})
        if not valid:
            if strong:
                raise WhenError(INVALID_TIME)
            continue  # "version 5.75": not a time
        clock = _Clock(hour, candidates, minute)
        if clock not in found:
            found.append(clock)
    if len(found) > 1:
        raise WhenError(AMBIGUOUS)
    return found[0] if found else None


def _time_of_day(clock: Optional[_Clock], parts: List[str]) -> Optional[time]:
    """The time, with the part of the day choosing between 9:00 and 21:00.

    Raises:
        WhenError: ``contradictory`` ("morning at 23", "noon in the evening").
    """
    allowed: Optional[FrozenSet[int]] = None
    for part in parts:
        allowed = PART_HOURS[part] if allowed is None else allowed & PART_HOURS[part]
    if allowed is not None and not allowed:
        raise WhenError(CONTRADICTORY)
    if clock is None:
        if allowed is None:
            return None
        default = PART_DEFAULT_HOUR[parts[0]]
        return time(default if default in allowed else min(allowed), 0)
    if allowed is None:
        return time(clock.literal, clock.minute)
    hours = clock.candidates & allowed
    if not hours:
        raise WhenError(CONTRADICTORY)
    if len(hours) > 1:
        raise WhenError(AMBIGUOUS)
    return time(next(iter(hours)), clock.minute)


def _resolve_day(day: Optional[_Day], flags: List[str], parts: List[str],
                 clock: Optional[_Clock], at: Optional[time], now: datetime) -> date:
    """The day: named, implied by "this morning"/"last night", else today or yesterday.

    Raises:
        WhenError: ``contradictory`` ("yesterday this morning"), ``ambiguous`` ("yesterday
            at midnight", "вчера в 3 ночи": which night?).
    """
    today = now.date()
    night = "night" in parts or "midnight" in parts
    early = at is not None and at.hour in EARLY_NIGHT
    if day is not None:
        if "today" in flags and day.day != today:
            raise WhenError(CONTRADICTORY)
        # Night hours after midnight of a named day: that day, or the night after it?
        if night and early and (clock is not None or "midnight" in parts) \
                and day.kind != "date" and day.day != today:
            raise WhenError(AMBIGUOUS)
        return day.day
    if "today" in flags:
        return today
    if "last_night" in flags:
        return today if early else today - timedelta(days=1)
    if at is not None and datetime.combine(today, at, tzinfo=now.tzinfo) > now:
        return today - timedelta(days=1)
    return today


def _local_time(day: date, at: time, zone: Optional[tzinfo]) -> time:
    """Checks the wall-clock time exists once on that day in the user's time zone.

    Raises:
        WhenError: ``invalid_time`` for a time skipped when the clocks went forward,
            ``ambiguous`` for one that happened twice when they went back.
    """
    naive = datetime.combine(day, at.replace(fold=0))
    first = naive.replace(tzinfo=zone)
    second = naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return at
    round_trip = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
    if round_trip != naive:
        raise WhenError(INVALID_TIME)
    raise WhenError(AMBIGUOUS)


def _checked(when: When, now: datetime) -> When:
    today = now.date()
    # Dates far off are refused before any arithmetic that could overflow.
    if when.day > today + timedelta(days=2):
        raise WhenError(IN_THE_FUTURE)
    if when.day < today - MAX_AGE - timedelta(days=2):
        raise WhenError(TOO_LONG_AGO)
    moment = datetime.combine(when.day, when.at or time(0, 0), tzinfo=now.tzinfo)
    now_utc, moment_utc = now.astimezone(timezone.utc), moment.astimezone(timezone.utc)
    if moment_utc > now_utc + FUTURE_TOLERANCE:
        raise WhenError(IN_THE_FUTURE)
    if now_utc - moment_utc > MAX_AGE:
        raise WhenError(TOO_LONG_AGO)
    return when


# -- saying it back ---------------------------------------------------------------------------

# Babel (2.18) has no CLDR relative day names ("yesterday"): kept here.
RELATIVE_DAYS = {"en": ["today", "yesterday", "the day before yesterday"],
                 "fr": ["aujourd'hui", "hier", "avant-hier"],
                 "it": ["oggi", "ieri", "l'altro ieri"],
                 "nb": ["i dag", "i går", "i forgårs"],
                 "ru": ["сегодня", "вчера", "позавчера"]}
# "в понедельник": CLDR has the weekday names in the nominative only ("понедельник").
RU_WEEKDAYS_ON = ["в понедельник", "во вторник", "в среду", "в четверг", "в пятницу",
                  "в субботу", "в воскресенье"]


def describe(when: When, lang: str, now: datetime) -> str:
    """Says a parsed moment back, the way the user would write it.

    The day and the time of day are CLDR's (``bot.texts.cldr``); "today", "yesterday"
    and "the day before yesterday" are words of our own, as is the Russian "в понедельник".

    Args:
        when: the moment, in the user's time zone.
        lang: ru, nb, fr, it or en (another code gets English).
        now: the current time in the user's time zone, for "today" and "yesterday".

    Returns:
        For example "yesterday at 10:05 PM", "hier à 22:05", "ieri alle 22:05",
        "i går kl. 22:05", "вчера в 22:05", "Monday, November 16 at 9:30 AM",
        "в понедельник, 16 ноября, в 09:30", or the day alone when no time was given.
        ``parse_when`` reads it back to the same moment.
    """
    lang = lang if lang in LANGUAGES else "en"
    back = (now.date() - when.day).days
    other_year = when.day.year != now.year
    if 0 <= back <= 2:
        day = RELATIVE_DAYS[lang][back]
    elif lang == "ru":
        day = f"{RU_WEEKDAYS_ON[when.day.weekday()]}, " + format_day(
            when.day, lang, weekday=False, year=other_year)
        if when.at is not None:
            day += ","
    else:
        day = format_day(when.day, lang, year=other_year)
    if when.at is None:
        return day
    return at_time(day, format_clock(when.at, lang), lang)
