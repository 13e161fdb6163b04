"""The self-service forms: render, validate, store, refuse cross-site posts (TestClient).

Every case runs in the five languages: the labels, the error messages and the
confirmation page are each language's own (``bot/texts/forms.yml``).
"""

from __future__ import annotations

import html
import json
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select

from bot.storage.engine import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from bot.storage.unit_of_work import UnitOfWork
from bot.web.app import create_web_app, kb_catalogue
from bot.web.form_submissions import FORM_KINDS, FormSubmission
from bot.web.forms import FIELDS, MAX_BODY_BYTES, TITLE_LABELS, all_texts
from bot.web.labels import all_labels
from kb_index.articles import LANGUAGES
from tests.unit.test_web_site import FakeSearch, settings

ORIGIN = {"Origin": "http://testserver"}
INVISIBLE = "\u200b\u2060\ufeff\u2800"  # zero-width space, word joiner, BOM, braille blank

VALID = {
    "report-abuse": {"description": "Un participant a partagé des images choquantes.",
                     "when": "12 mai, 14:30 CET", "meeting": "812 3456 7890",
                     "person": "Troll42", "evidence": "https://example.com/shot.png",
                     "name": "Åse Ødegård", "email": "ase@example.no"},
    "billing-discrepancy": {"email": "billing@example.com", "name": "Мария",
                            "invoice_number": "INV-2041", "charge_date": "2026-11-03",
                            "amount_charged": "31.98 USD", "amount_expected": "15.99 USD",
                            "payment_method": "Visa •••• 4242",
                            "description": "Charged twice for one Pro licence."},
    "contact-sales": {"name": "Giulia Rossi", "email": "giulia@scuola.example.it",
                      "phone": "+39 02 1234 5678", "company": "Liceo Volta",
                      "country": "Italia", "users": "1 200",
                      "interests": "Education per tutta la scuola, con webinar."},
}

# (form, field, typed value, error code): every kind of invalid input.
INVALID = [
    ("report-abuse", "description", "", "required"),
    ("report-abuse", "description", "   \n  ", "required"),
    ("report-abuse", "description", INVISIBLE, "invisible"),
    ("report-abuse", "meeting", INVISIBLE, "invisible"),  # optional, but not garbage
    ("report-abuse", "email", "ase.example.no", "email"),
    ("report-abuse", "email", "ase@example", "email"),
    ("report-abuse", "when", "x" * 201, "too_long"),
    ("report-abuse", "description", "y" * 5001, "too_long"),
    ("billing-discrepancy", "amount_charged", None, "required"),  # not posted at all
    ("billing-discrepancy", "payment_method", "4242 4242 4242 4242", "card_number"),
    ("billing-discrepancy", "email", "two@@example.com", "email"),
    ("contact-sales", "users", "about twenty", "number"),
    ("contact-sales", "users", "0", "number"),
    ("contact-sales", "company", None, "required"),
    ("contact-sales", "country", "\u200d\u200d", "invisible"),
]


@pytest.fixture()
def client(tmp_path, demo_database):
    app = create_web_app(settings(tmp_path), search=FakeSearch(), studio=False,
                         unit_of_work=lambda: UnitOfWork(demo_database))
    return TestClient(app)


def rows(factory):
    with factory() as session:
        return session.execute(select(FormSubmission)).scalars().all()


def texts(lang):
    return all_texts()[lang]


def field_tag(page, name):
    """The input or textarea of a field, as rendered."""
    found = re.search(rf'<(input|textarea) id="f-{name}"[^>]*>', page, re.DOTALL)
    assert found, name
    return found.group(0)


