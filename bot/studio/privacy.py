"""Masks personal data in what users typed before an editor sees it.

``mask_personal_data`` replaces, in this order (an e-mail's digits are never a phone):

- e-mail addresses -> ``[email]``;
- card-like numbers, 13-19 digits in one run or grouped by single spaces/dashes ->
  ``[card]``. By digit count, not the Luhn check: a mistyped card number fails Luhn yet
  is still almost the whole card, and masking an order number by mistake costs nothing;
- phone numbers -> ``[phone]``: "+"/"00" international numbers of 7-15 digits, and local
  ones of 8-12 digits in one run or 7-12 digits in groups ("8 (912) 345-67-89",
  "06 12 34 56 78", "333 123 4567", "123-45-67"). Not short numbers ("error 1001",
  "P1"), versions ("5.17.2"), times ("14:30"), dates ("2024-03-15", "15.03.2024"),
  IPv4 addresses or amounts next to a currency ("12 500 kr", "1 299,00 €");
- the name after a self-introduction in the five languages ("my name is", "I'm called",
  "меня зовут", "jeg heter", "je m'appelle", "mi chiamo", ...) -> ``[name]``; after the
  weaker "this is" / "dette er" / "c'est" / "sono" / "это" only capitalised words at the
  start of the message or after a greeting ("Hi, this is John Smith").

Over-masking is preferred to a leak; the rules are deliberately simple regular
expressions, no model.
"""

from __future__ import annotations

import re
from typing import List, Match

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
CARD_MASK = "[card]"
NAME_MASK = "[name]"
MAX_NAME_WORDS = 3

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits, single spaces or dashes between them; not part of a longer number. No
# card number starts with 0, and "0039 02 1234 5678" is a phone.
_CARD = re.compile(r"(?<![\w+])[1-9][ -]?(?:\d[ -]?){11,17}\d(?![\w])")
# Groups of digits separated by one space, dot or dash, optionally parenthesised.
_PHONE = re.compile(
    r"(?<![\w.,:/])(?:\+|\b00)?\(?\d{1,5}\)?(?:[ .\-]?\(?\d{1,5}\)?){0,6}(?![\w]|[.,:/]\d)")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_CURRENCY = re.compile(
    r"^\s*(?:kr|nok|eur|usd|rub|€|\$|£|₽|euro|dollar|руб|р\.)"
    r"|(?:kr|nok|eur|usd|rub|€|\$|£|₽)\s*$", re.IGNORECASE)

# Phrases after which the next words are a name in any case ("меня зовут иван").
_STRONG_INTRO = re.compile(
    r"\b(?:my\s+name\s+is|my\s+name's|i'm\s+called|i\s+am\s+called|call\s+me"
    r"|меня\s+зовут|моё\s+имя|мое\s+имя|зовут\s+меня"
    r"|jeg\s+heter|mitt\s+navn\s+er|navnet\s+mitt\s+er"
    r"|je\s+m['’]appelle|mon\s+nom\s+est|moi\s+c['’]est"
    r"|mi\s+chiamo|il\s+mio\s+nome\s+è)(?=\s)", re.IGNORECASE)
# "This is"-like phrases: only at the start or after a greeting, and capitalised words.
_WEAK_INTRO = re.compile(
    r"(?:^|\b(?:hi|hello|hey|good\s+morning|hei|hallo|god\s+morgen|bonjour|salut"
    r"|ciao|buongiorno|salve|привет|здравствуйте|добрый\s+день)[,!.]?\s+)"
    r"(?:this\s+is|it's|dette\s+er|det\s+er|her\s+er|c['’]est|ici|sono|qui\s+è|это)(?=\s)",
    re.IGNORECASE)
# "I am"-like phrases anywhere, followed by capitalised words only ("I am Dana Brooks",
# "je suis Marie"; not "I am unable", "jeg er ikke"): a name the user gives unasked.
_SELF_INTRO = re.compile(
    r"\b(?:i\s+am|i['’]m|je\s+suis|jeg\s+er|io\s+sono|sono|я)(?=\s)", re.IGNORECASE)
