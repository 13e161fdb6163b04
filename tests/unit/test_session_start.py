"""A user who comes back after the session expired finds the conversation where it was.

The action's events are applied to a real Rasa tracker, as Rasa applies them after the
session expiry, so the test sees what the next user message is read against.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    Event,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions import session
from bot.handoff.records import EMAIL, LIVE, RESUMED
from tests.conftest import LANGUAGES, PROJECT_ROOT
from tests.trackers import make_tracker

FORM = "problem_report_form"
FORM_SLOTS = {"problem_product": "meetings", "requested_slot": "problem_description"}
DB_DOWN = "database down"

# case: (running form, paused before, handoff in the database) -> (form after, paused after)
CASES = {
    "a plain conversation": (None, False, None, None, False),
    "half-way through the report": (FORM, False, None, FORM, False),
    "an agent holds it": (None, True, LIVE, None, True),
    "the agent resolved it": (None, True, RESUMED, None, False),
    "answered by email": (None, False, EMAIL, None, False),
    "the records cannot be read": (None, True, DB_DOWN, None, True),
    "nothing paused, records down": (FORM, False, DB_DOWN, FORM, False),
}


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(PROJECT_ROOT / "domain"))


def handoff_records(monkeypatch, status):
    class Records:
        def __enter__(self):
            if status == DB_DOWN:
                raise OperationalError("SELECT", {}, Exception("unreachable"))
            handoff = None if status is None else SimpleNamespace(status=status)
            return SimpleNamespace(handoffs=SimpleNamespace(active=lambda sender: handoff))

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(session.composition, "unit_of_work", Records)


def old_session(domain, lang, form, paused):
    tracker = DialogueStateTracker("s", domain.slots)
    events = [ActionExecuted("action_listen"), UserUttered("…"), SlotSet("language", lang)]
    if form:
        events += [ActiveLoop(form), *(SlotSet(k, v) for k, v in FORM_SLOTS.items())]
    if paused:
        events.append(ConversationPaused())
    for event in events:
        tracker.update(event, domain)
    return tracker


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("case", CASES)
def test_a_new_session_continues_the_conversation(monkeypatch, domain, case, lang):
    form, paused, handoff, form_after, paused_after = CASES[case]
    handoff_records(monkeypatch, handoff)
    before = old_session(domain, lang, form, paused)
    sdk_tracker = make_tracker(sender="s", slots=before.current_slot_values(),
                               active_loop=form, paused=paused)
    events = asyncio.run(session.ActionSessionStart().run(
        CollectingDispatcher(), sdk_tracker, {}))

    after = DialogueStateTracker("s", domain.slots)
    for event in [Event.from_parameters(e) for e in events]:
        after.update(event, domain)
    assert events[0]["event"] == "session_started"
    assert events[-1] == {**events[-1], "event": "action", "name": "action_listen"}
    assert after.get_slot("language") == lang
    assert after.active_loop_name == form_after
    assert after.is_paused() == paused_after
    if form_after:
        assert {k: after.get_slot(k) for k in FORM_SLOTS} == FORM_SLOTS


def test_the_domain_overrides_rasas_session_start(domain):
    assert "action_session_start" in domain.user_actions
