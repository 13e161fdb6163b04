"""The live-agent queue: tickets, routing by language, atomic claims, the conversation.

Every operation runs in its own transaction. Claiming is one conditional UPDATE, so two
agents claiming at once leave exactly one owner on any database.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Tuple

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.channels.user_text import normalize
from bot.live_agent.models import (
    MESSAGE_KINDS,
    PRIORITIES,
    Agent,
    AgentSession,
    Notification,
    Ticket,
    TicketMessage,
)
from bot.live_agent.passwords import hash_password, needs_rehash, verify_password
from bot.live_agent.reports import TicketReport, ticket_report
from bot.storage.engine import as_utc

Clock = Callable[[], datetime]
SESSION_LIFETIME = timedelta(hours=12)
MAX_MESSAGE_CHARS = 4000
# The language agents share when nobody speaks the user's.
FALLBACK_AGENT_LANGUAGE = "en"


class TicketError(Exception):
    """A request the queue refuses; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


@dataclass(frozen=True)
class NewTicket:
    """What the assistant sends when it hands a conversation over."""

    id: str
    idempotency_key: str
    sender_id: str
    user_id: str
    account_id: str
    plan: str
    support_tier: str
    language: str
    priority: str
    first_response_due: datetime
    resolution_due: Optional[datetime]
    report: Dict[str, Any]
    transcript: List[Dict[str, Any]]
    user_name: str = ""
    user_email: str = ""


@dataclass(frozen=True)
class TicketView:
    """A ticket as the queue returns it (``bot.live_agent.api.schemas`` puts it on the wire)."""

    id: str
    sender_id: str
    user_id: str
    user_name: str
    account_id: str
    plan: str
    support_tier: str
    language: str
    agent_language: str
    priority: str
    status: str
    claimed_by: Optional[str]
    first_response_due: datetime
    resolution_due: Optional[datetime]
    created_at: datetime
    breached: bool
    rating: Optional[int]
    claimed_by_name: Optional[str] = None
    claimed_at: Optional[datetime] = None
    # The id of the ticket's latest live message (0: none yet), for the console's unread mark.
    last_message_id: int = 0
    report: Dict[str, Any] = field(default_factory=dict)
    transcript: List[Dict[str, Any]] = field(default_factory=list)


def _view(ticket: Ticket, details: bool = True,
          names: Optional[Dict[str, str]] = None, last_message_id: int = 0) -> TicketView:
    return TicketView(
        id=ticket.id, sender_id=ticket.sender_id, user_id=ticket.user_id,
        user_name=ticket.user_name, account_id=ticket.account_id, plan=ticket.plan,
        support_tier=ticket.support_tier, language=ticket.language,
        agent_language=ticket.agent_language, priority=ticket.priority, status=ticket.status,
        claimed_by=ticket.claimed_by, first_response_due=as_utc(ticket.first_response_due),
        resolution_due=as_utc(ticket.resolution_due), created_at=as_utc(ticket.created_at),
        breached=bool(ticket.breached), rating=ticket.rating,
        claimed_by_name=(names or {}).get(ticket.claimed_by or "") or ticket.claimed_by,
        claimed_at=as_utc(ticket.claimed_at), last_message_id=last_message_id,
        report=dict(ticket.report or {}) if details else {},
        transcript=list(ticket.transcript or []) if details else [],
    )


def agent_languages(agent: Agent) -> List[str]:
    """The languages an agent answers in."""
    return [code for code in str(agent.languages).split() if code]


