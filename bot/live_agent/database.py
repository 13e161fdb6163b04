"""The live-agent service's database: migrations and demo agents."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

from pydantic import Field, StrictBool
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.live_agent.models import Agent
from bot.live_agent.passwords import hash_password
from kb_index.data_files import (
    DataFileError,
    DataModel,
    Language,
    RawText,
    Text,
    duplicates,
    read_yaml_mapping,
    validate,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Its own version table, so the service may share a database with the assistant.
VERSION_TABLE = "live_agent_alembic_version"
DEMO_AGENTS = Path(__file__).resolve().parents[2] / "data" / "demo" / "agents.yml"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrates the service's tables to ``revision``."""
    from bot.storage import engine as storage

    storage.upgrade(engine, revision, MIGRATIONS_DIR)


class DemoAgentsError(DataFileError):
    """The demo agents file is malformed; each line names the file and the field."""


class DemoAgent(DataModel):
    """A demo support agent."""

    id: Text
    name: Text
    password: RawText
    languages: List[Language] = Field(..., min_items=1)
    online: StrictBool = False
    # A manager also sees the figures (the dashboard, GET /api/reports/tickets).
    manager: StrictBool = False


class DemoAgentsFile(DataModel):
    """``data/demo/agents.yml``."""

    agents: List[DemoAgent] = Field(..., min_items=1)


def load_demo_agents(path: Path = DEMO_AGENTS) -> List[Dict[str, Any]]:
    """Reads and checks ``data/demo/agents.yml``.

    Raises:
        DemoAgentsError: (a ``ValueError``) naming the file and every broken field; agent
            ids and each agent's languages must be unique.
    """
    data = read_yaml_mapping(path, DemoAgentsError, "agents")
    agents = validate(DemoAgentsFile, data, path, DemoAgentsError).agents
    problems = duplicates((agent.id, f"agents[{number}].id")
                          for number, agent in enumerate(agents))
    for number, agent in enumerate(agents):
        problems += duplicates((lang, f"agents[{number}].languages[{index}]")
                               for index, lang in enumerate(agent.languages))
    if problems:
        raise DemoAgentsError.of(path, problems)
    return [agent.dict() for agent in agents]


def seed_agents(session: Session, path: Path = DEMO_AGENTS) -> int:
    """Creates or updates the demo agents (passwords hashed); returns how many."""
    agents = load_demo_agents(path)
    for entry in agents:
        agent = session.get(Agent, entry["id"]) or Agent(id=entry["id"])
        agent.name = entry["name"]
        agent.languages = " ".join(entry["languages"])
        agent.password_hash = hash_password(str(entry["password"]))
        agent.online = bool(entry.get("online", False))
        agent.manager = bool(entry.get("manager", False))
        session.add(agent)
    session.commit()
    return len(agents)
