"""The processes that make up the running product, and how to tell they are up."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Dict, List

import requests

from bot.settings import PROJECT_ROOT, Settings


@dataclass(frozen=True)
class Service:
    """One child process: its command, its log file and its readiness probe."""

    name: str
    command: List[str]
    health_url: str
    urls: Dict[str, str] = field(default_factory=dict)
    health_params: Dict[str, str] = field(default_factory=dict)

    def is_ready(self) -> bool:
        """Returns True when the service answers its health probe."""
        try:
            response = requests.get(self.health_url, params=self.health_params, timeout=2)
        except requests.RequestException:
            return False
        return response.ok


def service_environment(settings: Settings) -> Dict[str, str]:
    """Returns the environment every child process gets."""
    env = dict(os.environ)
    env.update(
        {
            "HELPBOT_ACTIONS_URL": settings.actions_url,
            "TF_CPP_MIN_LOG_LEVEL": env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
            ),
        }
    )
    return env


def product_services(settings: Settings) -> List[Service]:
    """Returns the services `make run` starts, in start order."""
    python = sys.executable
    actions = Service(
        name="actions",
        command=[
            python, "-m", "rasa_sdk", "--actions", "actions",
            "--port", str(settings.actions_port),
        ],
        health_url=f"http://{settings.host}:{settings.actions_port}/health",
        urls={"action server": settings.actions_url},
    )
    rasa = Service(
        name="rasa",
        command=[
            python, "-m", "rasa", "run",
            "--model", str(settings.model_path),
            "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
            "--credentials", str(PROJECT_ROOT / "credentials.yml"),
            "--interface", settings.host,
            "--port", str(settings.rasa_port),
            "--enable-api",
            # The HTTP API (/model/parse, /conversations/...) is never open without it.
            # One argument: a token that starts with "-" must not look like an option.
            f"--auth-token={settings.rasa_token}",
            # The help-center page (web port) calls the chat channel from the browser.
            "--cors", *settings.widget_origins,
        ],
        health_url=f"{settings.rasa_url}/status",
        # Rasa's --auth-token is checked against the `token` query parameter.
        health_params={"token": settings.rasa_token},
        urls={
            "chat (help-center channel)": f"{settings.rasa_url}/webhooks/helpcenter/webhook",
            "Rasa HTTP API (?token=<rasa_token from var/dev-secrets.json>)": settings.rasa_url,
        },
    )
    web = Service(
        name="web",
        command=[python, "-m", "bot.web", "--port", str(settings.web_port)],
        health_url=f"{settings.web_url}/health",
        urls={
            "help center with the chat widget": f"{settings.web_url}/",
            "agent console (demo agents: data/demo/agents.yml)": f"{settings.web_url}/console",
            "live-agent API (service token or agent login)": f"{settings.web_url}/api/tickets",
        },
    )
    services = [actions, rasa]
    # Where the live-agent service runs elsewhere, HELPBOT_START_LIVE_AGENT=false.
    return [web, *services] if settings.start_live_agent else services
