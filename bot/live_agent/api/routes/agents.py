"""Agents' presence: whether the logged-in agent takes tickets now."""

from __future__ import annotations

from fastapi import APIRouter

from bot.live_agent.api.deps import CurrentAgent, ServiceDep
from bot.live_agent.api.schemas import AgentOut, OnlineIn

router = APIRouter(prefix="/api/me", tags=["agents"])


@router.post("/online", response_model=AgentOut)
def set_online(body: OnlineIn, agent: CurrentAgent, service: ServiceDep) -> AgentOut:
    """Marks the logged-in agent online or offline."""
    return AgentOut.parse_obj(service.set_online(agent.id, body.online))
