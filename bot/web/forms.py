"""The help center's self-service forms: report abuse, a billing question, contact sales.

Plain HTML forms that work without JavaScript (the page's CSP allows no inline script):

- ``GET /{lang}/forms/{kind}`` renders the form; ``POST`` to the same address validates
  it on the server. On an error the form comes back with every value as typed and each
  error named beside its field, in an error summary at the top (links to the fields)
  and with ``aria-invalid``/``aria-describedby`` on the fields; nothing typed is lost.
- A valid form is stored through the assistant's unit of work
  (``bot.web.form_submissions``) and the browser is sent (303) to
  ``/{lang}/forms/{kind}/sent/{reference}``: the reference and what happens next.
- A POST is accepted only from the site's own pages: its ``Origin`` (or, without one,
  its ``Referer``) must be the site's own origin. Bodies over ``MAX_BODY_BYTES`` and
  other encodings than ``application/x-www-form-urlencoded`` are refused.

The texts are in ``bot/texts/forms.yml``; the forms' names are site labels
(``form_report_abuse``...) because the KB articles name them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Protocol, Tuple
from urllib.parse import parse_qsl, urlsplit

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Extra
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.user_text import normalize
from bot.web.form_submissions import FORM_KINDS
from kb_index.articles import LANGUAGES

TEXTS_FILE = Path(__file__).resolve().parents[1] / "texts" / "forms.yml"
# A form is a few kilobytes of text; the longest field allows 5,000 characters.
MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 50
MAX_USERS = 1_000_000
# The site label that names each form (the KB articles use the same name).
TITLE_LABELS = {"report-abuse": "form_report_abuse",
                "billing-discrepancy": "form_billing_discrepancy",
                "contact-sales": "form_contact_sales"}
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
# Eight digits or more in a row (spaces or dashes between them): a card number, not its end.
CARD_NUMBER = re.compile(r"\d(?:[ -]?\d){7,}")
NUMBER_SEPARATORS = re.compile(r"[\s.,'’]")
REFERENCE = re.compile(r"F-[A-Z0-9]{8}")


@dataclass(frozen=True)
class Field:
    """One field of a form.

    Attributes:
        name: the field's name (and, as ``f-{name}``, its id).
        kind: ``text``, ``textarea``, ``email``, ``tel``, ``count`` (a whole number of
            users) or ``payment`` (a payment method: never a full card number).
        required: whether it must be filled in.
        max_chars: the most characters it takes, after normalising.
        autocomplete: the HTML ``autocomplete`` token, if any.
    """

    name: str
    kind: str = "text"
    required: bool = False
    max_chars: int = 200
    autocomplete: str = ""


FIELDS: Dict[str, Tuple[Field, ...]] = {
    "report-abuse": (
        Field("description", "textarea", required=True, max_chars=5000),
        Field("when", required=True, max_chars=200),
        Field("meeting", max_chars=300),
        Field("person", max_chars=300),
        Field("evidence", "textarea", max_chars=3000),
        Field("name", autocomplete="name"),
        Field("email", "email", required=True, max_chars=254, autocomplete="email"),
    ),
    "billing-discrepancy": (
        Field("email", "email", required=True, max_chars=254, autocomplete="email"),
        Field("name", autocomplete="name"),
        Field("invoice_number", max_chars=100),
        Field("charge_date", required=True, max_chars=100),
        Field("amount_charged", required=True, max_chars=100),
        Field("amount_expected", max_chars=100),
        Field("payment_method", "payment", max_chars=100),
        Field("description", "textarea", required=True, max_chars=3000),
    ),
    "contact-sales": (
        Field("name", required=True, autocomplete="name"),
        Field("email", "email", required=True, max_chars=254, autocomplete="email"),
        Field("phone", "tel", max_chars=50, autocomplete="tel"),
        Field("company", required=True, autocomplete="organization"),
        Field("country", required=True, max_chars=100, autocomplete="country-name"),
        Field("users", "count", required=True, max_chars=20),
        Field("interests", "textarea", required=True, max_chars=3000),
    ),
}


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid


class FieldText(_Strict):
    """A field's label and the hint under it (empty: none)."""

    label: str
    hint: str = ""


class FormText(_Strict):
    """One form's texts in one language."""

    intro: str
    next: List[str]
    fields: Dict[str, FieldText]


class ErrorTexts(_Strict):
    """The error messages, one per kind of error."""

    required: str
    invisible: str
    email: str
    too_long: str
    number: str
    card_number: str


