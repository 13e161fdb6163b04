"""The process supervisor behind `make run`: start, readiness, failure, and stopping everything."""

from __future__ import annotations

import os
import sys
import time

import pytest

from bot.runtime.processes import Service
from bot.runtime.supervisor import ServiceFailed, Supervisor
from bot.settings import Settings
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
