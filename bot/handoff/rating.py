"""Reads a 1-5 satisfaction rating from what the user typed (pure, five languages).

After a live agent resolves a ticket the assistant asks "from 1 to 5?". People answer
with a digit ("4", "4/5", "3 sur 5"), with stars ("⭐⭐⭐", "★★★☆☆") or with words, and
number words change with gender and case: "una stella", "une étoile", "én stjerne",
"одну звезду", "две звезды". ``rating_in_text`` finds such a rating and stays quiet when
there is none, so a question typed instead of a rating is answered as a question.

A number word that is also an article or pronoun ("un", "una", "en", "ei", "one",
"одна") counts only when nothing but a star word or punctuation follows it, or with
"out of 5": "una stella" is 1, "una domanda" is no rating. Other number words count
also as the reply's first word ("deux, bof").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, List, Optional, Tuple

from kb_index.normalize import fold_accents

LANGUAGES = ("ru", "nb", "fr", "it", "en")
FILLED_STARS = ("⭐", "★", "🌟")


@dataclass(frozen=True)
class RatingWords:
    """One language's words for ratings (accent-folded, lower case).

    Attributes:
        numbers: number words 1-5 in every gender and case that answers "from 1 to 5".
        articles: the number words that are also articles or pronouns (weak evidence).
        grades: words that only ever name a grade ("пятёрку", "firer"): a rating
            wherever they stand.
        star_stems: beginnings of "star" and "point" words.
        out_of: the words of "out of" ("4 out of 5", "3 sur 5").
        units: beginnings of counted nouns after which a digit is no rating ("2 hours").
    """

    numbers: Dict[str, int]
    articles: FrozenSet[str]
    grades: Dict[str, int]
    star_stems: Tuple[str, ...]
    out_of: Tuple[str, ...]
    units: Tuple[str, ...]


WORDS: Dict[str, RatingWords] = {
    "en": RatingWords(
        numbers={"one": 1, "two": 2, "three": 3, "four": 4, "five": 5},
        articles=frozenset({"one"}),
        grades={},
        star_stems=("star", "point"),
        out_of=("out of", "of", "/"),
        units=("min", "hour", "hr", "day", "week", "time", "question", "ticket", "call"),
    ),
    "fr": RatingWords(
        numbers={"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5},
        articles=frozenset({"un", "une"}),
        grades={},
        star_stems=("etoile", "point"),
        out_of=("sur", "/"),
        units=("min", "heure", "jour", "semaine", "fois", "question", "appel"),
    ),
    "it": RatingWords(
        numbers={"uno": 1, "una": 1, "un": 1, "due": 2, "tre": 3, "quattro": 4,
                 "cinque": 5},
        articles=frozenset({"uno", "una", "un"}),
        grades={},
        star_stems=("stell", "punt", "voto"),
        out_of=("su", "/"),
        units=("min", "ora", "ore", "giorn", "settiman", "volt", "domand", "chiamat"),
    ),
    "nb": RatingWords(
        # "én" (with its accent) is the number, "en" also the article: see ``_tokens``.
        numbers={"en": 1, "ei": 1, "ett": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5},
        articles=frozenset({"en", "ei", "ett"}),
        grades={"ener": 1, "toer": 2, "treer": 3, "firer": 4, "femmer": 5},
        star_stems=("stjern", "poeng"),
        out_of=("av", "/"),
        units=("min", "time", "dag", "uke", "gang", "sporsmal", "samtal"),
    ),
    "ru": RatingWords(
        numbers={"один": 1, "одна": 1, "одну": 1, "одно": 1, "одной": 1, "одного": 1,
                 "два": 2, "две": 2, "двух": 2, "три": 3, "трех": 3, "четыре": 4,
                 "четырех": 4, "пять": 5, "пяти": 5},
        articles=frozenset({"один", "одна", "одну", "одно", "одной", "одного"}),
        # Folded like the text: "й" loses its breve ("двойку" -> "двоику").
        grades={fold_accents(word): value for word, value in {
            "единица": 1, "единицу": 1, "единичку": 1, "кол": 1,
            "двойка": 2, "двойку": 2, "двоечку": 2, "двояк": 2,
            "тройка": 3, "тройку": 3, "троечку": 3, "трояк": 3,
            "четвёрка": 4, "четвёрку": 4, "четвёрочку": 4,
            "пятёрка": 5, "пятёрку": 5, "пятёрочку": 5}.items()},
        star_stems=("звезд", "звезочк", "балл", "очк"),
        out_of=("из", "/"),
        units=("мин", "час", "ден", "дня", "дне", "недел", "раз", "вопрос", "звон"),
    ),
}
# Every language's "5", for "N out of 5".
FIVES = frozenset({"5", "five", "cinq", "cinque", "fem", "пяти", "пять"})
# Punctuation after a number that ends the rating ("4, thanks", "una!"); not "'" (the
# elision of "un'altra domanda") nor ":" or "." before a digit (times, decimals).
_TOKEN = re.compile(r"\w+|[^\w\s]")
_ENDS = frozenset(",;.!?)-–—…:")
_STRONG_ONE = frozenset({"én", "éin"})


def _fold(text: str) -> str:
    return fold_accents(text.lower())


def _tokens(text: str) -> List[str]:
    """Lower-case tokens, accents folded; the Norwegian number "én" keeps its accent."""
    return [token if token in _STRONG_ONE else _fold(token)
            for token in _TOKEN.findall(text.lower())]


def _number(token: str, words: RatingWords) -> Optional[int]:
    if token.isdigit():
        return int(token) if len(token) == 1 and 1 <= int(token) <= 5 else None
    if token in _STRONG_ONE:
        return 1
    return words.numbers.get(token)


def _is_star(token: Optional[str], words: RatingWords) -> bool:
    return token is not None and token.startswith(words.star_stems)


def _out_of_five(tokens: List[str], index: int, words: RatingWords) -> bool:
    """Whether "out of 5" ("of 5", "/5", "sur cinq", "из пяти") follows ``index``."""
    rest = " ".join(tokens[index + 1:index + 4])
    return any(rest.startswith(f"{connector} {five}")
               for connector in words.out_of for five in FIVES)


def _ends_after(tokens: List[str], index: int) -> bool:
    """Nothing, or a punctuation mark that is not part of a time or decimal, follows."""
    if index + 1 >= len(tokens):
        return True
    after = tokens[index + 1]
    if after not in _ENDS:
        return False
    follower = tokens[index + 2] if index + 2 < len(tokens) else ""
    return not (after in ".:," and follower.isdigit())


def _rating_with(tokens: List[str], words: RatingWords, strict: bool) -> Optional[int]:
    """The rating in ``tokens`` read with one language's words.

    ``strict`` (another language than the conversation's) keeps only the unambiguous
    forms: "N out of 5", a number before a star word, or a number alone.
    """
    words_only = [t for t in tokens if t not in _ENDS and t != "/"]
    for index, token in enumerate(tokens):
        value = _number(token, words)
        if value is not None and _out_of_five(tokens, index, words):
            return value
    if not strict:
        for token in tokens:
            if token in words.grades:
                return words.grades[token]
    digits: List[int] = []
    spelled: List[int] = []
    for index, token in enumerate(tokens):
        value = _number(token, words)
        if value is None:
            continue
        after = tokens[index + 1] if index + 1 < len(tokens) else None
        before = tokens[index - 1] if index else ""
        if _is_star(after, words) or words_only == [token]:
            (digits if token.isdigit() else spelled).append(value)
        elif strict:
            continue
        elif token.isdigit():
            # "4", "I'd give it a 4", "4 great job"; not "2 hours", "1.5", "P2", "1:30".
            glued = before in ".:," and index > 1 and tokens[index - 2].isdigit()
            unit = after is not None and after.startswith(words.units)
            if not glued and not unit and (after is None or after not in ".:,"
                                           or _ends_after(tokens, index)):
                digits.append(value)
        elif _ends_after(tokens, index) or (
                token not in words.articles and words_only[:1] == [token]):
            spelled.append(value)
    if digits or spelled:
        return (digits or spelled)[0]
    return None


def rating_in_text(text: str, lang: str) -> Optional[int]:
    """The 1-5 rating in a reply to "how satisfied are you, from 1 to 5?".

    Args:
        text: what the user typed.
        lang: the conversation language; its words are read first, other languages'
            only in their unambiguous forms ("one star" in a French conversation).

    Returns:
        The rating, or None when the reply holds none (a question, "thanks", six stars).
    """
    if not text or text.lstrip().startswith("/"):
        return None  # a button payload: its entities carry the rating
    tokens = _tokens(text)
    own = WORDS.get(lang, WORDS["en"])
    found = _rating_with(tokens, own, strict=False)
    if found is None:
        for other in LANGUAGES:
            if WORDS[other] is not own:
                found = _rating_with(tokens, WORDS[other], strict=True)
                if found is not None:
                    break
    if found is not None:
        return found
    stars = sum(text.count(star) for star in FILLED_STARS)
    return stars if 1 <= stars <= 5 else None