class LiveAgentService:
    """The queue's operations, each in its own transaction."""

    def __init__(self, session_factory: Callable[[], Session],
                 clock: Clock = lambda: datetime.now(timezone.utc)) -> None:
        self._sessions = session_factory
        self._clock = clock

    # -- tickets -----------------------------------------------------------------

    def create_ticket(self, new: NewTicket) -> Tuple[TicketView, bool, bool]:
        """Creates a ticket once per idempotency key.

        Returns:
            The ticket, whether this call created it, and whether an agent is online.
        """
        if new.priority not in PRIORITIES:
            raise TicketError(422, "invalid_priority", f"priority must be one of {PRIORITIES}")
        with self._sessions() as session:
            existing = self._by_key(session, new.idempotency_key)
            if existing is not None:
                return _view(existing), False, self._anyone_online(session)
            agents = list(session.execute(select(Agent)).scalars())
            speaks = [a for a in agents if new.language in agent_languages(a)]
            agent_language = new.language if speaks else FALLBACK_AGENT_LANGUAGE
            online = any(a.online for a in agents)
            now = self._clock()
            ticket = Ticket(
                id=new.id, idempotency_key=new.idempotency_key, sender_id=new.sender_id,
                user_id=new.user_id, user_name=new.user_name, user_email=new.user_email,
                account_id=new.account_id, plan=new.plan, support_tier=new.support_tier,
                language=new.language, agent_language=agent_language, priority=new.priority,
                first_response_due=new.first_response_due,
                resolution_due=new.resolution_due, report=new.report,
                transcript=new.transcript, status="open", created_at=now, breached=False,
            )
            session.add(ticket)
            if not online:
                session.add(Notification(
                    ticket_id=new.id, channel="email", recipient=new.user_email or new.user_id,
                    subject=f"Support request {new.id} registered ({new.priority})",
                    body=(f"Your request {new.id} is registered with priority {new.priority}. "
                          f"First response by {new.first_response_due.isoformat()}; "
                          "the answer will come by email."),
                    created_at=now))
            try:
                session.commit()
            except IntegrityError:
                # A concurrent retry with the same key (or id) won: return its ticket.
                session.rollback()
                existing = self._by_key(session, new.idempotency_key)
                if existing is None:
                    raise TicketError(409, "duplicate_ticket_id",
                                      f"ticket id {new.id} is already used") from None
                return _view(existing), False, online
            return _view(ticket), True, online

    @staticmethod
    def _by_key(session: Session, key: str) -> Optional[Ticket]:
        return session.execute(
            select(Ticket).where(Ticket.idempotency_key == key)).scalar_one_or_none()

    @staticmethod
    def _anyone_online(session: Session) -> bool:
        return session.execute(
            select(Agent.id).where(Agent.online.is_(True)).limit(1)).first() is not None

    def ticket(self, ticket_id: str) -> TicketView:
        """One ticket with its report and transcript."""
        with self._sessions() as session:
            self._mark_breaches(session)
            return _view(self._get(session, ticket_id), names=self._agent_names(session))

    @staticmethod
    def _get(session: Session, ticket_id: str) -> Ticket:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketError(404, "no_such_ticket", f"no ticket {ticket_id}")
        return ticket

    def queue(self, include_resolved: bool = False) -> List[TicketView]:
        """Tickets by priority, then first-response due time."""
        rank = case({p: n for n, p in enumerate(PRIORITIES)}, value=Ticket.priority)
        with self._sessions() as session:
            self._mark_breaches(session)
            query = select(Ticket).order_by(rank, Ticket.first_response_due, Ticket.created_at)
            if not include_resolved:
                query = query.where(Ticket.status != "resolved")
            names = self._agent_names(session)
            latest = dict(session.execute(
                select(TicketMessage.ticket_id, func.max(TicketMessage.id))
                .group_by(TicketMessage.ticket_id)).all())
            return [_view(t, details=False, names=names, last_message_id=latest.get(t.id) or 0)
                    for t in session.execute(query).scalars()]

    def _mark_breaches(self, session: Session) -> None:
        """Flags unresolved tickets past a due time they have not met."""
        now = self._clock()
        session.execute(
            update(Ticket)
            .where(Ticket.breached.is_(False), Ticket.status != "resolved")
            .where(
                (and_(Ticket.first_response_at.is_(None), Ticket.first_response_due < now))
                | (and_(Ticket.resolution_due.is_not(None), Ticket.resolution_due < now))
            )
            .values(breached=True)
            .execution_options(synchronize_session=False)
        )
        session.commit()

    def claim(self, ticket_id: str, agent_id: str) -> TicketView:
        """Makes ``agent_id`` the ticket's owner, atomically.

        Raises:
            TicketError: 404 for an unknown ticket, 409 if someone else owns it.
        """
        with self._sessions() as session:
            claimed = session.execute(
                update(Ticket)
                .where(Ticket.id == ticket_id, Ticket.status == "open",
                       Ticket.claimed_by.is_(None))
                .values(status="claimed", claimed_by=agent_id, claimed_at=self._clock())
                .execution_options(synchronize_session=False)
            ).rowcount
            session.commit()
            ticket = self._get(session, ticket_id)
            if claimed != 1 and ticket.claimed_by != agent_id:
                raise TicketError(409, "already_claimed",
                                  f"ticket {ticket_id} is {ticket.status}"
                                  + (f" by {ticket.claimed_by}" if ticket.claimed_by else ""))
            return _view(ticket, names=self._agent_names(session))

    # -- the conversation ----------------------------------------------------------

    def add_message(self, ticket_id: str, author: str, body: str,
                    agent_id: Optional[str] = None,
                    idempotency_key: Optional[str] = None, kind: str = "text",
                    lang: Optional[str] = None,
                    card: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Adds a user or agent message; agents must own the ticket.

        A message whose ``idempotency_key`` the ticket already holds is not added
        again: the stored one is returned (a relay retried after a lost answer).

        Args:
            ticket_id: the ticket.
            author: "user" (relayed by the assistant) or "agent".
            body: the text (for an article: its summary, in the card's language).
            agent_id: the agent answering; None for the user.
            idempotency_key: the relay's key, if any.
            kind: "text", or "article" (``card`` required).
            lang: the message's language; default: the ticket's language for the user,
                the ticket's agent language for an agent's text, the card's for an article.
            card: an article: ``{"article_id", "lang", "title", "summary", "url"}``.
        """
        if kind not in MESSAGE_KINDS:
            raise TicketError(422, "invalid_kind", f"kind must be one of {MESSAGE_KINDS}")
        if (kind == "article") != (card is not None):
            raise TicketError(422, "invalid_card", "an article, and only an article, has a card")
        # The users' normal form (NFKC, no invisible characters): a reply of zero-width
        # spaces was stored and shown as an empty bubble.
        text = normalize(body or "")
        if not text:
            raise TicketError(400, "empty_message",
                              "the message is empty (only spaces or invisible characters)")
        if len(text) > MAX_MESSAGE_CHARS:
            raise TicketError(413, "message_too_long",
                              f"the limit is {MAX_MESSAGE_CHARS} characters")
        with self._sessions() as session:
            ticket = self._get(session, ticket_id)
            if ticket.status == "resolved":
                raise TicketError(409, "ticket_resolved", f"ticket {ticket_id} is resolved")
            if idempotency_key:
                stored = session.execute(select(TicketMessage).where(
                    TicketMessage.ticket_id == ticket_id,
                    TicketMessage.idempotency_key == idempotency_key)).scalar_one_or_none()
                if stored is not None:
                    return self._message_json(stored, self._agent_names(session))
            now = self._clock()
            if author == "agent":
                if ticket.claimed_by != agent_id:
                    raise TicketError(403, "not_your_ticket",
                                      "claim the ticket before answering it")
                if ticket.first_response_at is None:
                    ticket.first_response_at = now
            if lang is None:
                lang = (card or {}).get("lang") or self._author_language(
                    session, ticket, author, agent_id)
            message = TicketMessage(ticket_id=ticket_id, author=author, agent_id=agent_id,
                                    body=text, created_at=now,
                                    idempotency_key=idempotency_key or None, kind=kind,
                                    lang=lang, card=card)
            session.add(message)
            try:
                session.commit()
            except IntegrityError:  # the same relay, stored by a concurrent request
                session.rollback()
                if not idempotency_key:
                    raise
                return self.add_message(ticket_id, author, body, agent_id, idempotency_key,
                                        kind, lang, card)
            return self._message_json(message, self._agent_names(session))

    @staticmethod
    def _author_language(session: Session, ticket: Ticket, author: str,
                         agent_id: Optional[str]) -> str:
        """The language a message is written in when its sender did not say.

        The user's: the ticket's. An agent's: the ticket's agent language if the agent
        speaks it, else the agent's first language.
        """
        if author != "agent":
            return str(ticket.language)
        agent = session.get(Agent, agent_id) if agent_id else None
        spoken = agent_languages(agent) if agent is not None else []
        if not spoken or ticket.agent_language in spoken:
            return str(ticket.agent_language)
        return spoken[0]

    def messages(self, ticket_id: str, after: int = 0) -> List[Dict[str, Any]]:
        """Messages after the id ``after``, oldest first."""
        with self._sessions() as session:
            self._get(session, ticket_id)
            rows = session.execute(
                select(TicketMessage)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id > after)
                .order_by(TicketMessage.id)
            ).scalars()
            names = self._agent_names(session)
            return [self._message_json(m, names) for m in rows]

    @staticmethod
    def _agent_names(session: Session) -> Dict[str, str]:
        return {a.id: a.name for a in session.execute(select(Agent)).scalars()}

    @staticmethod
    def _message_json(message: TicketMessage, names: Dict[str, str]) -> Dict[str, Any]:
        return {"id": message.id, "author": message.author, "text": message.body,
                "agent_name": names.get(message.agent_id or "", None),
                "at": as_utc(message.created_at).isoformat(),
                "kind": message.kind or "text", "lang": message.lang,
                "card": dict(message.card) if message.card else None}

    def resolve(self, ticket_id: str, agent_id: str) -> TicketView:
        """Closes a ticket its owner has answered."""
        with self._sessions() as session:
            ticket = self._get(session, ticket_id)
            if ticket.claimed_by != agent_id:
                raise TicketError(403, "not_your_ticket", "only the ticket's owner resolves it")
            if ticket.status != "resolved":
                ticket.status = "resolved"
                ticket.resolved_at = self._clock()
                session.commit()
            return _view(ticket, names=self._agent_names(session))

    def rate(self, ticket_id: str, rating: int) -> TicketView:
        """Stores the user's 1-5 satisfaction rating of a resolved ticket."""
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise TicketError(422, "invalid_rating", "rating must be an integer from 1 to 5")
        with self._sessions() as session:
            ticket = self._get(session, ticket_id)
            ticket.rating = rating
            session.commit()
            return _view(ticket)

    def notifications(self, ticket_id: str) -> List[Dict[str, Any]]:
        """The out-of-chat notifications recorded for a ticket."""
        with self._sessions() as session:
            rows = session.execute(select(Notification).where(
                Notification.ticket_id == ticket_id).order_by(Notification.id)).scalars()
            return [{"channel": n.channel, "recipient": n.recipient, "subject": n.subject,
                     "body": n.body} for n in rows]

    # -- agents ----------------------------------------------------------------------

    def login(self, agent_id: str, password: str) -> Optional[str]:
        """Returns a new session token for the right password, else None.

        A stored hash in an outdated format (legacy PBKDF2, or Argon2id with older
        parameters) is replaced by a fresh Argon2id hash in the same transaction as the
        new session. A failed login changes nothing.
        """
        if not isinstance(agent_id, str) or not isinstance(password, str):
            return None
        with self._sessions() as session:
            agent = session.get(Agent, agent_id)
            if agent is None or not verify_password(password, agent.password_hash):
                return None
            if needs_rehash(agent.password_hash):
                agent.password_hash = hash_password(password)
            token = secrets.token_urlsafe(32)
            session.add(AgentSession(token_hash=_hash(token), agent_id=agent.id,
                                     expires_at=self._clock() + SESSION_LIFETIME))
            session.commit()
            return token

    def logout(self, token: str) -> None:
        """Ends a console session."""
        with self._sessions() as session:
            row = session.get(AgentSession, _hash(token))
            if row is not None:
                session.delete(row)
                session.commit()

    def agent_for_session(self, token: str) -> Optional[Dict[str, Any]]:
        """The agent a live session token belongs to."""
        if not token:
            return None
        with self._sessions() as session:
            row = session.get(AgentSession, _hash(token))
            if row is None or as_utc(row.expires_at) < self._clock():
                return None
            agent = session.get(Agent, row.agent_id)
            return None if agent is None else self._agent_json(agent)

    def set_online(self, agent_id: str, online: bool) -> Dict[str, Any]:
        """Marks an agent online or offline."""
        with self._sessions() as session:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise TicketError(404, "no_such_agent", f"no agent {agent_id}")
            agent.online = online
            session.commit()
            return self._agent_json(agent)

    def is_manager(self, agent_id: str) -> bool:
        """Whether the agent may see the figures."""
        with self._sessions() as session:
            agent = session.get(Agent, agent_id)
            return agent is not None and bool(agent.manager)

    def ticket_report(self, since: date, until: date) -> TicketReport:
        """The humans' figures for ``[since, until)`` (UTC days), judged now."""
        with self._sessions() as session:
            return ticket_report(session, since, until, self._clock())

    @staticmethod
    def _agent_json(agent: Agent) -> Dict[str, Any]:
        return {"id": agent.id, "name": agent.name, "languages": agent_languages(agent),
                "online": bool(agent.online)}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