_WORD = re.compile(r"\s+([^\W\d_][\w'’-]*)")
# Words that follow "my name is" but are no name ("my name is not shown"), and the
# function words that end a lower-case name ("меня зовут иван и ...").
_NOT_NAMES = frozenset("""
a an the and or but not no wrong incorrect missing misspelled spelled shown showing
displayed different still also now changed in on at from for with i is was
og men ikke feil vist med på i er jeg det
et ou mais pas mal faux affiché le la les de du avec je est sur
e o ma non sbagliato errato il lo la di con su è
и а но не неправильно неверно отображается с в на я это
""".split())


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def _mask_phone(match: Match[str]) -> str:
    """Replaces one digit run by ``[phone]`` when it reads as a phone number."""
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if text.startswith(("+", "00")):
        return PHONE_MASK if 7 <= digits <= 15 else text
    if _DATE.fullmatch(text) or _IPV4.fullmatch(text):
        return text
    before = match.string[max(0, match.start() - 6):match.start()]
    after = match.string[match.end():match.end() + 6]
    if _CURRENCY.search(before) or _CURRENCY.search(after):
        return text
    if text.isdigit():
        return PHONE_MASK if 8 <= digits <= 12 else text
    groups = re.findall(r"\d+", text)
    if "." in text and any(len(g) < 2 or len(g) > 4 for g in groups):
        return text  # a version or build number ("10.0.19045.2965")
    return PHONE_MASK if 7 <= digits <= 12 else text


def _name_end(text: str, start: int, any_case: bool) -> int:
    """Where the name that starts at ``start`` ends; ``start`` when there is none."""
    end = start
    words = 0
    first_capitalised = False
    while words < MAX_NAME_WORDS:
        match = _WORD.match(text, end)
        if not match:
            break
        word = match.group(1)
        if word.casefold() in _NOT_NAMES:
            break
        capitalised = _is_capitalised(word)
        if words == 0:
            if not (capitalised or any_case):
                break
            first_capitalised = capitalised
        elif first_capitalised and not capitalised:
            break  # "My name is John and ...": the name is the capitalised words
        end = match.end()
        words += 1
    return end


def _mask_names(text: str) -> str:
    spans: List[tuple[int, int]] = []
    for pattern, any_case in ((_STRONG_INTRO, True), (_WEAK_INTRO, False),
                              (_SELF_INTRO, False)):
        for match in pattern.finditer(text):
            end = _name_end(text, match.end(), any_case)
            if end > match.end():
                spans.append((match.end(), end))
    # One mask per name: "I'm called Ann" is found by two phrases.
    spans = [span for span in set(spans)
             if not any(o != span and o[0] <= span[0] and span[1] <= o[1] for o in spans)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + NAME_MASK + text[end:]
    return text


def phone_numbers(text: str) -> List[str]:
    """The phone numbers ``mask_personal_data`` masks, as digits (``+`` for ``+``/``00``).

    Used to compare the numbers an article gives in each language.
    """
    found = []
    for match in _PHONE.finditer(text):
        if _mask_phone(match) != PHONE_MASK:
            continue
        raw = match.group(0)
        digits = re.sub(r"\D", "", raw)
        if raw.startswith("00"):
            found.append("+" + digits[2:])
        else:
            found.append(("+" if raw.startswith("+") else "") + digits)
    return found


def mask_personal_data(text: str) -> str:
    """Masks e-mails, card-like numbers, phone numbers and introduced names.

    Args:
        text: a message as the user typed it (any of the five languages).

    Returns:
        The text with each personal item replaced by ``[email]``, ``[card]``,
        ``[phone]`` or ``[name]``; everything else unchanged.
    """
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _CARD.sub(CARD_MASK, text)
    text = _PHONE.sub(_mask_phone, text)
    return _mask_names(text)
