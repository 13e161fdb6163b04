"""The single settings object: every port, path and secret, configurable by environment.

Variables are prefixed with ``HELPBOT_`` (for example ``HELPBOT_RASA_PORT``). In
production mode (``HELPBOT_ENVIRONMENT=production``) the validators refuse to start
with a missing or default secret. In development, missing secrets are generated once
and kept in ``var/dev-secrets.json`` so that restarts keep working tokens.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Literal

from pydantic import BaseSettings, Field, root_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Values that must never protect a production deployment.
INSECURE_SECRETS = frozenset({"", "changethis", "secret", "dev", "development"})
SECRET_FIELDS = ("rasa_token", "jwt_secret", "service_token")


class Settings(BaseSettings):
    """Runtime configuration of every helpbot process."""

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8000

    var_dir: Path = PROJECT_ROOT / "var"
    model_path: Path = PROJECT_ROOT / "models" / "helpbot.tar.gz"
    # The KB index every process searches (``python -m kb_index build`` writes it).
    kb_build_dir: Path = PROJECT_ROOT / "kb_index" / "build"
    # Where the training data and articles live (domain/, data/, config.yml): the studio
    # writes its edits there and retrains from there.
    content_root: Path = PROJECT_ROOT
    # SQLite under var/ by default; PostgreSQL in production, e.g.
    # postgresql+psycopg2://helpbot:...@db/helpbot (HELPBOT_DATABASE_URL or DATABASE_URL)
    database_url: str = Field(default="", env=["HELPBOT_DATABASE_URL", "DATABASE_URL"])
    # The live-agent service's own database (it may be the same server).
    live_agent_database_url: str = ""
    # Rasa's conversations (SQL tracker store). Default: var/conversations.db beside a
    # SQLite product database, otherwise the product database itself (its own tables).
    tracker_store_url: str = ""
    # Rasa's conversation lock store when several Rasa processes serve the same
    # conversations, e.g. redis://127.0.0.1:6379/1. Empty: in memory (one process only).
    lock_store_url: str = ""
    # Rasa processes (each with its own action server) serving the same conversations;
    # more than one needs a shared tracker store (PostgreSQL) and lock store (Redis).
    rasa_replicas: int = Field(default=1, ge=1, le=8)
    # `python -m bot run` starts the live-agent service unless it runs elsewhere.
    start_live_agent: bool = True
    # Where browsers reach the help-center channel; default: the page's host, Rasa port.
    public_chat_url: str = ""
    # Pages allowed to call the chat from a browser (CORS); default: the web port's page.
    cors_origins: List[str] = []

    # Protects Rasa's HTTP API (/model/parse, /conversations, ...).
    rasa_token: str = ""
    # Signs help-center identity tokens (HS256).
    jwt_secret: str = ""
    # Authenticates the bot to the live-agent service.
    service_token: str = ""

    class Config:
        env_prefix = "HELPBOT_"

    @root_validator(skip_on_failure=True)
    def _default_database(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if not values.get("database_url"):
            values["database_url"] = f"sqlite:///{Path(values['var_dir']) / 'helpbot.db'}"
        if not values.get("tracker_store_url"):
            values["tracker_store_url"] = (
                f"sqlite:///{Path(values['var_dir']) / 'conversations.db'}"
                if values["database_url"].startswith("sqlite") else values["database_url"])
        if not values.get("live_agent_database_url"):
            values["live_agent_database_url"] = (
                f"sqlite:///{Path(values['var_dir']) / 'live_agent.db'}")
        return values

    @root_validator(skip_on_failure=True)
    def _replicas_share_their_stores(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        if values["rasa_replicas"] > 1:
            if values["tracker_store_url"].startswith("sqlite"):
                raise ValueError("several Rasa replicas need a shared tracker store: set "
                                 "HELPBOT_DATABASE_URL (or HELPBOT_TRACKER_STORE_URL) to "
                                 "PostgreSQL")
            if not values["lock_store_url"]:
                raise ValueError("several Rasa replicas need a shared lock store: set "
                                 "HELPBOT_LOCK_STORE_URL=redis://host:6379/1")
        return values

    @root_validator(skip_on_failure=True)
    def _secrets_are_safe(cls, values: Dict[str, Any]) -> Dict[str, Any]:
        weak = [name for name in SECRET_FIELDS if values.get(name, "") in INSECURE_SECRETS]
        if not weak:
            return values
        if values["environment"] == "production":
            names = ", ".join(f"HELPBOT_{name.upper()}" for name in weak)
            raise ValueError(
                f"production mode refuses missing or default secrets: set {names} "
                "to long random values"
            )
        generated = _development_secrets(Path(values["var_dir"]))
        for name in weak:
            values[name] = generated[name]
        return values

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        """Base URL of the web port: help center, live-agent API and agent console."""
        return f"http://{self.host}:{self.web_port}"

    @property
    def widget_origins(self) -> List[str]:
        """Origins whose pages may call the chat channel (Rasa's ``--cors``)."""
        if self.cors_origins:
            return list(self.cors_origins)
        hosts = [self.host]
        if self.host in ("127.0.0.1", "localhost", "0.0.0.0"):
            hosts = ["127.0.0.1", "localhost"]
        return [f"http://{host}:{self.web_port}" for host in hosts]

    @property
    def actions_url(self) -> str:
        """Webhook URL of the action server, as Rasa's endpoints.yml needs it."""
        return f"http://{self.host}:{self.actions_port}/webhook"

    @property
    def log_dir(self) -> Path:
        """Folder holding one log file per service."""
        return self.var_dir / "log"


def _development_secrets(var_dir: Path) -> Dict[str, str]:
    """Returns the persisted development secrets, creating any that are missing."""
    path = var_dir / "dev-secrets.json"
    stored: Dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    missing = [name for name in SECRET_FIELDS if not stored.get(name)]
    if missing:
        for name in missing:
            stored[name] = secrets.token_urlsafe(32)
        var_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stored, indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
    return stored


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Returns the process-wide settings, read from the environment once."""
    return Settings()
