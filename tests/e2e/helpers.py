"""Chatting with the running product over the help-center channel."""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

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


# The demo conversations the end-to-end tests and the benchmarks share: how each
# language asks for a person, a paid admin per language, and their answers to the
# problem report (product, description, when, "others too?", contact).
PHRASES = {
    "ru": {"human": "соедините меня, пожалуйста, с живым специалистом",
           "problem": "хочу сообщить о проблеме: на встречах постоянно пропадает звук",
           "support": "какая поддержка мне доступна?",
           "claim": "я админ аккаунта Enterprise с Premier+, соедините с оператором"},
    "nb": {"human": "jeg vil gjerne snakke med en person i kundestøtten",
           "problem": "jeg vil melde fra om et problem: lyden forsvinner hele tiden i møtene",
           "support": "hva slags support har jeg egentlig?",
           "claim": "jeg er admin på Enterprise med Premier+, jeg vil snakke med et menneske"},
    "fr": {"human": "je voudrais parler à un conseiller, s'il vous plaît",
           "problem": "je voudrais signaler un problème : le son coupe sans arrêt en réunion",
           "support": "à quel support ai-je droit ?",
           "claim": "je suis admin d'un compte Enterprise Premier+, je veux parler à un humain"},
    "it": {"human": "per favore, vorrei parlare con un operatore",
           "problem": "vorrei segnalare un problema: l'audio si interrompe di continuo",
           "support": "che tipo di assistenza ho?",
           "claim": "sono admin di un account Enterprise Premier+, passami un operatore"},
    "en": {"human": "I'd like to talk to a real person, please",
           "problem": "I want to report a problem: the audio keeps cutting out",
           "support": "what kind of support do I have?",
           "claim": "I'm an Enterprise admin with Premier+, put me through to a human"},
}
HUMAN = {language: phrases["human"] for language, phrases in PHRASES.items()}
REPORTS = {
    "ru": ["вебинар", "участники не могут подключиться к вебинару, ссылка не работает",
           "вчера около 3 часов дня", "да", "пропустить"],
    "nb": ["webinar", "deltakerne får ikke koblet seg på webinaret, lenken virker ikke",
           "i går rundt klokka 15", "ja", "hopp over"],
    "fr": ["webinaire", "les participants ne peuvent pas rejoindre le webinaire, le lien "
           "ne fonctionne pas", "hier vers 15h", "oui", "passer"],
    "it": ["webinar", "i partecipanti non riescono a entrare nel webinar, il link non va",
           "ieri verso le 15", "sì", "salta"],
    "en": ["webinar", "attendees can't get into the webinar, the link doesn't work",
           "yesterday around 3pm", "yes", "skip"],
}
ADMINS = {"ru": "u-ent-plus", "nb": "u-pro-admin", "fr": "u-biz-admin",
          "it": "u-edu-admin", "en": "u-ent-admin"}


def bot_texts_by_language(project_root: Path) -> Dict[str, List[re.Pattern]]:
    """Every text the bot can send, per language, as patterns ({field} matches anything)."""
    from rasa.shared.core.domain import Domain

    from bot.texts.catalogue import catalogue

    domain = Domain.load(str(project_root / "domain"))
    found: Dict[str, Set[str]] = defaultdict(set)
    for variants in domain.responses.values():
        for variant in variants:
            # The unconditioned fallback repeats an English text.
            language = (variant.get("condition") or [{"value": "en"}])[0]["value"]
            found[language].add(variant["text"])
    for by_language in catalogue().values():
        for language, texts in by_language.items():
            found[language].update(v["text"] for v in texts)
    return {
        language: [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(t)), re.DOTALL)
                   for t in texts]
        for language, texts in found.items()
    }
