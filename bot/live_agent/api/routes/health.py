"""The health probe ``make run`` waits for (the web port's)."""

from __future__ import annotations

from fastapi import APIRouter

from bot.live_agent.api.schemas import StatusOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=StatusOut)
def health() -> StatusOut:
    """Answers ``{"status": "ok"}`` while the process serves."""
    return StatusOut(status="ok")
