"""Validation of the problem report form's answers (pure functions, five languages)."""

from __future__ import annotations

import re
from typing import Dict, Iterable, Optional, Tuple

from rapidfuzz import fuzz

from bot.channels.user_text import fold_dashes, fold_latin_lookalikes, normalize
from kb_index.normalize import fold_accents

PRODUCTS = ("video_quality", "phone", "chat", "webinar", "other")
NO_REQUEST_ID = "none"

# Accent-folded word beginnings that name each product, in all five languages.
PRODUCT_STEMS = {
    "video_quality": ["video", "bilde", "kamera", "camera", "image", "immagin", "picture",
                      "webcam", "видео", "камер", "изображен", "картин"],
    "phone": ["phone", "telefon", "telephon", "call", "appel", "chiamat", "samtal", "anrop",
              "телефон", "звон"],
    "chat": ["chat", "tchat", "messag", "melding", "messaggi", "чат", "сообщен", "перепис"],
    "webinar": ["webinar", "webinaire", "nettseminar", "seminar", "event", "evenement",
                "arrangement", "вебинар", "мероприят"],
    "other": ["other", "else", "none", "annet", "annen", "ingen", "autre", "aucun", "rien",
              "altr", "nessun", "друг", "проч", "ничего", "иное"],
}
YES = {"yes", "y", "yeah", "yep", "sure", "ok", "okay", "да", "ага", "конечно", "можно",
       "ja", "javisst", "gjerne", "oui", "ouais", "d'accord", "si", "certo", "va bene"}
NO = {"no", "nope", "нет", "не надо", "нельзя", "nei", "ikke", "non", "pas question",
      "no grazie", "non voglio", "no thanks", "nei takk", "non merci"}
SKIP = {"skip", "none", "no", "n/a", "-", "пропустить", "нет", "нету", "hopp over", "nei",
        "ingen", "passer", "non", "aucun", "salta", "nessuno", "no id"}
REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,63}$")
REQUEST_ID_PART = re.compile(r"[A-Za-z0-9]{2,16}")
# Longest labels first ("id" alone would eat the start of "identifiant"), and a label is
# followed by ":", "#" or a space, so an ID that starts with "ID" keeps it.
REQUEST_ID_LABEL = re.compile(r"^(?:request\s*id|forespørsels-id|identifiant|"
                              r"идентификатор(?:\s+запроса)?|id\s+richiesta|id)"
                              r"(?:\s*[:#]\s*|\s+)", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower case without accents (the KB's folding), single spaces, no end punctuation."""
    return re.sub(r"\s+", " ", fold_accents(text.lower())).strip(" .!?")


def match_product(answer: str) -> Optional[str]:
    """Maps an answer (a button's code or the user's words) to a product code.

    Each word is compared with the beginnings of product words, so inflected forms
    ("звонков", "meldingene", "webinaires") match, and so do compounds
    ("skytelefonen"); a near miss of 85% still counts, for
    typos. The product with the most matching words wins.
    """
    folded = fold(answer)
    if folded.replace(" ", "_") in PRODUCTS:
        return folded.replace(" ", "_")
    votes: Dict[str, float] = {}
    for word in re.findall(r"\w+", folded):
        for product, stems in PRODUCT_STEMS.items():
            for stem in stems:
                if word.startswith(stem):
                    score = 1.0
                elif len(stem) >= 4 and stem in word:  # compounds: "skytelefonen"
                    score = 0.75
                elif len(word) >= 4 and fuzz.ratio(stem, word[:len(stem)]) >= 85:
                    score = 0.5
                else:
                    continue
                votes[product] = max(votes.get(product, 0.0), 0.0) + score
                break
    if not votes:
        return None
    best = max(votes.values())
    winners = [product for product, score in votes.items() if score == best]
    return winners[0] if len(winners) == 1 else None


# Typed button titles: a typo of one letter in five still counts ("Anet", "Telefno").
BUTTON_TITLE_MIN_RATIO = 80.0
# Below this length a title must be typed exactly (folded): "Ja" is not "Jo".
BUTTON_TITLE_FUZZY_FROM = 4


def match_button(answer: str, buttons: Iterable[Tuple[str, str]]) -> Optional[str]:
    """The payload of the offered button whose title the user typed instead of clicking.

    Titles and answer are compared folded (case, accents, end punctuation, quotes), and a
    close typo counts for titles of ``BUTTON_TITLE_FUZZY_FROM`` letters or more. The
    whole answer must be the title: "annet" is the "Annet" button, "annet problem med
    lyden" is not.

    Args:
        answer: what the user typed.
        buttons: ``(title, payload)`` pairs, the conversation language's first; when two
            titles fit equally well, the first one wins.

    Returns:
        The matching button's payload, or None.
    """
    typed = fold(answer.strip(" \t\"'«»“”„"))
    if not typed:
        return None
    best: Optional[Tuple[float, str]] = None
    for title, payload in buttons:
        folded = fold(title)
        if typed == folded:
            return payload
        if min(len(typed), len(folded)) < BUTTON_TITLE_FUZZY_FROM:
            continue
        score = fuzz.ratio(typed, folded)
        if score >= BUTTON_TITLE_MIN_RATIO and (best is None or score > best[0]):
            best = (score, payload)
    return best[1] if best else None


def yes_or_no(answer: str) -> Optional[bool]:
    """Reads a yes/no answer in any of the five languages."""
    folded = fold(answer)
    if folded in YES:
        return True
    if folded in NO:
        return False
    return None


def request_id(answer: str) -> Optional[str]:
    """A request ID, ``NO_REQUEST_ID`` for "skip", or None when it is not one.

    What was typed is read the way it looks: NFKC and no invisible characters
    (full-width "３Ｆ２Ａ" is 3F2A), every dash look-alike (U+2010..U+2015, U+2212,
    full-width...) is "-"; in an answer with a digit, Cyrillic or Greek letters that look
    Latin are Latin ("3F2А-91КD" typed on a Russian layout), and parts kept apart by
    (non-breaking) spaces that each hold a digit are joined with "-" ("3F2A 91KD").
    """
    text = fold_dashes(normalize(answer))
    cleaned = REQUEST_ID_LABEL.sub("", text).strip()
    if fold(cleaned) in SKIP:
        return NO_REQUEST_ID
    if any(char.isdigit() for char in cleaned):
        cleaned = fold_latin_lookalikes(cleaned)
        parts = cleaned.split(" ")
        if len(parts) > 1 and all(REQUEST_ID_PART.fullmatch(part)
                                  and any(char.isdigit() for char in part) for part in parts):
            cleaned = "-".join(parts)
    return cleaned.upper() if REQUEST_ID.match(cleaned) else None


def description_blank(answer: str) -> bool:
    """Whether a description has nothing visible (only spaces or invisible characters)."""
    return not normalize(answer)


def description_ok(answer: str) -> bool:
    """A description needs a few words, not just "help".

    Counted on the normalised text: at least two words holding a letter or digit and
    8 characters; invisible characters and lone punctuation are no words.
    """
    text = normalize(answer)
    words = [word for word in text.split() if any(char.isalnum() for char in word)]
    return len(words) >= 2 and len(text) >= 8
