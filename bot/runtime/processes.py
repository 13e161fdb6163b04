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
    # Added to the shared environment (``service_environment``) for this child only.
    env: Dict[str, str] = field(default_factory=dict)

    def is_ready(self) -> bool:
        """Returns True when the service answers its health probe."""
        try:
            response = requests.get(self.health_url, params=self.health_params, timeout=2)
        except requests.RequestException:
            return False
        return response.ok


SINGLE_THREADED_MATH = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                        "MKL_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
                        "TF_INTRA_OP_PARALLELISM_THREADS": "1",
                        "TF_INTER_OP_PARALLELISM_THREADS": "1"}


def service_environment(settings: Settings) -> Dict[str, str]:
    """Returns the environment every child process gets."""
    env = dict(os.environ)
    # Each server handles many requests at once on its event loop; numerical threads
    # inside one request only compete with the other requests and processes, and
    # OpenMP's busy-waiting threads burn the cores they share (measured with
    # bench/conversation_load.py). An explicit setting in the environment wins.
    for name, value in SINGLE_THREADED_MATH.items():
        env.setdefault(name, value)
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
    """Returns the services `make run` starts, in start order.

    With ``HELPBOT_RASA_REPLICAS=N`` there are N Rasa servers (ports ``rasa_port`` to
    ``rasa_port + N - 1``), each with its own action server (``actions_port + i``).
    """
    python = sys.executable
    services: List[Service] = []
    for replica in range(settings.rasa_replicas):
        suffix = "" if replica == 0 else f"-{replica + 1}"
        actions_port, rasa_port = settings.actions_port + replica, settings.rasa_port + replica
        actions_url = f"http://{settings.host}:{actions_port}/webhook"
        rasa_url = f"http://{settings.host}:{rasa_port}"
        services.append(Service(
            name=f"actions{suffix}",
            # rasa-sdk's server; /health is 503 until it is warmed up (actions/__main__.py).
            command=[python, "-m", "actions", "--host", settings.host,
                     "--port", str(actions_port)],
            health_url=f"http://{settings.host}:{actions_port}/health",
            urls={f"action server{suffix}": actions_url},
        ))
        services.append(Service(
            name=f"rasa{suffix}",
            command=[
                python, "-m", "rasa", "run",
                "--model", str(settings.model_path),
                "--endpoints", str(PROJECT_ROOT / "endpoints.yml"),
                "--credentials", str(PROJECT_ROOT / "credentials.yml"),
                "--interface", settings.host,
                "--port", str(rasa_port),
                "--enable-api",
                # The HTTP API (/model/parse, /conversations/...) is never open without it.
                # One argument: a token that starts with "-" must not look like an option.
                f"--auth-token={settings.rasa_token}",
                # The help-center page (web port) calls the chat channel from the browser.
                "--cors", *settings.widget_origins,
            ],
            # The channel answers 200 once the model has read one message per language
            # (spaCy, lingua and e5 load lazily): the first user never waits for them.
            health_url=f"{rasa_url}/webhooks/helpcenter/",
            urls={
                f"chat (help-center channel){suffix}":
                    f"{rasa_url}/webhooks/helpcenter/webhook",
                f"Rasa HTTP API{suffix} (?token=<rasa_token from var/dev-secrets.json>)":
                    rasa_url,
            },
            env={"HELPBOT_ACTIONS_URL": actions_url},
        ))
    web = Service(
        name="web",
        command=[python, "-m", "bot.web", "--port", str(settings.web_port)],
        health_url=f"{settings.web_url}/health",
        urls={
            "help center with the chat widget": f"{settings.web_url}/",
            "agent console (demo agents: data/demo/agents.yml)": f"{settings.web_url}/console",
            "editors' studio (demo editors: data/demo/editors.yml)": f"{settings.web_url}/studio",
            "managers' dashboard (demo manager: maria / maria-demo-password)":
                f"{settings.web_url}/dashboard",
            "live-agent API (service token or agent login)": f"{settings.web_url}/api/tickets",
        },
    )
    # Where the live-agent service runs elsewhere, HELPBOT_START_LIVE_AGENT=false.
    return [web, *services] if settings.start_live_agent else services
