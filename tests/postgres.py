"""A throwaway PostgreSQL server for tests, from the machine's PostgreSQL binaries.

``HELPBOT_TEST_POSTGRES_URL`` points the tests at an existing server instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, List, Optional

from tests.conftest import free_port

CANDIDATE_BIN_DIRS = [Path("/usr/lib/postgresql") / v / "bin" for v in ("17", "16", "15", "14")]


def _binary(name: str) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    for folder in CANDIDATE_BIN_DIRS:
        if (folder / name).exists():
            return str(folder / name)
    return None


def _as_server_user(command: List[str]) -> List[str]:
    # PostgreSQL refuses to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def postgres_server() -> Iterator[str]:
    """Starts a server in a new temporary folder; yields its SQLAlchemy URL; stops it.

    Raises:
        RuntimeError: no PostgreSQL binaries, or the server did not start.
    """
    url = os.environ.get("HELPBOT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    # Not under pytest's tmp_path: its folders are private to the test user, and the
    # server runs as the postgres user when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="helpbot-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", "helpbot", "-A", "trust",
                                    "--no-sync", "-E", "UTF8"]),
                   check=True, capture_output=True, timeout=120)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-w",
                                    "-l", str(folder / "server.log"), "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql+psycopg2://helpbot@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-m", "fast", "stop"]),
                       capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)
