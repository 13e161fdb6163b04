"""Lists, language names, days, times and due times from CLDR (Babel), in the five languages.

Every moment here is fixed (no test reads today's date), and every string is CLDR's as
Babel 2.18 ships it. English is CLDR's ``en_GB``: no serial comma, day before month, a
24-hour clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot import SUPPORTED_LANGUAGES
from bot.escalation.entitlements import HANDOFF, Entitlement, phone_support
from bot.escalation.priority import targets
from bot.escalation.replies import handoff_complete_messages, request_human_messages
from bot.texts.cldr import (
    at_time,
    format_clock,
    format_day,
    format_due,
    format_zone,
    join_and,
    language_name,
    language_names,
    language_self_name,
)
from bot.web.labels import widget_config

NNBSP = "\u202f"
LANGUAGES = SUPPORTED_LANGUAGES


# -- lists ----------------------------------------------------------------------------------

JOINED = {
    # Three items: en has the serial comma.
    ("A", "B", "C"): {"en": "A, B and C", "fr": "A, B et C", "it": "A, B e C",
                      "nb": "A, B og C", "ru": "A, B и C"},
    ("A", "B"): {"en": "A and B", "fr": "A et B", "it": "A e B", "nb": "A og B",
                 "ru": "A и B"},
    ("A",): {lang: "A" for lang in LANGUAGES},
    (): {lang: "" for lang in LANGUAGES},
}


@pytest.mark.parametrize(("items", "lang", "expected"),
                         [(items, lang, texts[lang]) for items, texts in JOINED.items()
                          for lang in LANGUAGES])
def test_lists_are_joined_the_way_each_language_writes_them(items, lang, expected):
    assert join_and(items, lang) == expected
    assert join_and(iter(items), lang) == expected  # any iterable


def test_an_unknown_language_joins_in_english():
    assert join_and(["A", "B", "C"], "de") == "A, B and C"


# -- language names -------------------------------------------------------------------------

# Name of each code (column) in each language (row): CLDR writes them in lower case
# mid-sentence except in English; nb is named like the spoken language ("norsk").
NAMES = {
    "en": {"ru": "Russian", "nb": "Norwegian", "fr": "French", "it": "Italian",
           "en": "English"},
    "fr": {"ru": "russe", "nb": "norvégien", "fr": "français", "it": "italien",
           "en": "anglais"},
    "it": {"ru": "russo", "nb": "norvegese", "fr": "francese", "it": "italiano",
           "en": "inglese"},
    "nb": {"ru": "russisk", "nb": "norsk", "fr": "fransk", "it": "italiensk",
           "en": "engelsk"},
    "ru": {"ru": "русский", "nb": "норвежский", "fr": "французский", "it": "итальянский",
           "en": "английский"},
}


@pytest.mark.parametrize(("lang", "code"), [(lang, code) for lang in LANGUAGES
                                            for code in LANGUAGES])
def test_language_names_in_every_language(lang, code):
    assert language_name(code, lang) == NAMES[lang][code]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_widget_gets_cldr_language_names_in_the_page_language(lang):
    assert language_names(lang) == NAMES[lang]
    assert widget_config(lang)["languageNames"] == NAMES[lang]


def test_an_unknown_code_is_shown_as_it_is_and_an_unknown_language_in_english():
    assert language_name("xx-unknown", "fr") == "xx-unknown"
    assert language_name("fr", "de") == "French"


@pytest.mark.parametrize(("code", "expected"), [
    ("en", "English"), ("fr", "Français"), ("it", "Italiano"), ("nb", "Norsk bokmål"),
    ("ru", "Русский"),
])
def test_the_language_menu_names_each_language_in_itself(code, expected):
    assert language_self_name(code) == expected


# -- days and times -------------------------------------------------------------------------

MONDAY = date(2026, 11, 16)
LAST_YEAR = date(2025, 12, 30)  # a Tuesday
DAYS = {
    # (day, weekday, year)
    (MONDAY, True, False): {"en": "Monday 16 November", "fr": "lundi 16 novembre",
                            "it": "lunedì 16 novembre", "nb": "mandag 16. november",
                            "ru": "понедельник, 16 ноября"},
    (MONDAY, False, False): {"en": "16 November", "fr": "16 novembre", "it": "16 novembre",
                             "nb": "16. november", "ru": "16 ноября"},
    (LAST_YEAR, True, True): {"en": "Tuesday, 30 December 2025",
                              "fr": "mardi 30 décembre 2025",
                              "it": "martedì 30 dicembre 2025",
                              "nb": "tirsdag 30. desember 2025",
                              "ru": f"вторник, 30 декабря 2025{NNBSP}г."},
    (LAST_YEAR, False, True): {"en": "30 December 2025", "fr": "30 décembre 2025",
                               "it": "30 dicembre 2025", "nb": "30. desember 2025",
                               "ru": f"30 декабря 2025{NNBSP}г."},
    # Months whose names differ most between forms: May, March, August.
    (date(2026, 5, 1), False, False): {"en": "1 May", "fr": "1 mai", "it": "1 maggio",
                                       "nb": "1. mai", "ru": "1 мая"},
    (date(2026, 3, 8), True, False): {"en": "Sunday 8 March", "fr": "dimanche 8 mars",
                                      "it": "domenica 8 marzo", "nb": "søndag 8. mars",
                                      "ru": "воскресенье, 8 марта"},
    (date(2026, 8, 21), False, False): {"en": "21 August", "fr": "21 août",
                                        "it": "21 agosto", "nb": "21. august",
                                        "ru": "21 августа"},
}


@pytest.mark.parametrize(("key", "lang"), [(key, lang) for key in DAYS for lang in LANGUAGES])
def test_days_in_words(key, lang):
    day, weekday, year = key
    assert format_day(day, lang, weekday=weekday, year=year) == DAYS[key][lang]


def test_a_datetime_is_shown_on_its_own_day():
    late = datetime(2026, 11, 16, 23, 30, tzinfo=ZoneInfo("Asia/Tokyo"))  # 14:30 UTC
    assert format_day(late, "fr") == "lundi 16 novembre"


CLOCKS = {
    time(22, 5): {"en": "22:05", "fr": "22:05", "it": "22:05", "nb": "22:05",
                  "ru": "22:05"},
    time(9, 5): {"en": "09:05", "fr": "09:05", "it": "09:05", "nb": "09:05",
                 "ru": "09:05"},
    time(0, 0): {"en": "00:00", "fr": "00:00", "it": "00:00", "nb": "00:00",
                 "ru": "00:00"},
    time(12, 30): {"en": "12:30", "fr": "12:30", "it": "12:30", "nb": "12:30",
                   "ru": "12:30"},
}


@pytest.mark.parametrize(("at", "lang"), [(at, lang) for at in CLOCKS for lang in LANGUAGES])
def test_times_of_day(at, lang):
    assert format_clock(at, lang) == CLOCKS[at][lang]


AT_TIME = {"en": "yesterday at 10:05 PM", "fr": "yesterday à 10:05 PM",
           "it": "yesterday alle 10:05 PM", "nb": "yesterday kl. 10:05 PM",
           "ru": "yesterday в 10:05 PM"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_day_and_its_time_are_joined_with_the_languages_at(lang):
    assert at_time("yesterday", "10:05 PM", lang) == AT_TIME[lang]


# -- due times --------------------------------------------------------------------------------

PARIS_AFTERNOON = datetime(2026, 11, 22, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))
UTC_MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
KOLKATA_NIGHT = datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
NEW_YORK_SUMMER = datetime(2026, 7, 1, 18, 45, tzinfo=ZoneInfo("America/New_York"))
# -03:30 (Newfoundland in winter): Babel 2.18 alone writes "-04:30".
FIXED_OFFSET = datetime(2026, 1, 2, 8, 0, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
DUE = {
    PARIS_AFTERNOON: {"en": "22 November at 14:00 GMT+01:00",
                      "fr": "22 novembre à 14:00 UTC+01:00",
                      "it": "22 novembre alle 14:00 GMT+01:00",
                      "nb": "22. november kl. 14:00 GMT+01:00",
                      "ru": "22 ноября в 14:00 GMT+01:00"},
    # Offset zero: CLDR's zero format, "GMT" ("UTC" in French).
    UTC_MORNING: {"en": "23 November at 09:00 GMT", "fr": "23 novembre à 09:00 UTC",
                  "it": "23 novembre alle 09:00 GMT", "nb": "23. november kl. 09:00 GMT",
                  "ru": "23 ноября в 09:00 GMT"},
    KOLKATA_NIGHT: {"en": "23 November at 00:30 GMT+05:30",
                    "fr": "23 novembre à 00:30 UTC+05:30",
                    "it": "23 novembre alle 00:30 GMT+05:30",
                    "nb": "23. november kl. 00:30 GMT+05:30",
                    "ru": "23 ноября в 00:30 GMT+05:30"},
    NEW_YORK_SUMMER: {"en": "1 July at 18:45 GMT-04:00",
                      "fr": "1 juillet à 18:45 UTC-04:00",
                      "it": "1 luglio alle 18:45 GMT-04:00",
                      "nb": "1. juli kl. 18:45 GMT-04:00",
                      "ru": "1 июля в 18:45 GMT-04:00"},
    FIXED_OFFSET: {"en": "2 January at 08:00 GMT-03:30",
                   "fr": "2 janvier à 08:00 UTC-03:30",
                   "it": "2 gennaio alle 08:00 GMT-03:30",
                   "nb": "2. januar kl. 08:00 GMT-03:30",
                   "ru": "2 января в 08:00 GMT-03:30"},
}


@pytest.mark.parametrize(("moment", "lang"), [(m, lang) for m in DUE for lang in LANGUAGES])
def test_due_times_in_the_users_zone_and_language(moment, lang):
    assert format_due(moment, lang) == DUE[moment][lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_zone_is_the_moments_own_offset(lang):
    winter = datetime(2026, 1, 15, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    summer = datetime(2026, 7, 15, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    assert format_zone(winter, lang).endswith("+01:00")
    assert format_zone(summer, lang).endswith("+02:00")


# -- in the replies ---------------------------------------------------------------------------

CONTACTS = {
    "en": "You can reach our support team by live chat, web ticket and phone.",
    "fr": "Vous pouvez joindre notre équipe d'assistance par chat en direct, ticket web "
          "et téléphone.",
    "it": "Puoi contattare il nostro team di assistenza tramite chat dal vivo, ticket web "
          "e telefono.",
    "nb": "Du kan kontakte kundestøtten via chat, nettbasert sak og telefon.",
    "ru": "Вы можете обратиться к специалисту поддержки: чат, веб-заявка и телефон.",
}
GB_NUMBERS = {"en": "+44.800.368.7314 and +44.20.7039.8961",
              "fr": "+44.800.368.7314 et +44.20.7039.8961",
              "it": "+44.800.368.7314 e +44.20.7039.8961",
              "nb": "+44.800.368.7314 og +44.20.7039.8961",
              "ru": "+44.800.368.7314 и +44.20.7039.8961"}
WITH_PHONE = Entitlement(HANDOFF, ("live_chat", "web_ticket", "phone"), reason="admin_with_phone",
                         phone=phone_support("GB"), first_response_targets=True,
                         resolution_targets=True, plan="business", support_tier="premier",
                         role="admin")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_contact_options_are_a_list_in_the_users_language(lang):
    (message,) = request_human_messages(WITH_PHONE, lang)
    first, phone, *_ = message["text"].split("\n\n")
    assert first == CONTACTS[lang]
    assert GB_NUMBERS[lang] in phone


AGENT_LANGUAGE = {
    "en": "No agent speaks English right now; the agent will answer in French.",
    "fr": "Aucun conseiller ne parle français ; la personne vous répondra en anglais.",
    "it": "Nessun operatore parla italiano: ti risponderanno in inglese.",
    "nb": "Ingen av kundebehandlerne snakker norsk, så du får svar på engelsk.",
    "ru": "Специалистов, говорящих по-русски, нет, поэтому сотрудник ответит вам на другом "
          "языке: английский.",
}
DUE_SENTENCE = {
    "en": "(by 22 November at 14:00 GMT+01:00)",
    "fr": "(au plus tard le 22 novembre à 14:00 UTC+01:00)",
    "it": "(entro il 22 novembre alle 14:00 GMT+01:00)",
    "nb": "(senest 22. november kl. 14:00 GMT+01:00)",
    "ru": "(до 22 ноября в 14:00 GMT+01:00)",
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_completed_request_names_the_agents_language_and_the_due_time(lang):
    opened = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
    agent_language = "fr" if lang == "en" else "en"
    (message,) = handoff_complete_messages(WITH_PHONE, targets("P2", True, opened), "chat",
                                           lang, ticket_id="T-1",
                                           agent_language=agent_language, delivery="live")
    paragraphs = message["text"].split("\n\n")
    assert AGENT_LANGUAGE[lang] in paragraphs
    assert DUE_SENTENCE[lang] in message["text"]
