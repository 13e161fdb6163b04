"""Fakes of the services the actions call."""

from __future__ import annotations

from bot.live_agent.client import LiveAgentRefused, LiveAgentUnavailable


class FakeLiveAgent:
    """Stands in for the live-agent HTTP API."""

    def __init__(self, online=True, agent_language="fr"):
        self.up = True
        self.refuse = False
        self.online = online
        self.agent_language = agent_language
        self.tickets = {}
        self.posted = []
        self.ratings = []

    def _check(self):
        if not self.up:
            raise LiveAgentUnavailable("down")
        if self.refuse:
            raise LiveAgentRefused("422")

    def create_ticket(self, ticket, key):
        self._check()
        self.tickets.setdefault(key, ticket)
        return {"id": self.tickets[key]["id"], "agents_online": self.online,
                "agent_language": self.agent_language}

    def post_user_message(self, ticket_id, text):
        self._check()
        self.posted.append((ticket_id, text))
        return {"id": len(self.posted)}

    def rate(self, ticket_id, rating):
        self._check()
        self.ratings.append((ticket_id, rating))
        return {}

    # -- what the widget polls ---------------------------------------------------------

    ticket_state = {"status": "open", "claimed_by": None}
    conversation: list = []

    def messages(self, ticket_id, after=0):
        self._check()
        return [m for m in self.conversation if m["id"] > after]

    def ticket(self, ticket_id):
        self._check()
        return dict(self.ticket_state, id=ticket_id)
