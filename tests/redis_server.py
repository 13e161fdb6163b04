"""A throwaway Redis server for tests, from Debian's ``redis-server`` (scripts/ensure-redis.sh).

``HELPBOT_TEST_REDIS_URL`` points the tests at an existing server instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

from tests.conftest import free_port


def redis_server() -> Iterator[str]:
    """Starts a server on a free loopback port; yields ``redis://127.0.0.1:<port>/1``.

    Raises:
        RuntimeError: no ``redis-server`` binary, or it did not answer within 10 s.
    """
    url = os.environ.get("HELPBOT_TEST_REDIS_URL")
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no redis-server: run scripts/ensure-redis.sh")
    import redis

    folder = Path(tempfile.mkdtemp(prefix="helpbot-redis-"))
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/1"
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