def field_value(page, name):
    tag = field_tag(page, name)
    if tag.startswith("<textarea"):
        value = re.search(rf'id="f-{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL).group(1)
    else:
        value = re.search(r'value="([^"]*)"', tag).group(1)
    return html.unescape(value)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", FORM_KINDS)
def test_each_form_renders_in_each_language_with_its_labels(client, lang, kind):
    response = client.get(f"/{lang}/forms/{kind}")
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{all_labels()[lang]['site'][TITLE_LABELS[kind]]}</h1>" in page
    assert f'method="post" action="/{lang}/forms/{kind}"' in page
    for field in FIELDS[kind]:
        assert f'<label for="f-{field.name}">{texts(lang).forms[kind].fields[field.name].label}' \
            in page, field.name
        assert (" required" in field_tag(response.text, field.name)) == field.required
    assert "aria-invalid" not in page and "error-summary" not in page
    assert kb_catalogue().by_id[lang][kind].url in page  # the article with the details
    assert "<script>" not in page  # no inline script (CSP)
    assert "form-action 'self'" in response.headers["content-security-policy"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_forms_page_and_the_contact_page_link_the_forms(client, lang):
    for path, prefix in ((f"/{lang}/forms", "form-"), (f"/{lang}/contact", "contact-form-")):
        page = client.get(path).text
        for kind in FORM_KINDS:
            name = html.escape(all_labels()[lang]["site"][TITLE_LABELS[kind]])
            assert (f'<a data-site-element="{prefix}{kind}" href="/{lang}/forms/{kind}">'
                    f"{name}</a>") in page, (path, kind)
    listing = client.get(f"/{lang}/forms").text
    for kind in FORM_KINDS:  # and each form's article
        assert f'href="{kb_catalogue().by_id[lang][kind].url}"' in listing


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", FORM_KINDS)
def test_a_valid_form_is_stored_and_confirmed_with_a_reference(client, demo_database, lang,
                                                               kind):
    response = client.post(f"/{lang}/forms/{kind}", data=VALID[kind], headers=ORIGIN)
    assert response.status_code == 200
    assert response.history and response.history[0].status_code == 303  # no re-post on reload
    reference = re.search(r"<strong data-reference>(F-[A-Z0-9]{8})</strong>", response.text)
    assert reference, response.text
    assert str(response.url).endswith(f"/{lang}/forms/{kind}/sent/{reference.group(1)}")
    page = html.unescape(response.text)
    assert texts(lang).common.sent_title in page
    for step in texts(lang).forms[kind].next:  # what happens next
        assert step in page
    [row] = rows(demo_database)
    assert (row.reference, row.kind, row.lang, row.status) == (
        reference.group(1), kind, lang, "new")
    stored = json.loads(row.fields)
    assert row.email == VALID[kind]["email"]
    assert set(stored) == {f.name for f in FIELDS[kind]}
    if kind == "contact-sales":
        assert stored["users"] == "1200"
    else:
        assert stored["description"] == VALID[kind]["description"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind, field, value, code", INVALID)
def test_invalid_input_comes_back_with_every_value_and_the_error_named(
        client, demo_database, lang, kind, field, value, code):
    data = dict(VALID[kind])
    if value is None:
        del data[field]
    else:
        data[field] = value
    response = client.post(f"/{lang}/forms/{kind}", data=data, headers=ORIGIN)
    assert response.status_code == 422
    assert rows(demo_database) == []
    page = response.text
    # Every value as typed, the wrong one too (invisible characters included).
    for name, typed in data.items():
        assert field_value(page, name) == typed, name
    # The error, in the page's language, beside the field and in the summary.
    message = getattr(texts(lang).common.errors, code)
    if code == "too_long":
        message = message.format(max=next(f.max_chars for f in FIELDS[kind]
                                          if f.name == field), length=len(value))
    label = texts(lang).forms[kind].fields[field].label
    tag = field_tag(page, field)
    assert 'aria-invalid="true"' in tag
    assert f"f-{field}-error" in re.search(r'aria-describedby="([^"]*)"', tag).group(1)
    error = re.search(rf'<p class="field-error" id="f-{field}-error">(.*?)</p>', page,
                      re.DOTALL)
    assert error and message in html.unescape(error.group(1))
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.DOTALL).group(0)
    assert 'role="alert"' in summary and "autofocus" in summary
    assert html.unescape(summary).count('<a href="#f-') == 1
    assert (f'<a href="#f-{field}">'
            + texts(lang).common.error_item.format(label=label, message=message)) \
        in html.unescape(summary)
    # The summary comes before the fields (focus order), the title says there is an error.
    assert page.index("error-summary") < page.index('id="f-')
    assert re.search(r"<title>" + re.escape(html.escape(texts(lang).common.error_prefix,
                                                        quote=True)), page)
    # No other field is marked.
    assert page.count('aria-invalid="true"') == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_several_errors_are_listed_in_the_order_of_the_fields(client, lang):
    response = client.post(f"/{lang}/forms/contact-sales", data={"name": ""}, headers=ORIGIN)
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.DOTALL)
    links = re.findall(r'href="#f-(\w+)"', summary.group(0))
    assert links == [f.name for f in FIELDS["contact-sales"] if f.required]


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver.evil.example"},
    {"Referer": "https://evil.example/fake-form"},
    {},  # neither Origin nor Referer
])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_cross_site_post_is_refused_and_nothing_is_stored(client, demo_database, lang,
                                                            headers):
    response = client.post(f"/{lang}/forms/report-abuse", data=VALID["report-abuse"],
                           headers=headers)
    assert response.status_code == 403
    assert html.unescape(response.text).count(texts(lang).common.refused_title) >= 1
    assert rows(demo_database) == []