class CommonText(_Strict):
    """Texts every form shares."""

    required: str
    optional: str
    submit: str
    error_prefix: str
    error_item: str
    error_summary: str
    save_failed: str
    details: str
    open_form: str
    privacy: str
    sent_title: str
    reference: str
    reference_note: str
    next_title: str
    back_to_forms: str
    refused_title: str
    refused_text: str
    too_large: str
    open_again: str
    errors: ErrorTexts


class FormsText(_Strict):
    """Every form text of one language."""

    common: CommonText
    forms: Dict[str, FormText]


@lru_cache(maxsize=1)
def all_texts() -> Dict[str, FormsText]:
    """The forms' texts by language, checked: every language, form and field has its text.

    Raises:
        ValueError: a language, form or field is missing or unknown.
    """
    raw = yaml.safe_load(TEXTS_FILE.read_text(encoding="utf-8"))
    if sorted(raw) != sorted(LANGUAGES):
        raise ValueError(f"{TEXTS_FILE}: languages {sorted(raw)}, expected {sorted(LANGUAGES)}")
    texts = {lang: FormsText.parse_obj(raw[lang]) for lang in LANGUAGES}
    for lang, text in texts.items():
        if sorted(text.forms) != sorted(FORM_KINDS):
            raise ValueError(f"{TEXTS_FILE}: {lang} has forms {sorted(text.forms)}")
        for kind, fields in FIELDS.items():
            names = [f.name for f in fields]
            if sorted(text.forms[kind].fields) != sorted(names):
                raise ValueError(f"{TEXTS_FILE}: {lang}/{kind} has fields "
                                 f"{sorted(text.forms[kind].fields)}, expected {sorted(names)}")
    return texts


class FieldError(BaseModel):
    """What is wrong with one field: an ``ErrorTexts`` key and its ``{name}`` values."""

    code: str
    params: Dict[str, int] = {}


class ValidForm(BaseModel):
    """A form that passed validation, as it is stored."""

    kind: str
    lang: str
    email: str
    fields: Dict[str, str]


def validate(kind: str, lang: str,
             values: Mapping[str, str]) -> Tuple[Optional[ValidForm], Dict[str, FieldError]]:
    """Checks a form's values.

    Every value is normalised (``bot.channels.user_text.normalize``: NFKC, no invisible
    characters, single spaces) before it is checked and stored.

    Args:
        kind: the form, one of ``FORM_KINDS``.
        lang: the page's language.
        values: the values as posted (missing fields count as empty).

    Returns:
        The valid form and no errors, or None and the errors by field name, in the
        form's order.
    """
    clean: Dict[str, str] = {}
    errors: Dict[str, FieldError] = {}
    for field in FIELDS[kind]:
        raw = values.get(field.name, "")
        text = normalize(raw)
        error = _check(field, raw, text)
        if error is not None:
            errors[field.name] = error
            continue
        if field.kind == "count" and text:
            text = NUMBER_SEPARATORS.sub("", text)
        clean[field.name] = text
    if errors:
        return None, errors
    return ValidForm(kind=kind, lang=lang, email=clean["email"], fields=clean), {}


def _check(field: Field, raw: str, text: str) -> Optional[FieldError]:
    if not text:
        if raw.strip():  # something was typed, and none of it shows
            return FieldError(code="invisible")
        return FieldError(code="required") if field.required else None
    if len(text) > field.max_chars:
        return FieldError(code="too_long", params={"max": field.max_chars,
                                                   "length": len(text)})
    if field.kind == "email" and not EMAIL.fullmatch(text):
        return FieldError(code="email")
    if field.kind == "count":
        digits = NUMBER_SEPARATORS.sub("", text)
        if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= MAX_USERS):
            return FieldError(code="number")
    if field.kind == "payment" and CARD_NUMBER.search(text):
        return FieldError(code="card_number")
    return None


def is_same_origin(request: Request) -> bool:
    """Whether a POST comes from the site's own pages.

    Browsers send ``Origin`` with every form POST; without it (an old browser) the
    ``Referer`` (the pages send it to their own origin: ``Referrer-Policy: same-origin``)
    must be on the site. With neither, the request is refused.
    """
    own = (request.url.scheme, request.url.netloc.lower())
    origin = request.headers.get("origin")
    if origin is not None:
        parts = urlsplit(origin)
        return (parts.scheme, parts.netloc.lower()) == own
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return (parts.scheme, parts.netloc.lower()) == own
    return False


class BodyTooLarge(Exception):
    """The request body is over ``MAX_BODY_BYTES``."""


