"""bot.channels.user_text: one normal form for typed text; invisibles out, emoji kept."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.channels.user_text import (
    fold_dashes,
    fold_latin_lookalikes,
    is_invisible,
    normalize,
)

SENTENCES = {
    "ru": "Ёжик в тумане: не могу включить звук, всё «тихо». Подскажите, пожалуйста!",
    "nb": "Jeg får ikke delt skjermen på møtet – lyden er også borte. Blåbær, æøå ÆØÅ.",
    "fr": "L'écran reste noir ; où est l’option « Partager » ? Ça m'énerve, à vrai dire.",
    "it": "Perché l'audio non funziona più? È già la terza volta, però c’è speranza.",
    "en": "My mic doesn't work — it's muted and I can't unmute it. Thanks!",
}
EMOJI = ["👩‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🧑🏿‍🚀", "👍🏽", "✌🏻", "1️⃣", "#️⃣", "🇳🇴", "🇷🇺",
         "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️", "☺️", "ℹ️", "™️", "🫠", "😀"]
INVISIBLE = {
    "zero width space": "\u200b", "zero width non-joiner": "\u200c",
    "zero width joiner": "\u200d", "left-to-right mark": "\u200e",
    "right-to-left mark": "\u200f", "right-to-left override": "\u202e",
    "pop directional formatting": "\u202c", "first strong isolate": "\u2068",
    "word joiner": "\u2060", "invisible times": "\u2062", "function application": "\u2061",
    "byte order mark": "\ufeff", "soft hyphen": "\u00ad", "combining grapheme joiner": "\u034f",
    "arabic letter mark": "\u061c", "mongolian vowel separator": "\u180e",
    "mongolian free variation selector": "\u180b", "khmer vowel inherent": "\u17b4",
    "hangul choseong filler": "\u115f", "hangul jungseong filler": "\u1160",
    "hangul filler": "\u3164", "halfwidth hangul filler": "\uffa0",
    "braille pattern blank": "\u2800", "musical null notehead": "\U0001d159",
    "musical begin beam": "\U0001d173", "variation selector 16": "\ufe0f",
    "variation selector 15": "\ufe0e", "variation selector 17": "\U000e0100",
    "tag space": "\U000e0020", "tag latin a": "\U000e0041", "cancel tag": "\U000e007f",
    "interlinear annotation": "\ufff9", "shorthand format letter overlap": "\U0001bca0",
    "null": "\x00", "bell": "\x07", "delete": "\x7f", "lone surrogate": "\udc00",
    "noncharacter": "\ufdd0", "noncharacter ffff": "\uffff",
}


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_every_invisible_character_is_removed(char):
    assert is_invisible(char)
    assert normalize(char) == ""
    assert normalize(f"{char} {char}\u00a0{char}") == ""


@pytest.mark.parametrize("lang", SENTENCES)
def test_text_in_the_five_languages_is_already_normal(lang):
    assert normalize(SENTENCES[lang]) == SENTENCES[lang]
    assert not any(is_invisible(char) for char in SENTENCES[lang])


@pytest.mark.parametrize("lang", SENTENCES)
def test_decomposed_accents_are_composed(lang):
    # ё, й, å, é, è... sent as letter + combining mark come out as one letter.
    decomposed = unicodedata.normalize("NFD", SENTENCES[lang])
    assert normalize(decomposed) == SENTENCES[lang]


@pytest.mark.parametrize("lang", SENTENCES)
@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisibles_inside_words_vanish_without_trace(lang, char):
    sentence = SENTENCES[lang]
    sprinkled = char + char.join(sentence[:12]) + sentence[12:] + char
    assert normalize(sprinkled) == sentence


@pytest.mark.parametrize("emoji", EMOJI)
@pytest.mark.parametrize("lang", SENTENCES)
def test_emoji_sequences_survive_intact(emoji, lang):
    text = f"{SENTENCES[lang]} {emoji}{emoji} {emoji}"
    assert normalize(text) == text
    assert normalize(emoji) == emoji


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("👍\u200b", "👍"), ("\u200d👍", "👍"), ("👍\u200d", "👍"), ("👍\ufe0f\ufe0f", "👍\ufe0f"),
        ("👩\u200d\u200d💻", "👩💻"), ("\ufe0f👍", "👍"), ("x\U000e0041\U000e0042y", "xy"),
        ("1\ufe0f", "1"), ("ok\ufe0f", "ok"), ("🇳\u200b🇴", "🇳🇴"),
    ],
)
def test_stray_joiners_and_selectors_around_emoji_go(sent, kept):
    assert normalize(sent) == kept


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("\u0301", ""), (" \u0301\u0308 ", ""), ("a \u0301b", "a b"), ("\u20dd", ""),
     ("a\u200b\u0301", "á"), ("е\u0308лка", "ёлка"), ("हिन्दी", "हिन्दी")],
)
def test_combining_marks_need_a_letter_to_sit_on(sent, kept):
    assert normalize(sent) == kept


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("ｈｅｌｌｏ　ｗｏｒｌｄ", "hello world"),        # full-width letters, ideographic space
        ("Ｚｏｏｍ１２３", "Zoom123"),
        ("ﬁle ﬂow", "file flow"),                    # ligatures
        ("m²", "m2"),
        ("Ⅻ", "XII"),
        ("＂／help＂", '"/help"'),
        ("a\u00a0b\u202fc\u2007d\u205fe", "a b c d e"),  # no-break, narrow, figure spaces
        ("\u3164hi\u3164", "hi"),                    # NFKC turns U+3164 into U+1160: still out
    ],
)
def test_compatibility_forms_become_ordinary_ones(sent, expected):
    assert normalize(sent) == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("  a \t\t b  ", "a b"),
        ("a\u2003\u2003b", "a b"),
        ("one\r\n\r\ntwo", "one\ntwo"),
        ("one \n \n two", "one\ntwo"),
        ("one\u2028two\u2029three", "one\ntwo\nthree"),
        ("a \u200b b", "a b"),
        ("\n\n a \n\n", "a"),
    ],
)
def test_whitespace_runs_collapse(sent, expected):
    assert normalize(sent) == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("3F2A\u20119 1KD", "3F2A-9 1KD"), ("a\u2010b\u2012c\u2013d\u2014e\u2015f", "a-b-c-d-e-f"),
        ("x\u2212y", "x-y"), ("x\ufe63y\uff0dz", "x-y-z"),
    ],
)
def test_dash_lookalikes_fold_to_hyphen_minus(sent, expected):
    assert fold_dashes(sent) == expected


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("3F2А-91КD", "3F2A-91KD"), ("АВЕКМНОРСТХ", "ABEKMHOPCTX"), ("ΑΒΕΚΜ7", "ABEKM7"),
     ("ok", "ok")],
)
def test_latin_lookalikes_fold_to_latin(sent, expected):
    assert fold_latin_lookalikes(sent) == expected


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalize(text)
    assert normalize(once) == once
    assert once == once.strip() and "  " not in once


# Characters whose neighbours change how they are read: marks, joiners, selectors, tags.
SOUP = list("aé ё\n/") + [
    "\u0301", "\u0903", "क", "\u200b", "\u200d", "\ufe0f", "\u20e3", "👩", "💻", "🏽", "🇳",
    "🏴", "\U000e0067", "\U000e007f", "1", "\u3164", "\u2800", "\u00a0", "\uff41", "\u00ad",
    "\u202e",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=10).map("".join))
@example("e\u200b\u0301")  # the accent must meet its letter in the first pass already
@example(" \ufe0f\u20e3")  # a keycap without its digit
def test_normalising_emoji_soup_twice_changes_nothing(text):
    once = normalize(text)
    assert normalize(once) == once