def test_a_same_origin_referer_is_enough_without_an_origin(client, demo_database):
    response = client.post("/nb/forms/report-abuse", data=VALID["report-abuse"],
                           headers={"Referer": "http://testserver/nb/forms/report-abuse"})
    assert response.status_code == 200
    assert len(rows(demo_database)) == 1


def test_a_body_over_the_limit_is_refused(client, demo_database):
    data = dict(VALID["report-abuse"], description="z" * (MAX_BODY_BYTES + 1))
    response = client.post("/it/forms/report-abuse", data=data, headers=ORIGIN)
    assert response.status_code == 413
    assert texts("it").common.too_large in html.unescape(response.text)
    response = client.post("/it/forms/report-abuse", headers=ORIGIN,
                           files={"description": ("a.txt", b"x")})  # multipart
    assert response.status_code == 415
    assert rows(demo_database) == []


@pytest.mark.parametrize("path", [
    "/en/forms/no-such-form", "/en/forms/report-abuse/sent/F-AAAAAAAA",
    "/en/forms/report-abuse/sent/not-a-reference", "/xx/forms/report-abuse",
])
def test_unknown_forms_and_references_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_reference_opens_only_its_own_form_confirmation(client):
    sent = client.post("/en/forms/contact-sales", data=VALID["contact-sales"], headers=ORIGIN)
    reference = str(sent.url).rsplit("/", 1)[1]
    assert client.get(f"/en/forms/report-abuse/sent/{reference}").status_code == 404


def test_a_database_error_keeps_what_was_typed(tmp_path):
    class Down:
        def __enter__(self):
            from sqlalchemy.exc import OperationalError
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        def __exit__(self, *exc):
            return False

    client = TestClient(create_web_app(settings(tmp_path), search=FakeSearch(), studio=False,
                                       unit_of_work=Down))
    response = client.post("/fr/forms/contact-sales", data=VALID["contact-sales"],
                           headers=ORIGIN)
    assert response.status_code == 503
    assert texts("fr").common.save_failed in html.unescape(response.text)
    for name, typed in VALID["contact-sales"].items():
        assert field_value(response.text, name) == typed


def test_every_language_has_every_form_text():
    english = all_texts()["en"].dict()

    def keys(tree, prefix=""):
        if isinstance(tree, dict):
            return {k for key, v in tree.items() for k in keys(v, f"{prefix}{key}.")}
        return {prefix}

    for lang in LANGUAGES:
        assert keys(all_texts()[lang].dict()) == keys(english), lang
        assert all_texts()[lang].common.errors.too_long.count("{max}") == 1


def test_the_migration_upgrades_and_downgrades(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'forms.db'}")
    upgrade(engine, "0004_studio")
    assert "form_submissions" not in inspect(engine).get_table_names()
    upgrade(engine, "0005_form_submissions")
    assert current_revision(engine) == "0005_form_submissions"
    columns = {c["name"] for c in inspect(engine).get_columns("form_submissions")}
    assert columns == {"id", "reference", "kind", "lang", "email", "fields", "status",
                       "created_at"}
    downgrade(engine, "0004_studio")
    assert current_revision(engine) == "0004_studio"
    assert "form_submissions" not in inspect(engine).get_table_names()
    upgrade(engine)  # and on to the latest revision
    assert current_revision(engine) == head_revision()
    assert "form_submissions" in inspect(engine).get_table_names()
    engine.dispose()
