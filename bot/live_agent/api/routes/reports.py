"""The humans' figures for the dashboard and ``python -m bot report`` (managers only)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Optional

from fastapi import APIRouter, Depends

from bot.live_agent.api.deps import ServiceDep, get_report_reader
from bot.live_agent.reports import TicketReport
from bot.live_agent.service import TicketError

router = APIRouter(prefix="/api/reports", tags=["reports"])
DEFAULT_DAYS = 7
MAX_DAYS = 366


@router.get("/tickets", response_model=TicketReport,
            dependencies=[Depends(get_report_reader)])
def ticket_figures(service: ServiceDep, since: Optional[date] = None,
                   until: Optional[date] = None) -> TicketReport:
    """First response, resolution, queue, agents' load and CSAT for ``[since, until)``.

    ``until`` defaults to tomorrow (UTC), ``since`` to 7 days before ``until``; at most
    366 days.
    """
    end = until or (date.today() + timedelta(days=1))
    start = since or (end - timedelta(days=DEFAULT_DAYS))
    if start >= end or (end - start).days > MAX_DAYS:
        raise TicketError(422, "invalid_period",
                          f"'since' must be before 'until', at most {MAX_DAYS} days")
    return service.ticket_report(start, end)
