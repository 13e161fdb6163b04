"""Priorities P1-P4, their response targets, and due times.

Definitions (from the support guidelines):
- P1 urgent: the service is down or critically impacted, no workaround;
- P2 high: significant degradation, only a partial workaround;
- P3 normal: one feature or group of features misbehaves, performance not reduced;
- P4 low: information, installation or configuration questions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

PRIORITIES = ("P1", "P2", "P3", "P4")
FIRST_RESPONSE_HOURS = {"P1": 1, "P2": 4, "P3": 24, "P4": 24}
# Premier and Premier+ only.
RESOLUTION_HOURS = {"P1": 4, "P2": 24}


@dataclass(frozen=True)
class Targets:
    """Response targets of one priority, and when they fall due."""

    priority: str
    first_response_hours: int
    resolution_hours: Optional[int]
    first_response_due: datetime
    resolution_due: Optional[datetime]


def targets(priority: str, resolution_targets: bool, opened_at: datetime) -> Targets:
    """Targets for a ticket opened at ``opened_at`` (timezone-aware).

    Args:
        priority: one of ``PRIORITIES``.
        resolution_targets: whether the account's tier has resolution targets.
        opened_at: when support received the request.
    """
    if priority not in PRIORITIES:
        raise ValueError(f"unknown priority {priority!r}; expected one of {PRIORITIES}")
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    first = FIRST_RESPONSE_HOURS[priority]
    resolution = RESOLUTION_HOURS.get(priority) if resolution_targets else None
    return Targets(
        priority=priority,
        first_response_hours=first,
        resolution_hours=resolution,
        first_response_due=opened_at + timedelta(hours=first),
        resolution_due=None if resolution is None else opened_at + timedelta(hours=resolution),
    )
