"""Starts the product's processes, keeps them up, and stops them all together.

Each child runs in its own process group and appends to ``var/log/<name>.log``. A child
that exits while the product runs is restarted alone, after an exponential backoff
(`Backoff`), with one line on stdout each time; the run loop drives this through
`Supervisor.watch` (or `Supervisor.watch_once`, about once a second). Ctrl-C or SIGTERM
stops every child.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Dict, List, NoReturn

from bot.runtime.processes import Service, service_environment
from bot.settings import PROJECT_ROOT, Settings


class ServiceFailed(RuntimeError):
    """A child process exited or never became ready at start-up."""


@dataclass(frozen=True)
class Backoff:
    """How long to wait before restarting a child that crashed.

    Attributes:
        first: Seconds before the first restart after a stable run.
        factor: Each further crash in a row multiplies the wait by this.
        cap: The wait never exceeds this many seconds, however often the child crashes.
        reset_after: Seconds a child must stay up for its next crash to count as the
            first again (wait `first`).
    """

    first: float = 1.0
    factor: float = 2.0
    cap: float = 30.0
    reset_after: float = 60.0

    def delay(self, attempt: int) -> float:
        """Returns the wait before a restart.

        Args:
            attempt: Restarts in a row since the child last stayed up, 1 for the first.

        Returns:
            Seconds: ``first * factor ** (attempt - 1)``, at most `cap`.

        Raises:
            ValueError: ``attempt`` is below 1.
        """
        if attempt < 1:
            raise ValueError(f"restart attempts count from 1, not {attempt}")
        try:
            wait = self.first * self.factor ** (attempt - 1)
        except OverflowError:  # hours of crashing: far past any cap
            return self.cap
        return min(wait, self.cap)


DEFAULT_BACKOFF = Backoff()


@dataclass(frozen=True)
class Crash:
    """One unexpected exit of a child, and when it will be restarted.

    Attributes:
        service: The service name.
        returncode: Its exit status; ``-N`` when signal N killed it (as in `subprocess`);
            None when the restart itself failed (the command could not be started).
        reason: The exit in words, e.g. ``"exited with code 3"``.
        uptime: Seconds it ran, by the supervisor's clock (to within one poll).
        attempt: Restarts in a row since it last stayed up, 1 for the first.
        delay: Seconds until the restart.
        capped: True when the delay is the backoff cap: the child keeps crashing.
        log: Its log file.
    """

    service: str
    returncode: int | None
    reason: str
    uptime: float
    attempt: int
    delay: float
    capped: bool
    log: Path

    def message(self) -> str:
        """Returns the one line that reports this crash, e.g. on stdout."""
        text = (f"warning: {self.service} {self.reason} after {self.uptime:.0f}s; "
                f"restart attempt {self.attempt} in {self.delay:g}s")
        if self.capped:
            text += f" (it keeps crashing; retrying every {self.delay:g}s)"
        return f"{text}; see {_display(self.log)}"


def describe_exit(returncode: int) -> str:
    """Returns a child's exit in words.

    Args:
        returncode: `subprocess.Popen.returncode`: the exit code, or ``-N`` for signal N.

    Returns:
        E.g. ``"exited with code 3"`` or ``"was killed by SIGKILL"``.
    """
    if returncode >= 0:
        return f"exited with code {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    return f"was killed by {name}"


@dataclass
class _Child:
    service: Service
    log: BinaryIO
    process: subprocess.Popen
    started: float  # supervisor clock time of the latest spawn
    crashes: int = 0  # restarts in a row since it last stayed up Backoff.reset_after
    restart_at: float | None = None  # supervisor clock time of the pending restart


def _print_line(line: str) -> None:
    print(line, flush=True)


class Supervisor:
    """Owns the child processes of one `make run`.

    Args:
        services: The services to run, in start order.
        settings: Where the logs go (``settings.log_dir``) and the children's environment.
        backoff: The restart waits of a child that crashes.
        clock: Seconds from an arbitrary origin that never goes back (`time.monotonic`);
            crash uptimes and restart deadlines use it, so tests can fake it.
        sleep: Waits a number of seconds between two polls of `watch`.
        report: Receives one line for each crash (default: stdout).
    """

    def __init__(
        self,
        services: List[Service],
        settings: Settings,
        *,
        backoff: Backoff = DEFAULT_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        report: Callable[[str], None] = _print_line,
    ) -> None:
        self._services = services
        self._settings = settings
        self._backoff = backoff
        self._clock = clock
        self._sleep = sleep
        self._report = report
        self._children: Dict[str, _Child] = {}
        self._logs = ExitStack()
        self._stopped = False

    def log_path(self, service: Service) -> Path:
        """Returns the log file of a service."""
        return self._settings.log_dir / f"{service.name}.log"

    def start(self, ready_timeout: float = 240.0) -> None:
        """Starts every service in order and waits until each answers its probe.

        Args:
            ready_timeout: Seconds (real time) each service gets to answer its probe.

        Raises:
            ServiceFailed: A child exited or did not answer in time; nothing is restarted
                at start-up, the caller should `stop` everything.
        """
        self._settings.log_dir.mkdir(parents=True, exist_ok=True)
        for service in self._services:
            log = self._logs.enter_context(open(self.log_path(service), "ab"))
            self._children[service.name] = _Child(
                service, log, self._spawn(service, log), started=self._clock())
        for service in self._services:
            self._wait_ready(service, ready_timeout)

    def _spawn(self, service: Service, log: BinaryIO) -> subprocess.Popen:
        return subprocess.Popen(
            service.command,
            cwd=PROJECT_ROOT,
            env={**service_environment(self._settings), **service.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _wait_ready(self, service: Service, timeout: float) -> None:
        # Real time, not the injected clock: the probes talk to real processes.
        deadline = time.monotonic() + timeout
        process = self._children[service.name].process
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
        """Returns the process id of a service's latest process (dead if it awaits restart)."""
        return self._children[name].process.pid

    def first_exited(self) -> str | None:
        """Returns the name of a child that has exited and is not restarted yet, if any."""
        for name, child in self._children.items():
            if child.process.poll() is not None:
                return name
        return None

    def watch_once(self, now: float | None = None) -> List[Crash]:
        """Restarts each child whose backoff is over, and schedules a restart for each crash.

        Never blocks: a pending restart is a deadline checked here, not a sleep, so a
        long backoff never delays Ctrl-C. Restarted children are not probed for
        readiness: one that cannot come up crashes again and waits longer.

        Args:
            now: The time on the supervisor's clock (seconds); default: read the clock.

        Returns:
            The crashes found by this call, in start order; each was also reported.
        """
        if self._stopped:
            return []
        now = self._clock() if now is None else now
        crashes = []
        for child in self._children.values():
            if child.restart_at is None:
                returncode = child.process.poll()
                if returncode is None:
                    continue
                _kill_leftovers(child.process.pid)
                crash = self._schedule_restart(
                    child, returncode, describe_exit(returncode), now - child.started, now)
            elif now < child.restart_at:
                continue
            else:
                try:
                    child.process = self._spawn(child.service, child.log)
                    child.started, child.restart_at = now, None
                    continue
                except OSError as error:  # e.g. out of memory or processes: try again later
                    crash = self._schedule_restart(
                        child, None, f"could not be restarted ({error})", 0.0, now)
            self._report(crash.message())
            crashes.append(crash)
        return crashes

    def _schedule_restart(
        self, child: _Child, returncode: int | None, reason: str, uptime: float, now: float
    ) -> Crash:
        if uptime >= self._backoff.reset_after:
            child.crashes = 0
        child.crashes += 1
        delay = self._backoff.delay(child.crashes)
        child.restart_at = now + delay
        crash = Crash(
            service=child.service.name, returncode=returncode, reason=reason, uptime=uptime,
            attempt=child.crashes, delay=delay, capped=delay >= self._backoff.cap,
            log=self.log_path(child.service))
        # The log shows why the child's output stops and starts again.
        child.log.write(f"\n==> {crash.message()}\n".encode())
        child.log.flush()
        return crash

    def watch(self, interval: float = 1.0) -> NoReturn:
        """Calls `watch_once` every ``interval`` seconds, until an exception ends it.

        Args:
            interval: Seconds between two polls (slept with the injected ``sleep``).

        Raises:
            KeyboardInterrupt: Ctrl-C (or SIGTERM turned into it by the caller), at most
                one interval late whatever restart is pending.
        """
        while True:
            self.watch_once()
            self._sleep(interval)

    def stop(self, grace: float = 10.0) -> None:
        """Stops every child for good: no pending restart happens after this.

        Sends SIGTERM to each child's process group, and SIGKILL to those that have not
        exited ``grace`` seconds (real time) later. A child waiting in backoff is already
        dead and costs no wait.
        """
        self._stopped = True
        processes = [child.process for child in self._children.values()]
        for process in processes:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in processes:
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


def _kill_leftovers(pgid: int) -> None:
    # Grandchildren left in a crashed child's group (workers) could hold its port and
    # make every restart fail. The reaped leader's pid stays reserved while its group
    # has members, so this cannot hit an unrelated process.
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _display(path: Path) -> Path:
    """Returns a path relative to the project when it is inside it (shorter to read)."""
    try:
        return path.relative_to(PROJECT_ROOT)
    except ValueError:
        return path
