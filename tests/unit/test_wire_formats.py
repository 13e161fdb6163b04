"""One definition per wire format: the producers, the widget and the live-agent service agree.

``custom.kb`` (``KBCard``), ``custom.escalation`` (``EscalationCard``), the ticket
(``TicketPayload`` → the service's ``TicketIn``), ``text_embedding`` (``TextEmbedding``) and
the language detection (``LanguageDetection``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Set

import numpy as np
import pytest

from bot.escalation.entitlements import entitlement
from bot.escalation.priority import targets
from bot.escalation.replies import EscalationCard, escalation_payload
from bot.handoff.live_agent_client import TicketPayload
from bot.knowledge.answer import KBCard, kb_custom_payload
from bot.live_agent.api.schemas import TicketIn
from bot.nlu.conversation_language import LanguageDetection
from kb_index.embedding import TextEmbedding, pack
from kb_index.search import Hit

WIDGET = Path(__file__).resolve().parents[2] / "bot" / "web" / "static" / "widget.js"


def fields_read(script: str, function: str, variable: str) -> Set[str]:
    """The ``variable.<field>`` names a widget function reads."""
    body = script.split(f"function {function}(", 1)[1].split("\n  function ", 1)[0]
    return set(re.findall(rf"\b{variable}\.([a-z_]+)", body))


@pytest.mark.parametrize(("function", "variable", "wire"), [
    ("kbCard", "card", KBCard),
    ("escalationCard", "data", EscalationCard),
])
def test_the_widget_reads_only_fields_the_assistant_sends(function, variable, wire):
    read = fields_read(WIDGET.read_text(encoding="utf-8"), function, variable)
    assert read, f"{function} reads nothing: the checker lost track of it"
    assert read <= set(wire.__annotations__), read - set(wire.__annotations__)


def test_the_field_checker_catches_an_unknown_field():
    script = "  function kbCard(card) {\n    return card.headline;\n  }\n"
    assert fields_read(script, "kbCard", "card") - set(KBCard.__annotations__) == {"headline"}


@pytest.mark.parametrize("lang", ["ru", "nb", "fr", "it", "en"])
def test_the_kb_payload_has_exactly_its_fields(lang):
    hit = Hit(id="audio-not-working", lang=lang, score=0.9, title="t", summary="s",
              url=f"/{lang}/articles/x")
    assert set(kb_custom_payload(hit)["kb"]) == set(KBCard.__annotations__)


@pytest.mark.parametrize("plan", ["basic", "pro", "business", "enterprise"])
def test_the_escalation_payload_has_exactly_its_fields(plan):
    from bot.accounts.store import UserAccount

    user = UserAccount(user_id="u", account_id="a", name="n", email="e", role="admin",
                       language="en", plan=plan, support_tier="standard", country="FR")
    opened = datetime(2030, 1, 7, 9, 0, tzinfo=timezone.utc)
    payload = escalation_payload(entitlement(user), targets("P2", plan == "enterprise", opened))
    assert set(payload["escalation"]) == set(EscalationCard.__annotations__)


def test_the_ticket_the_assistant_sends_is_the_ticket_the_service_reads():
    sent = set(TicketPayload.__annotations__)
    read = set(TicketIn.__fields__)
    assert sent == read
    required_by_service = {name for name, f in TicketIn.__fields__.items() if f.required}
    assert required_by_service <= sent


def test_the_text_embedding_has_exactly_its_fields():
    packed = pack(np.ones(4, dtype=np.float32), "m")
    assert set(packed) == set(TextEmbedding.__annotations__)


def test_the_language_detection_is_typed():
    assert {"language", "confidence", "reliable", "source"} <= set(
        LanguageDetection.__annotations__)
