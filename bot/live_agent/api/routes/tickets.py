"""The queue: tickets from the assistant, claims, the live conversation, resolution."""

from __future__ import annotations

from typing import Annotated, List, Optional

from fastapi import APIRouter, Depends, Header, Query, Response

from bot.live_agent.agent_texts import canned_replies, canned_text
from bot.live_agent.api.deps import CallerDep, CurrentAgent, ServiceDep, get_assistant, get_caller
from bot.live_agent.api.schemas import (
    CannedReplyOut,
    MessageIn,
    MessageOut,
    RatingIn,
    TicketCreatedOut,
    TicketDetailOut,
    TicketIn,
    TicketOut,
)
from bot.live_agent.service import NewTicket, TicketError

router = APIRouter(prefix="/api/tickets", tags=["tickets"])
canned_router = APIRouter(prefix="/api/canned", tags=["tickets"])
# The agent's language for the readable report, the summary and the canned replies'
# labels (the console asks in the agent's first language, as it shows itself).
LANG = r"^(ru|nb|fr|it|en)$"
AgentLang = Annotated[str, Query(regex=LANG)]


@canned_router.get("", response_model=List[CannedReplyOut], dependencies=[Depends(get_caller)])
def list_canned(lang: AgentLang = "en") -> List[CannedReplyOut]:
    """The canned replies, each in the five languages, labelled in the agent's ``lang``."""
    return [CannedReplyOut.of(reply) for reply in canned_replies(lang)]


@router.post("", response_model=TicketCreatedOut, dependencies=[Depends(get_assistant)],
             responses={201: {"model": TicketCreatedOut,
                              "description": "Created (200: the ticket of a retried key)"}})
def create_ticket(body: TicketIn, response: Response, service: ServiceDep,
                  idempotency_key: Annotated[str, Header(max_length=200)]) -> TicketCreatedOut:
    """Creates a ticket once per Idempotency-Key (assistant only)."""
    fields = body.dict(exclude={"idempotency_key"})
    ticket, created, online = service.create_ticket(NewTicket(
        idempotency_key=idempotency_key, **fields))
    response.status_code = 201 if created else 200
    return TicketCreatedOut.from_view(ticket, agents_online=online)


@router.get("", response_model=List[TicketOut], dependencies=[Depends(get_caller)])
def list_tickets(service: ServiceDep, include_resolved: bool = False) -> List[TicketOut]:
    """The queue by priority, then first-response due time."""
    return [TicketOut.from_view(t) for t in service.queue(include_resolved)]


@router.get("/{ticket_id}", response_model=TicketDetailOut, dependencies=[Depends(get_caller)])
def get_ticket(ticket_id: str, service: ServiceDep, lang: AgentLang = "en") -> TicketDetailOut:
    """One ticket with its report and transcript, readable in the agent's ``lang``."""
    return TicketDetailOut.of(service.ticket(ticket_id), lang)


@router.post("/{ticket_id}/claim", response_model=TicketDetailOut)
def claim(ticket_id: str, agent: CurrentAgent, service: ServiceDep,
          lang: AgentLang = "en") -> TicketDetailOut:
    """Makes the logged-in agent the ticket's owner (409 if someone else is)."""
    return TicketDetailOut.of(service.claim(ticket_id, agent.id), lang)


@router.get("/{ticket_id}/messages", response_model=List[MessageOut],
            dependencies=[Depends(get_caller)])
def messages(ticket_id: str, service: ServiceDep, after: int = 0,
             lang: Annotated[Optional[str], Query(regex=LANG)] = None
             ) -> List[MessageOut]:
    """The live conversation after the message id ``after``, oldest first.

    With ``lang`` (the reader's language), a canned reply sent in another language also
    carries its text in ``lang`` (``agent_text``): an agent may not read the user's.
    """
    found = [MessageOut.parse_obj(m) for m in service.messages(ticket_id, after)]
    if lang is None or not any(m.author == "agent" for m in found):
        return found
    ticket = service.ticket(ticket_id)
    return [m.copy(update={"agent_text": canned_in(m, ticket.user_name, lang)})
            for m in found]


def canned_in(message: MessageOut, user_name: str, lang: str) -> Optional[str]:
    """The canned reply ``message`` is, in ``lang``; None for any other message.

    Messages do not record which reply they were, so the text is matched against each
    reply as it was filled in for this user and agent (exact: an edited text is the
    agent's own).
    """
    if message.author != "agent" or message.kind != "text" or not message.lang \
            or message.lang == lang:
        return None
    agent = message.agent_name or ""
    for reply in canned_replies():
        if canned_text(reply["id"], message.lang, user_name, agent) == message.text:
            return canned_text(reply["id"], lang, user_name, agent)
    return None


@router.post("/{ticket_id}/messages", response_model=MessageOut, status_code=201)
def post_message(ticket_id: str, body: MessageIn, caller: CallerDep, service: ServiceDep,
                 idempotency_key: Annotated[str, Header(max_length=200)] = ""
                 ) -> MessageOut:
    """The assistant relays the user's messages; agents answer as themselves.

    A relay retried with the same ``Idempotency-Key`` is stored once. An agent's
    ``canned`` reply is sent in the user's language; an ``article`` carries its card.
    """
    author = "user" if caller.kind == "service" else "agent"
    text, lang = body.text, body.lang
    card = body.card.dict() if body.card is not None else None
    if author == "user" and (body.canned or body.kind != "text"):
        raise TicketError(422, "agents_only", "only agents send canned replies and articles")
    if body.canned:
        ticket = service.ticket(ticket_id)
        agent_name = caller.agent.name if caller.agent is not None else ""
        try:
            text = canned_text(body.canned, ticket.language, ticket.user_name, agent_name)
        except KeyError:
            raise TicketError(404, "no_such_reply", f"no canned reply {body.canned}") from None
        lang = ticket.language
    elif card is not None:
        text = card["summary"] or card["title"]
    return MessageOut.parse_obj(service.add_message(
        ticket_id, author, text, caller.agent_id, idempotency_key or None, kind=body.kind,
        lang=lang, card=card))


@router.post("/{ticket_id}/resolve", response_model=TicketDetailOut)
def resolve(ticket_id: str, agent: CurrentAgent, service: ServiceDep) -> TicketDetailOut:
    """Closes a ticket its owner has answered."""
    return TicketDetailOut.of(service.resolve(ticket_id, agent.id))


@router.post("/{ticket_id}/rating", response_model=TicketOut,
             dependencies=[Depends(get_assistant)])
def rate(ticket_id: str, body: RatingIn, service: ServiceDep) -> TicketOut:
    """Stores the user's 1-5 satisfaction rating (assistant only)."""
    return TicketOut.from_view(service.rate(ticket_id, body.rating))
