"""The live-agent service's database: migrations and demo agents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot import SUPPORTED_LANGUAGES
from bot.live_agent.models import Agent
from bot.live_agent.passwords import hash_password

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Its own version table, so the service may share a database with the assistant.
VERSION_TABLE = "live_agent_alembic_version"
DEMO_AGENTS = Path(__file__).resolve().parents[2] / "data" / "demo" / "agents.yml"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrates the service's tables to ``revision``."""
    from bot import db

    db.upgrade(engine, revision, MIGRATIONS_DIR)


def load_demo_agents(path: Path = DEMO_AGENTS) -> List[Dict[str, Any]]:
    """Reads and checks ``data/demo/agents.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    agents = data.get("agents")
    if not isinstance(agents, list) or not agents:
        raise ValueError(f"{path}: expected a non-empty list under 'agents'")
    for agent in agents:
        for field in ("id", "name", "password", "languages"):
            if not agent.get(field):
                raise ValueError(f"{path}: agent {agent.get('id', '?')}: missing {field!r}")
        unknown = set(agent["languages"]) - set(SUPPORTED_LANGUAGES)
        if unknown:
            raise ValueError(f"{path}: agent {agent['id']}: unknown languages {unknown}")
    return agents


def seed_agents(session: Session, path: Path = DEMO_AGENTS) -> int:
    """Creates or updates the demo agents (passwords hashed); returns how many."""
    agents = load_demo_agents(path)
    for entry in agents:
        agent = session.get(Agent, entry["id"]) or Agent(id=entry["id"])
        agent.name = entry["name"]
        agent.languages = " ".join(entry["languages"])
        agent.password_hash = hash_password(str(entry["password"]))
        agent.online = bool(entry.get("online", False))
        session.add(agent)
    session.commit()
    return len(agents)
