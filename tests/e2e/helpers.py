"""Chatting with the running product over the help-center channel."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional

import requests


class Chat:
    """One conversation; ``token`` signs it in as a demo user."""

    def __init__(self, settings: Any, metadata: Optional[dict] = None,
                 token: Optional[str] = None) -> None:
        self.url = f"{settings.rasa_url}/webhooks/helpcenter/webhook"
        self.sender = f"e2e-{uuid.uuid4().hex[:8]}"
        self.metadata = metadata or {}
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, text: str) -> requests.Response:
        """Sends a message; returns the raw response."""
        return requests.post(
            self.url, json={"sender": self.sender, "message": text, "metadata": self.metadata},
            headers=self.headers, timeout=60,
        )

    def send(self, text: str) -> List[Dict[str, Any]]:
        """Sends a message; returns the bot's replies."""
        response = self.post(text)
        assert response.status_code == 200, response.text
        return response.json()

    def say(self, text: str) -> List[str]:
        """Sends a message; returns the texts of the replies."""
        replies = [r["text"] for r in self.send(text) if "text" in r]
        assert replies, f"no reply to {text!r}"
        return replies


def escalation(replies: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The ``custom.escalation`` payload among the replies, if any."""
    found = [r["custom"]["escalation"] for r in replies
             if isinstance(r.get("custom"), dict) and "escalation" in r["custom"]]
    assert len(found) <= 1, replies
    return found[0] if found else None


def assert_language(replies: List[str], language: str, texts_by_language: dict) -> None:
    """Every reply (or each of its paragraphs) is one of the bot's texts in ``language``."""
    patterns = texts_by_language[language]
    for reply in replies:
        if any(p.fullmatch(reply) for p in patterns):
            continue
        for paragraph in reply.split("\n\n"):
            assert any(p.fullmatch(paragraph) for p in patterns), (
                f"expected a {language} reply, got {paragraph!r} in {reply!r}")
