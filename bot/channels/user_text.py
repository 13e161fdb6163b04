"""One normal form for what users type: NFKC, no invisible characters, single spaces.

The help-center channel normalises every message once, before Rasa sees it, so that
NLU, the knowledge-base search and the forms all read the same text:

- Unicode NFKC: full-width letters and digits, ligatures and compatibility spaces become
  their ordinary forms; decomposed accents are composed (``e`` + U+0301 becomes ``é``).
- Invisible characters are removed: format characters (category Cf: zero-width space
  and joiners, BOM, soft hyphen, bidi controls, word joiner, tag characters), control
  characters, lone surrogates, noncharacters, every Default_Ignorable_Code_Point
  (variation selectors, Hangul fillers, combining grapheme joiner...), blank
  "visible" fillers such as U+2800 BRAILLE PATTERN BLANK, and combining marks with no
  letter to sit on.
- Emoji are kept exactly as sent, never NFKC-folded: ZWJ sequences (👩‍💻), skin tones
  (👍🏽), keycaps (1️⃣), flags (🇳🇴, 🏴 tag sequences) and the U+FE0F in ❤️.
- Runs of whitespace (NBSP, ideographic space, tabs...) become one space, or one line
  break when the run contained a line break; the ends are trimmed.

Nothing here is heavy: ``regex`` (already a Rasa dependency) gives grapheme clusters
and the Unicode emoji properties that ``unicodedata`` lacks.
"""

from __future__ import annotations

import re
import unicodedata
from typing import List

import regex

# Blank characters that render as nothing but are neither Cf nor Default_Ignorable.
BLANK_FILLERS = frozenset({
    "\u2800",      # BRAILLE PATTERN BLANK
    "\U0001d159",  # MUSICAL SYMBOL NULL NOTEHEAD
})
ZWJ = "\u200d"
VARIATION_SELECTORS = frozenset({"\ufe0e", "\ufe0f"})
KEYCAP = "\u20e3"
BLACK_FLAG = "\U0001f3f4"  # the base of subdivision flags (tag sequences)
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")

_CLUSTER = regex.compile(r"\X")
_EMOJI_CLUSTER = regex.compile(
    r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20e3]")
_PICTOGRAPHIC = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}]")
_DEFAULT_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
_WHITESPACE = re.compile(r"\s+")

# Dashes people (or word processors) put in IDs instead of "-".
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_DASH_TABLE = str.maketrans({dash: "-" for dash in DASHES})
# Cyrillic and Greek letters that look exactly like Latin ones (a Russian keyboard
# layout typing an ID such as "3F2А-91КD").
LATIN_LOOKALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ѕ": "S", "І": "I", "Ј": "J",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "к": "k",
    "ѕ": "s", "і": "i", "ј": "j",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o",
})


def is_invisible(char: str) -> bool:
    """Whether one code point renders as nothing (and carries no meaning in a message).

    Whitespace is not "invisible" here: it separates words and is collapsed instead.

    Args:
        char: a single code point.

    Returns:
        True for format and control characters, lone surrogates, noncharacters,
        Default_Ignorable_Code_Points and blank fillers such as U+2800.
    """
    if char.isspace():
        return False
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Cs"):
        return True
    code = ord(char)
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:  # noncharacters
        return True
    return char in BLANK_FILLERS or _DEFAULT_IGNORABLE.match(char) is not None


def _clean_emoji(cluster: str) -> str:
    """An emoji cluster minus stray invisibles; its ZWJs, selectors, tags and keycap stay."""
    kept: List[str] = []
    for position, char in enumerate(cluster):
        previous = kept[-1] if kept else ""
        following = cluster[position + 1] if position + 1 < len(cluster) else ""
        if char == ZWJ:
            keep = (bool(previous) and not previous.isspace() and previous != ZWJ
                    and _PICTOGRAPHIC.match(following) is not None)
        elif char in VARIATION_SELECTORS:
            keep = (bool(previous) and not previous.isspace()
                    and previous not in VARIATION_SELECTORS and previous != ZWJ)
        elif 0xE0020 <= ord(char) <= 0xE007F:  # tag characters: only in 🏴 subdivision flags
            keep = cluster.startswith(BLACK_FLAG)
        else:
            keep = char == KEYCAP or not is_invisible(char)
        if keep:
            kept.append(char)
    return "".join(kept)


def _clean_text(run: str) -> str:
    """A run of ordinary text: NFKC, without invisible characters.

    Invisibles go before NFKC too, so that an accent split from its letter by a
    zero-width space is still composed (and a second pass changes nothing).
    """
    visible = "".join(char for char in run if not is_invisible(char))
    folded = unicodedata.normalize("NFKC", visible)
    kept: List[str] = []
    for char in folded:
        # NFKC can map a visible-looking filler to an invisible one (U+3164 -> U+1160);
        # a combining mark with no letter to sit on (at the start, after a space) shows
        # nothing either.
        if is_invisible(char) or (unicodedata.category(char).startswith("M")
                                  and (not kept or kept[-1].isspace())):
            continue
        kept.append(char)
    return "".join(kept)


def _collapse(match: re.Match[str]) -> str:
    return "\n" if any(char in LINE_BREAKS for char in match.group()) else " "


def normalize(text: str) -> str:
    """The normal form of a user's message (see the module docstring).

    Args:
        text: what the client sent, any Unicode.

    Returns:
        The text in NFKC (emoji untouched), without invisible characters, with single
        spaces (or single line breaks) and no surrounding whitespace. An empty string
        means the message had nothing visible in it.
    """
    parts: List[str] = []
    run: List[str] = []
    for cluster in _CLUSTER.findall(text):
        if _EMOJI_CLUSTER.search(cluster):
            parts.append(_clean_text("".join(run)))
            run = []
            parts.append(_clean_emoji(cluster))
        else:
            run.append(cluster)
    parts.append(_clean_text("".join(run)))
    return _WHITESPACE.sub(_collapse, "".join(parts)).strip()


def fold_dashes(text: str) -> str:
    """Replaces hyphen and dash look-alikes (U+2010..U+2015, U+2212...) with "-"."""
    return text.translate(_DASH_TABLE)


def fold_latin_lookalikes(text: str) -> str:
    """Replaces Cyrillic and Greek letters that look like Latin ones with the Latin letter.

    Only for codes that are Latin by definition (request IDs); never for prose.
    """
    return text.translate(LATIN_LOOKALIKES)
