"""The process supervisor behind `make run`: start, readiness, restarts with backoff, stop."""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.runtime.processes import Service
from bot.runtime.supervisor import Backoff, Crash, ServiceFailed, Supervisor, describe_exit
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port


def http_service(name, port):
    return Service(
        name=name,
        command=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        health_url=f"http://127.0.0.1:{port}/",
    )


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is dead for our purposes.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_starts_services_waits_for_them_and_stops_them_all(tmp_path):
    settings = Settings(var_dir=tmp_path)
    services = [http_service("one", free_port()), http_service("two", free_port())]
    supervisor = Supervisor(services, settings)
    supervisor.start(ready_timeout=30)
    pids = [supervisor.pid_of("one"), supervisor.pid_of("two")]
    assert all(service.is_ready() for service in services)
    assert supervisor.first_exited() is None
    supervisor.stop(grace=5)
    assert not any(alive(pid) for pid in pids)
    assert (tmp_path / "log" / "one.log").exists()


def test_a_service_that_exits_is_reported_with_its_log(tmp_path):
    settings = Settings(var_dir=tmp_path)
    broken = Service(name="broken", command=[sys.executable, "-c", "raise SystemExit(3)"],
                     health_url="http://127.0.0.1:9/")
    supervisor = Supervisor([broken], settings)
    with pytest.raises(ServiceFailed, match=r"broken exited with code 3; see .*broken\.log"):
        supervisor.start(ready_timeout=30)
    supervisor.stop()


def test_a_service_that_never_answers_times_out(tmp_path):
    settings = Settings(var_dir=tmp_path)
    silent = Service(name="silent", command=[sys.executable, "-c", "import time; time.sleep(60)"],
                     health_url=f"http://127.0.0.1:{free_port()}/")
    supervisor = Supervisor([silent], settings)
    started = time.monotonic()
    with pytest.raises(ServiceFailed, match="silent not ready after 2s"):
        supervisor.start(ready_timeout=2)
    pid = supervisor.pid_of("silent")
    supervisor.stop(grace=5)
    assert time.monotonic() - started < 20
    assert not alive(pid)


def test_a_rasa_token_starting_with_a_dash_stays_one_argument(tmp_path):
    from bot.runtime.processes import product_services
    from bot.settings import Settings

    token = "-starts-with-a-dash-0123456789abcdefghij"
    settings = Settings(var_dir=tmp_path, rasa_token=token, jwt_secret="j" * 40,
                        service_token="s" * 40)
    rasa = next(s for s in product_services(settings) if s.name == "rasa")
    assert f"--auth-token={token}" in rasa.command
    assert token not in rasa.command  # never a separate argv item argparse could misread


# --- Keeping the product up: a child that crashes is restarted alone, with backoff. ---

# A tiny child. Its first run writes the ready file (the fake health probe) and, unless
# the mode is "stay", exits with code 3 once the test creates the go file. Later runs:
# "crash-once" and "stay" stay up, "crash-always" exits with code 3 at once.
CHILD = """
import os, pathlib, sys, time
ready, go, mode = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
first = not ready.exists()
print(f"run {os.getpid()}", flush=True)
ready.touch()
if first and mode != "stay":
    while not go.exists():
        time.sleep(0.02)
    sys.exit(3)
if mode == "crash-always":
    sys.exit(3)
time.sleep(600)
"""


@dataclass(frozen=True)
class FileProbedService(Service):
    """A service whose readiness probe is a file instead of HTTP."""

    ready_file: str = ""

    def is_ready(self):
        return Path(self.ready_file).exists()


