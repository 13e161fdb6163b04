"""Starts the product's processes, waits until they answer, and stops them all together.

Each child runs in its own process group and writes to ``var/log/<name>.log``. Ctrl-C,
SIGTERM, or any child dying stops every child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Dict, List

from bot.runtime.processes import Service, service_environment
from bot.settings import PROJECT_ROOT, Settings


class ServiceFailed(RuntimeError):
    """A child process exited or never became ready."""


class Supervisor:
    """Owns the child processes of one `make run`."""

    def __init__(self, services: List[Service], settings: Settings) -> None:
        self._services = services
        self._settings = settings
        self._processes: Dict[str, subprocess.Popen] = {}
        self._logs = ExitStack()

    def log_path(self, service: Service) -> Path:
        """Returns the log file of a service."""
        return self._settings.log_dir / f"{service.name}.log"

    def start(self, ready_timeout: float = 240.0) -> None:
        """Starts every service in order and waits until each answers its probe."""
        self._settings.log_dir.mkdir(parents=True, exist_ok=True)
        env = service_environment(self._settings)
        for service in self._services:
            log = self._logs.enter_context(open(self.log_path(service), "ab"))
            self._processes[service.name] = subprocess.Popen(
                service.command,
                cwd=PROJECT_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        for service in self._services:
            self._wait_ready(service, ready_timeout)

    def _wait_ready(self, service: Service, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        process = self._processes[service.name]
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ServiceFailed(
                    f"{service.name} exited with code {process.returncode}; "
                    f"see {self.log_path(service)}"
                )
            if service.is_ready():
                return
            time.sleep(0.5)
        raise ServiceFailed(
            f"{service.name} not ready after {timeout:.0f}s; see {self.log_path(service)}"
        )

    def pid_of(self, name: str) -> int:
        """Returns the process id of a started service."""
        return self._processes[name].pid

    def first_exited(self) -> str | None:
        """Returns the name of a child that has exited, if any."""
        for name, process in self._processes.items():
            if process.poll() is not None:
                return name
        return None

    def stop(self, grace: float = 10.0) -> None:
        """Stops every child: SIGTERM to its process group, SIGKILL after the grace time."""
        for process in self._processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self._processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        self._logs.close()


def _signal_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
