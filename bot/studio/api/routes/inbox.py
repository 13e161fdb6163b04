"""The inbox: what users asked and the assistant missed, grouped; "not for us"."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Dict, List, Optional

from fastapi import APIRouter

from bot.studio.api.deps import ContextDep, CurrentEditor, StudioError
from bot.studio.api.schemas import (
    ArticleRefOut,
    InboxGroupOut,
    InboxMessageOut,
    InboxOut,
    IntentOut,
    StatusOut,
    TurnOut,
)
from bot.studio.content import article_titles, teachable_intents

if TYPE_CHECKING:  # numpy and scipy load only when the inbox is built
    from bot.studio.inbox import InboxMessage

router = APIRouter(prefix="/api/studio", tags=["studio"])

MAX_KEY_LENGTH = 200


@router.get("/inbox", response_model=InboxOut)
def inbox(context: ContextDep, editor: CurrentEditor, lang: str = "all",
          reason: str = "all", ui: Optional[str] = None) -> InboxOut:
    """The missed messages, grouped across languages, biggest groups first.

    ``lang`` and ``reason`` filter the groups ("all" for every one): a group stays when
    one of its messages matches, and shows only the messages that do. ``ui`` is the
    interface language of the intents' descriptions (default: the editor's).
    """
    from bot.studio.inbox import load_inbox

    settings = context.settings
    with context.unit_of_work() as uow:
        decided = uow.editors.decided_keys()
        votes = uow.feedback.votes(helpful=False)
    groups = load_inbox(settings.tracker_store_url, votes, decided)
    root = settings.content_root
    titles = article_titles(root)
    out: List[InboxGroupOut] = []
    for group in groups:
        messages = [m for m in group.messages
                    if (lang == "all" or m.lang == lang)
                    and (reason == "all" or reason in m.reasons)]
        if not messages:
            continue
        out.append(InboxGroupOut(
            key=group.key, size=len(messages),
            languages=sorted({m.lang for m in messages}),
            reasons=sorted({r for m in messages for r in m.reasons}),
            title=(group.title if any(m.text == group.title for m in messages)
                   else messages[0].text),
            messages=[_message(m, titles) for m in messages],
        ))
    return InboxOut(
        groups=out,
        intents=[IntentOut(name=name, description=text)
                 for name, text in teachable_intents(
                     root, ui or editor.interface_language).items()],
        articles={code: [ArticleRefOut(id=i, title=t) for i, t in sorted(
            by_id.items(), key=lambda item: item[1].lower())]
            for code, by_id in titles.items()},
    )


def _message(message: InboxMessage, titles: Dict[str, Dict[str, str]]) -> InboxMessageOut:
    article: Optional[str] = message.article_id
    return InboxMessageOut(
        key=message.key,
        # Enough to tell conversations apart; the editor needs no user id.
        sender=hashlib.sha256(message.sender_id.encode()).hexdigest()[:8],
        lang=message.lang, text=message.text, intent=message.intent,
        confidence=message.confidence, reasons=list(message.reasons), article_id=article,
        article_title=titles.get(message.lang, {}).get(article) if article else None,
        at=datetime.fromtimestamp(message.timestamp, timezone.utc),
        context=[TurnOut(author=line.role, text=line.text, current=line.target)
                 for line in message.context],
    )


@router.post("/inbox/{message_key}/not-for-us", response_model=StatusOut)
def not_for_us(message_key: str, context: ContextDep, editor: CurrentEditor) -> StatusOut:
    """Sets a message aside: it is not something the assistant should answer."""
    if not message_key.strip() or len(message_key) > MAX_KEY_LENGTH:
        raise StudioError(422, "invalid_request", "no such inbox message")
    with context.unit_of_work() as uow:
        uow.editors.decide(message_key, "not_for_us", "", editor.id, context.clock())
    return StatusOut(status="ok")