class FakeClock:
    """The supervisor's clock and sleep: sleeping only moves the time on."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Child:
    """One tiny child service and the files that steer it."""

    def __init__(self, tmp_path, name, mode):
        self.name = name
        self.ready = tmp_path / f"{name}.ready"
        self.go = tmp_path / f"{name}.go"
        self.log = tmp_path / "log" / f"{name}.log"
        self.service = FileProbedService(
            name=name, command=[sys.executable, "-c", CHILD, str(self.ready), str(self.go), mode],
            health_url="http://127.0.0.1:9/", ready_file=str(self.ready))

    def runs(self):
        """The process ids of its runs so far, from its log."""
        if not self.log.exists():
            return []
        return [int(line.split()[1]) for line in self.log.read_text().splitlines()
                if line.startswith("run ")]


@pytest.fixture()
def supervise(tmp_path):
    """Starts tiny children under a supervisor with a fake clock; stops them afterwards."""
    started = []

    def _supervise(*modes, backoff=None, stdout=False):
        clock = FakeClock()
        lines = []
        children = [Child(tmp_path, f"child{i}", mode) for i, mode in enumerate(modes)]
        # stdout=True keeps the default report (stdout) instead of collecting the lines.
        report = {} if stdout else {"report": lines.append}
        supervisor = Supervisor([child.service for child in children], Settings(var_dir=tmp_path),
                                backoff=backoff or Backoff(), clock=clock, sleep=clock.sleep,
                                **report)
        started.append(supervisor)
        supervisor.start(ready_timeout=30)
        return supervisor, clock, lines, children

    yield _supervise
    for supervisor in started:
        supervisor.stop(grace=5)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def next_crashes(supervisor, now, timeout=30.0):
    """Polls at one fake time until a real child has exited and been seen (real timeout)."""
    deadline = time.monotonic() + timeout
    while not (crashes := supervisor.watch_once(now)):
        assert time.monotonic() < deadline, "no child crashed"
        time.sleep(0.02)
    return crashes


def restart_when_due(supervisor, clock, crash):
    """Moves the fake clock to just before the restart (none yet), then to it (restarted)."""
    name, pid = crash.service, supervisor.pid_of(crash.service)
    clock.now += crash.delay - 0.01
    assert supervisor.watch_once() == []
    assert supervisor.pid_of(name) == pid
    clock.now += 0.01
    assert supervisor.watch_once() == []
    assert supervisor.pid_of(name) != pid


@pytest.mark.parametrize(
    "backoff, delays",
    [
        (Backoff(), [1, 2, 4, 8, 16, 30, 30, 30]),
        (Backoff(first=0.5, factor=3, cap=10), [0.5, 1.5, 4.5, 10, 10]),
        (Backoff(first=5, factor=1, cap=30), [5, 5, 5]),
    ],
)
def test_backoff_doubles_up_to_its_cap(backoff, delays):
    assert [backoff.delay(attempt) for attempt in range(1, len(delays) + 1)] == delays


def test_backoff_stays_at_the_cap_after_hours_of_crashes():
    assert Backoff().delay(5000) == 30  # 2 ** 4999 would overflow a float
    with pytest.raises(ValueError, match="from 1"):
        Backoff().delay(0)


@pytest.mark.parametrize(
    "returncode, words",
    [(3, "exited with code 3"), (0, "exited with code 0"),
     (-signal.SIGKILL, "was killed by SIGKILL"), (-signal.SIGSEGV, "was killed by SIGSEGV"),
     (-200, "was killed by signal 200")],
)
def test_an_exit_is_described_by_its_code_or_signal(returncode, words):
    assert describe_exit(returncode) == words


@pytest.mark.parametrize("log, shown", [
    (PROJECT_ROOT / "var" / "log" / "rasa.log", "var/log/rasa.log"),  # short inside the project
    (Path("/srv/helpbot/log/rasa.log"), "/srv/helpbot/log/rasa.log"),
])
def test_a_crash_line_names_the_log_file(log, shown):
    crash = Crash(service="rasa", returncode=-9, reason="was killed by SIGKILL", uptime=61.4,
                  attempt=1, delay=1.0, capped=False, log=log)
    assert crash.message() == (f"warning: rasa was killed by SIGKILL after 61s; "
                               f"restart attempt 1 in 1s; see {shown}")


def test_a_crashed_child_is_restarted_alone_and_appends_to_its_log(supervise, capsys):
    supervisor, clock, _, (flaky, steady) = supervise("crash-once", "stay", stdout=True)
    flaky_pid, steady_pid = supervisor.pid_of(flaky.name), supervisor.pid_of(steady.name)
    flaky.go.touch()

    (crash,) = next_crashes(supervisor, clock.now)
    assert (crash.service, crash.returncode, crash.attempt, crash.delay) == (flaky.name, 3, 1, 1)
    line = capsys.readouterr().out.strip()
    assert line == (f"warning: {flaky.name} exited with code 3 after 0s; restart attempt 1 "
                    f"in 1s; see {flaky.log}")

    restart_when_due(supervisor, clock, crash)
    wait_until(lambda: len(flaky.runs()) == 2)
    assert flaky.runs() == [flaky_pid, supervisor.pid_of(flaky.name)]
    assert alive(supervisor.pid_of(flaky.name))
    assert f"==> {line}" in flaky.log.read_text()  # the same file, and why it restarted
    assert supervisor.pid_of(steady.name) == steady_pid and alive(steady_pid)
    clock.now += 120
    assert supervisor.watch_once() == []  # the restarted child stays up


@pytest.mark.parametrize("how, returncode, words", [
    ("exit", 3, "exited with code 3"),
    ("sigkill", -signal.SIGKILL, "was killed by SIGKILL"),
    ("sigterm", -signal.SIGTERM, "was killed by SIGTERM"),
])
def test_a_child_is_restarted_however_it_died(supervise, how, returncode, words):
    supervisor, clock, lines, (child,) = supervise("crash-once" if how == "exit" else "stay")
    first_pid = supervisor.pid_of(child.name)
    if how == "exit":
        child.go.touch()
    else:
        os.kill(first_pid, signal.SIGKILL if how == "sigkill" else signal.SIGTERM)

    (crash,) = next_crashes(supervisor, clock.now)
    assert crash.returncode == returncode
    assert lines == [f"warning: {child.name} {words} after 0s; restart attempt 1 in 1s; "
                     f"see {child.log}"]
    restart_when_due(supervisor, clock, crash)
    wait_until(lambda: len(child.runs()) == 2)
    assert not alive(first_pid) and alive(supervisor.pid_of(child.name))


def test_a_child_that_keeps_crashing_waits_longer_each_time_up_to_the_cap(supervise):
    supervisor, clock, lines, (child,) = supervise("crash-always")
    child.go.touch()
    crashes = []
    for _ in range(8):
        (crash,) = next_crashes(supervisor, clock.now)
        crashes.append(crash)
        restart_when_due(supervisor, clock, crash)
    assert [crash.delay for crash in crashes] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert [crash.attempt for crash in crashes] == list(range(1, 9))
    assert [crash.capped for crash in crashes] == [False] * 5 + [True] * 3
    assert "keeps crashing" not in lines[4]
    assert lines[5].endswith(f"restart attempt 6 in 30s (it keeps crashing; retrying every 30s); "
                             f"see {child.log}")
    assert len(child.runs()) >= 8  # every restart happened: it never gives up


@pytest.mark.parametrize("uptime, attempt, delay", [
    (0, 3, 4),
    (59, 3, 4),
    (60, 1, 1),      # stayed up Backoff.reset_after: counts as a first crash again
    (86400, 1, 1),
])
def test_the_backoff_starts_again_after_the_child_stayed_up(supervise, uptime, attempt, delay):
    supervisor, clock, lines, (child,) = supervise("crash-always")
    child.go.touch()
    for expected in (1, 2):
        (crash,) = next_crashes(supervisor, clock.now)
        assert crash.delay == expected
        restart_when_due(supervisor, clock, crash)
    (crash,) = next_crashes(supervisor, clock.now + uptime)
    assert (crash.uptime, crash.attempt, crash.delay) == (uptime, attempt, delay)
    assert f"after {uptime}s; restart attempt {attempt} in {delay}s" in lines[-1]


def test_stop_during_a_backoff_is_prompt_and_restarts_nothing(supervise):
    supervisor, clock, lines, (flaky, steady) = supervise("crash-once", "stay",
                                                          backoff=Backoff(first=30))
    flaky.go.touch()
    (crash,) = next_crashes(supervisor, clock.now)
    assert crash.delay == 30
    flaky_pid, steady_pid = supervisor.pid_of(flaky.name), supervisor.pid_of(steady.name)

    started = time.monotonic()
    supervisor.stop(grace=5)
    assert time.monotonic() - started < 4  # the pending restart costs no wait
    assert not alive(steady_pid)
    clock.now += 3600
    assert supervisor.watch_once() == []
    assert supervisor.pid_of(flaky.name) == flaky_pid and not alive(flaky_pid)
    assert len(flaky.runs()) == 1 and len(lines) == 1


def test_a_pending_restart_never_delays_ctrl_c(supervise):
    supervisor, clock, _, (child,) = supervise("crash-once", backoff=Backoff(first=30))
    child.go.touch()
    next_crashes(supervisor, clock.now)
    pid = supervisor.pid_of(child.name)

    def sleep(seconds):  # Ctrl-C arrives during the third poll interval
        clock.sleep(seconds)
        if len(clock.sleeps) == 3:
            raise KeyboardInterrupt

    supervisor._sleep = sleep
    with pytest.raises(KeyboardInterrupt):
        supervisor.watch(interval=1.0)
    assert clock.sleeps == [1.0, 1.0, 1.0]  # polls, never the 30 s backoff
    assert supervisor.pid_of(child.name) == pid  # and the restart is not due yet


def test_a_restart_that_cannot_start_is_reported_and_tried_again(tmp_path):
    # A command that vanishes after the first start (say, a removed virtualenv).
    python = tmp_path / "python"
    python.symlink_to(sys.executable)
    child = Child(tmp_path, "child0", "crash-once")
    service = FileProbedService(name=child.name, command=[str(python), *child.service.command[1:]],
                                health_url="http://127.0.0.1:9/", ready_file=str(child.ready))
    clock, lines = FakeClock(), []
    supervisor = Supervisor([service], Settings(var_dir=tmp_path), clock=clock,
                            sleep=clock.sleep, report=lines.append)
    supervisor.start(ready_timeout=30)
    try:
        python.unlink()
        child.go.touch()
        (first,) = next_crashes(supervisor, clock.now)
        clock.now += first.delay
        (failed,) = supervisor.watch_once()
        assert (failed.returncode, failed.attempt, failed.delay) == (None, 2, 2)
        assert lines[-1].startswith(f"warning: {child.name} could not be restarted (")
        python.symlink_to(sys.executable)
        restart_when_due(supervisor, clock, failed)
        wait_until(lambda: len(child.runs()) == 2)
    finally:
        supervisor.stop(grace=5)
