"""The out-of-chat notifications recorded for a ticket (e.g. an email nobody could answer)."""

from __future__ import annotations

from typing import List

from fastapi import APIRouter, Depends

from bot.live_agent.api.deps import ServiceDep, get_caller
from bot.live_agent.api.schemas import NotificationOut

router = APIRouter(prefix="/api/tickets", tags=["notifications"])


@router.get("/{ticket_id}/notifications", response_model=List[NotificationOut],
            dependencies=[Depends(get_caller)])
def notifications(ticket_id: str, service: ServiceDep) -> List[NotificationOut]:
    """The ticket's notifications, oldest first (none for an unknown ticket)."""
    return [NotificationOut.parse_obj(n) for n in service.notifications(ticket_id)]
