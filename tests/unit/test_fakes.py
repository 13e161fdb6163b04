"""The fakes keep their state per instance, so tests cannot leak into each other."""

from __future__ import annotations

from tests.fakes import FakeLiveAgent


def test_two_fake_live_agents_share_no_state():
    first, second = FakeLiveAgent(), FakeLiveAgent()
    first.conversation.append({"id": 1, "text": "hello"})
    first.ticket_state["status"] = "claimed"
    first.post_user_message("T-1", "hi")
    first.rate("T-1", 5)
    first.create_ticket({"id": "T-1"}, "key")

    assert second.messages("T-2") == []
    assert second.ticket("T-2") == {"id": "T-2", "status": "open", "claimed_by": None}
    assert (second.posted, second.ratings, second.tickets) == ([], [], {})
    assert FakeLiveAgent().ticket("T-3")["status"] == "open"