async def read_form(request: Request) -> Dict[str, str]:
    """The posted fields (the first value of each), read up to ``MAX_BODY_BYTES``.

    Raises:
        BodyTooLarge: the body (or its declared length) is over the limit.
        ValueError: the body is not ``application/x-www-form-urlencoded``.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise ValueError(content_type)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            raise BodyTooLarge()
    fields: Dict[str, str] = {}
    pairs = parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True,
                      max_num_fields=MAX_FIELDS)
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields


class Render(Protocol):
    """``bot.web.site``'s page renderer."""

    def __call__(self, request: Request, lang: str, template: str, status: int = 200,
                 switch: Optional[Dict[str, str]] = None, **context: Any) -> HTMLResponse:
        """Renders a template in the site's frame."""


def install_forms(router: APIRouter, page: Render, articles: Callable[[str], Dict[str, Any]],
                  unit_of_work: Callable[[], Any]) -> None:
    """Adds the forms' routes to the site's router.

    Args:
        router: the site's router (the forms go before its catch-all 404 route).
        page: renders a template in the site's frame, with the labels as ``L``.
        articles: the KB articles of a language by id (each form links its article).
        unit_of_work: opens the assistant's database (``bot.storage.unit_of_work``).
    """

    def context(lang: str, kind: str) -> Dict[str, Any]:
        texts = all_texts()[lang]
        return {"kind": kind, "T": texts.common, "text": texts.forms[kind],
                "fields": FIELDS[kind], "title_label": TITLE_LABELS[kind],
                "article": articles(lang).get(kind)}

    def refused(request: Request, lang: str, kind: str, status: int,
                message: str) -> HTMLResponse:
        return page(request, lang, "form_refused.html", status=status, message=message,
                    **context(lang, kind))

    @router.get("/{lang}/forms", include_in_schema=False)
    def forms_list(request: Request, lang: str) -> HTMLResponse:
        if lang not in LANGUAGES:
            return page(request, "en", "not_found.html", status=404)
        found = articles(lang)
        return page(request, lang, "forms.html", T=all_texts()[lang].common,
                    forms=[(kind, TITLE_LABELS[kind], all_texts()[lang].forms[kind],
                            found.get(kind)) for kind in FORM_KINDS])

    @router.get("/{lang}/forms/{kind}", include_in_schema=False)
    def form(request: Request, lang: str, kind: str) -> HTMLResponse:
        if lang not in LANGUAGES or kind not in FORM_KINDS:
            return page(request, lang if lang in LANGUAGES else "en", "not_found.html",
                        status=404)
        return page(request, lang, "form.html", values={}, errors={}, **context(lang, kind))

    @router.post("/{lang}/forms/{kind}", include_in_schema=False)
    async def submit(request: Request, lang: str, kind: str) -> Response:
        if lang not in LANGUAGES or kind not in FORM_KINDS:
            return page(request, lang if lang in LANGUAGES else "en", "not_found.html",
                        status=404)
        common = all_texts()[lang].common
        if not is_same_origin(request):
            return refused(request, lang, kind, 403, common.refused_text)
        try:
            values = await read_form(request)
        except BodyTooLarge:
            return refused(request, lang, kind, 413, common.too_large)
        except ValueError:
            return refused(request, lang, kind, 415, common.refused_text)
        valid, errors = validate(kind, lang, values)
        if valid is None:
            return page(request, lang, "form.html", status=422, values=values,
                        errors=_messages(lang, errors), **context(lang, kind))
        try:
            with unit_of_work() as uow:
                reference = uow.form_submissions.add(valid.kind, valid.lang, valid.email,
                                                     valid.fields)
        except SQLAlchemyError:
            return page(request, lang, "form.html", status=503, values=values, errors={},
                        save_failed=True, **context(lang, kind))
        return RedirectResponse(f"/{lang}/forms/{kind}/sent/{reference}", status_code=303)

    @router.get("/{lang}/forms/{kind}/sent/{reference}", include_in_schema=False)
    def sent(request: Request, lang: str, kind: str, reference: str) -> HTMLResponse:
        if lang not in LANGUAGES or kind not in FORM_KINDS or not REFERENCE.fullmatch(reference):
            return page(request, lang if lang in LANGUAGES else "en", "not_found.html",
                        status=404)
        with unit_of_work() as uow:
            stored = uow.form_submissions.get(reference)
        if stored is None or stored.kind != kind:
            return page(request, lang, "not_found.html", status=404)
        return page(request, lang, "form_sent.html", reference=reference,
                    **context(lang, kind))


def _messages(lang: str, errors: Dict[str, FieldError]) -> Dict[str, str]:
    """Each field's error message in the page's language."""
    texts = all_texts()[lang].common.errors
    return {name: getattr(texts, error.code).format(**error.params)
            for name, error in errors.items()}
