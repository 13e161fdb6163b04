"""How people write a moment in each language, for the time parser's tests.

``clock_phrases`` renders (day, hour, minute) in every usual format of a language;
``ago_phrase`` renders "N minutes/hours ago" with digits or number words; ``expected``
says what the parser must answer, computed independently of the parser (UTC arithmetic,
the time zone's own DST rules).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Callable, Dict, List, Optional, Tuple, Union

from bot.escalation.time_parser import MAX_AGE, When

LANGUAGES = ("ru", "nb", "fr", "it", "en")

RELATIVE = {"en": ["today", "yesterday", "the day before yesterday"],
            "fr": ["aujourd'hui", "hier", "avant-hier"],
            "it": ["oggi", "ieri", "l'altro ieri"],
            "nb": ["i dag", "i går", "i forgårs"],
            "ru": ["сегодня", "вчера", "позавчера"]}
MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
           "september", "oktober", "november", "desember"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"],
}
# Day with a part of the day: (back, part) -> words. Parts: morning, afternoon, evening.
DAY_PARTS = {
    "en": {0: {"morning": "this morning", "afternoon": "this afternoon",
               "evening": "this evening"},
           1: {"morning": "yesterday morning", "afternoon": "yesterday afternoon",
               "evening": "yesterday evening"}},
    "fr": {0: {"morning": "ce matin", "afternoon": "cet après-midi", "evening": "ce soir"},
           1: {"morning": "hier matin", "afternoon": "hier après-midi",
               "evening": "hier soir"}},
    "it": {0: {"morning": "stamattina", "afternoon": "oggi pomeriggio",
               "evening": "stasera"},
           1: {"morning": "ieri mattina", "afternoon": "ieri pomeriggio",
               "evening": "ieri sera"}},
    "nb": {0: {"morning": "i morges", "afternoon": "i ettermiddag", "evening": "i kveld"},
           1: {"morning": "i går morges", "afternoon": "i går ettermiddag",
               "evening": "i går kveld"}},
    "ru": {0: {"morning": "сегодня утром", "afternoon": "сегодня днём",
               "evening": "сегодня вечером"},
           1: {"morning": "вчера утром", "afternoon": "вчера днём",
               "evening": "вчера вечером"}},
}
# "at 9 in the evening": the part after the time.
PART_AFTER = {"en": {"morning": "in the morning", "afternoon": "in the afternoon",
                     "evening": "in the evening"},
              "fr": {"morning": "du matin", "afternoon": "de l'après-midi",
                     "evening": "du soir"},
              "it": {"morning": "di mattina", "afternoon": "del pomeriggio",
                     "evening": "di sera"},
              "nb": {"morning": "om morgenen", "afternoon": "på ettermiddagen",
                     "evening": "om kvelden"},
              "ru": {"morning": "утра", "afternoon": "дня", "evening": "вечера"}}

# Number words one to twelve (for hours the feminine/neuter form where the language needs it).
HOUR_WORDS = {
    "en": ["twelve", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve"],
    "fr": ["", "une", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
           "onze", "douze"],
    "it": ["", "una", "due", "tre", "quattro", "cinque", "sei", "sette", "otto", "nove",
           "dieci", "undici", "dodici"],
    "nb": ["", "ett", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve",
           "tolv"],
    "ru": ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять",
           "десять", "одиннадцать", "двенадцать"],
}


def part_of(hour: int) -> Optional[Tuple[str, int]]:
    """The part of the day that makes a 12-hour reading of ``hour`` unique, and that reading.

    Night hours (0-2) are left out: with a named day they are ambiguous on purpose.
    """
    if 3 <= hour <= 11:
        return "morning", hour
    if 12 <= hour <= 16:
        return "afternoon", 12 if hour == 12 else hour - 12
    if hour >= 17:
        return "evening", hour - 12
    return None


def ru_hours(n: int) -> str:
    """"час", "часа" or "часов" after the number ``n``."""
    if n % 10 == 1 and n % 100 != 11:
        return "час"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "часа"
    return "часов"


Format = Callable[[str, int, int, int], Optional[str]]


def _with_part(lang: str, template: Callable[[str, str, int, int], str]) -> Format:
    def render(day: str, back: int, hour: int, minute: int) -> Optional[str]:
        found = part_of(hour)
        if found is None or back not in DAY_PARTS[lang]:
            return None
        part, h12 = found
        return template(DAY_PARTS[lang][back][part], part, h12, minute)
    return render


def _part_after(lang: str, template: Callable[[str, str, int, int], str]) -> Format:
    def render(day: str, back: int, hour: int, minute: int) -> Optional[str]:
        found = part_of(hour)
        if found is None:
            return None
        part, h12 = found
        return template(day, PART_AFTER[lang][part], h12, minute)
    return render


def _on_the_hour(render: Callable[[str, int], str]) -> Format:
    return lambda day, back, hour, minute: render(day, hour) if minute == 0 else None


def _ampm(hour: int) -> Tuple[int, str]:
    return hour % 12 or 12, "am" if hour < 12 else "pm"


FORMATS: Dict[str, Dict[str, Format]] = {
    "en": {
        "24h": lambda d, b, h, m: f"{d} at {h}:{m:02d}",
        "24h padded, time first": lambda d, b, h, m: f"{h:02d}:{m:02d} {d}",
        "9:05 pm": lambda d, b, h, m: f"{d} at {_ampm(h)[0]}:{m:02d} {_ampm(h)[1]}",
        "9.05p.m.": lambda d, b, h, m: f"{d} {_ampm(h)[0]}.{m:02d}{_ampm(h)[1][0]}.m.",
        "9pm": _on_the_hour(lambda d, h: f"{d} {_ampm(h)[0]}{_ampm(h)[1].upper()}"),
        "nine pm": _on_the_hour(
            lambda d, h: f"{d} at {HOUR_WORDS['en'][_ampm(h)[0]]} {_ampm(h)[1]}"),
        "evening at 9": _with_part("en", lambda p, _, h, m: f"{p} at {h}:{m:02d}"),
        "9 in the evening": _part_after(
            "en", lambda d, p, h, m: f"{d} around {h}:{m:02d} {p}"),
    },
    "fr": {
        "21h05": lambda d, b, h, m: f"{d} à {h}h{m:02d}",
        "21 h 05": lambda d, b, h, m: f"{d} vers {h} h {m:02d}",
        "21h": _on_the_hour(lambda d, h: f"{d} à {h}h"),
        "21 h": _on_the_hour(lambda d, h: f"{d} vers {h} h"),
        "21:05": lambda d, b, h, m: f"{d} à {h}:{m:02d}",
        "21 heures 05": lambda d, b, h, m: f"{d} à {h} heures {m:02d}",
        "soir à 9h": _with_part("fr", lambda p, _, h, m: f"{p} à {h}h{m:02d}"),
        "9 heures du soir": _part_after("fr", lambda d, p, h, m: f"{d} à {h}h{m:02d} {p}"),
        "neuf heures": _on_the_hour(
            lambda d, h: f"{d} à {HOUR_WORDS['fr'][h]} heure{'s' if h > 1 else ''}"
            if 1 <= h <= 12 else f"{d} à {h} heures"),
    },
    "it": {
        "alle 21:05": lambda d, b, h, m: f"{d} alle {h}:{m:02d}",
        "alle 21": _on_the_hour(lambda d, h: f"{d} alle {h}"),
        "alle ore 21.05": lambda d, b, h, m: f"{d} alle ore {h}.{m:02d}",
        "verso le 21": lambda d, b, h, m: f"{d} verso le {h}:{m:02d}",
        "sera alle 9": _with_part("it", lambda p, _, h, m: f"{p} alle {h}:{m:02d}"),
        "alle 9 di sera": _part_after("it", lambda d, p, h, m: f"{d} alle {h}.{m:02d} {p}"),
        "alle nove": _on_the_hour(
            lambda d, h: (f"{d} all'una" if h == 1 else f"{d} alle {HOUR_WORDS['it'][h]}")
            if 1 <= h <= 12 else f"{d} alle {h}"),
    },
    "nb": {
        "kl. 21.05": lambda d, b, h, m: f"{d} kl. {h}.{m:02d}",
        "kl 21": _on_the_hour(lambda d, h: f"{d} kl {h}"),
        "klokka 21:05": lambda d, b, h, m: f"{d} klokka {h}:{m:02d}",
        "kl. 09.05": lambda d, b, h, m: f"{d} kl. {h:02d}.{m:02d}",
        "kveld kl 9": _with_part("nb", lambda p, _, h, m: f"{p} kl. {h}.{m:02d}"),
        "kl 9 om kvelden": _part_after("nb", lambda d, p, h, m: f"{d} rundt kl. {h}.{m:02d} {p}"),
        "klokka ni": _on_the_hour(
            lambda d, h: f"{d} klokka {HOUR_WORDS['nb'][h]}" if 1 <= h <= 12
            else f"{d} klokka {h}"),
    },
    "ru": {
        "в 21:05": lambda d, b, h, m: f"{d} в {h}:{m:02d}",
        "в 21": _on_the_hour(lambda d, h: f"{d} в {h}"),
        "около 21:05": lambda d, b, h, m: f"{d} около {h}:{m:02d}",
        "в 21 час": _on_the_hour(lambda d, h: f"{d} в {h} {ru_hours(h)}"),
        "вечером в 9": _with_part("ru", lambda p, _, h, m: f"{p} в {h}:{m:02d}"),
        "в 9 вечера": _part_after("ru", lambda d, p, h, m: (
            f"{d} в {h} {p}" if m == 0 else f"{d} в {h}:{m:02d} {p}")),
        "в девять часов": _on_the_hour(
            lambda d, h: f"{d} в {HOUR_WORDS['ru'][h]} {ru_hours(h)}" if 2 <= h <= 12
            else f"{d} в {h} {ru_hours(h)}"),
    },
}


def day_words(lang: str, back: int, day: date, style: str) -> str:
    """The day, ``back`` days before today: a relative word, or a date in some style."""
    if style == "relative":
        return RELATIVE[lang][back]
    if style == "iso":
        return day.isoformat()
    if style == "numeric":
        return f"{day.day}.{day.month}.{day.year}" if lang != "en" else f"{day.day}/{day.month}"
    month = MONTHS[lang][day.month - 1]
    return {"en": f"on {day.day} {month}", "fr": f"le {day.day} {month}",
            "it": f"il {day.day} {month}", "nb": f"{day.day}. {month}",
            "ru": f"{day.day} {month}"}[lang]


def clock_phrase(lang: str, fmt: str, back: int, hour: int, minute: int, day: date,
                 style: str = "relative") -> Optional[str]:
    """One way of writing the moment, or None when the format does not fit it."""
    return FORMATS[lang][fmt](day_words(lang, back, day, style), back, hour, minute)


UNIT_WORDS = {
    "en": {"minute": ("minute", "minutes"), "hour": ("hour", "hours")},
    "fr": {"minute": ("minute", "minutes"), "hour": ("heure", "heures")},
    "it": {"minute": ("minuto", "minuti"), "hour": ("ora", "ore")},
    "nb": {"minute": ("minutt", "minutter"), "hour": ("time", "timer")},
}
AGO = {"en": "{} ago", "fr": "il y a {}", "it": "{} fa", "nb": "for {} siden", "ru": "{} назад"}
# One, with the gender of the unit: "an hour", "une heure", "un'ora", "ett minutt".
ONE = {"en": {"minute": "a", "hour": "an"}, "fr": {"minute": "une", "hour": "une"},
       "it": {"minute": "un", "hour": "un'"}, "nb": {"minute": "ett", "hour": "en"}}
TENS = {"en": {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"},
        "fr": {20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante"},
        "it": {20: "venti", 30: "trenta", 40: "quaranta", 50: "cinquanta"},
        "nb": {20: "tjue", 30: "tretti", 40: "førti", 50: "femti"},
        "ru": {20: "двадцать", 30: "тридцать", 40: "сорок", 50: "пятьдесят"}}
TEENS = {"en": ["thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
                "nineteen"],
         "fr": ["treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"],
         "it": ["tredici", "quattordici", "quindici", "sedici", "diciassette", "diciotto",
                "diciannove"],
         "nb": ["tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten"],
         "ru": ["тринадцать", "четырнадцать", "пятнадцать", "шестнадцать", "семнадцать",
                "восемнадцать", "девятнадцать"]}
RU_FEMININE = {1: "одну", 2: "две"}


def number_word(lang: str, n: int, unit: str) -> str:
    """``n`` (1-59) in words, agreeing with the unit where the language wants it."""
    if n >= 20 and n % 10:
        ten, one = TENS[lang][n - n % 10], number_word(lang, n % 10, unit)
        return {"en": f"{ten}-{one}", "fr": f"{ten} et {one}" if n % 10 == 1 else f"{ten}-{one}",
                "it": (ten[:-1] if n % 10 in (1, 8) else ten) + ("uno" if n % 10 == 1 else one),
                "nb": f"{ten}{'en' if n % 10 == 1 else one}",
                "ru": f"{ten} {one}"}[lang]
    if n >= 20:
        return TENS[lang][n]
    if n >= 13:
        return TEENS[lang][n - 13]
    if lang == "ru" and unit == "minute" and n in RU_FEMININE:
        return RU_FEMININE[n]
    if lang == "ru" and n == 1:
        return "один"
    if n == 1:
        return {"en": "one", "fr": "une", "it": "uno" if unit == "minute" else "una",
                "nb": "ett" if unit == "minute" else "en"}[lang]
    return HOUR_WORDS[lang][n]


def ru_unit(n: int, unit: str) -> str:
    """"минуту/минуты/минут" or "час/часа/часов" after ``n``."""
    if unit == "hour":
        return ru_hours(n)
    if n % 10 == 1 and n % 100 != 11:
        return "минуту"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "минуты"
    return "минут"


def ago_phrase(lang: str, n: int, unit: str, words: bool) -> str:
    """"2 hours ago", "two hours ago", "tre ore fa", "for tre timer siden", "три часа назад"."""
    if lang == "ru":
        if n == 1 and words:
            amount = "час" if unit == "hour" else "минуту"
        else:
            amount = f"{number_word(lang, n, unit) if words else n} {ru_unit(n, unit)}"
        return AGO[lang].format(amount)
    singular, plural = UNIT_WORDS[lang][unit]
    if n == 1 and words:
        one = ONE[lang][unit]
        return AGO[lang].format(f"{one}{singular}" if one.endswith("'") else f"{one} {singular}")
    return AGO[lang].format(f"{number_word(lang, n, unit) if words else n} "
                            f"{singular if n == 1 else plural}")


Expected = Union[When, str]


def expected(now: datetime, day: date, hour: int, minute: int) -> Expected:
    """What parsing a moment must give: the When, or the WhenError code.

    Checked in UTC with the time zone's own rules: a wall-clock time skipped when the
    clocks went forward is invalid, one that happened twice is ambiguous.
    """
    zone = now.tzinfo
    naive = datetime.combine(day, time(hour, minute))
    first, second = naive.replace(tzinfo=zone), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        return "invalid_time" if back != naive else "ambiguous"
    moment = first.astimezone(timezone.utc)
    if moment > now.astimezone(timezone.utc) + timedelta(minutes=5):
        return "in_the_future"
    if now.astimezone(timezone.utc) - moment > MAX_AGE:
        return "too_long_ago"
    return When(day, time(hour, minute))


def formats(lang: str) -> List[str]:
    """The format names of a language."""
    return list(FORMATS[lang])
