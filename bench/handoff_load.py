"""200 concurrent handoffs and claims against the live-agent service, over HTTP.

Starts ``python -m bot.live_agent`` on a free port with a fresh database, then:
1. creates N tickets from N concurrent clients; every fifth handoff is retried at the same
   time with the same idempotency key (as a timed-out client would);
2. 8 agents claim every ticket concurrently.

Reports throughput and p50/p95 latency for both phases, and counts lost tickets,
duplicated tickets and tickets with more or fewer than one owner (all must be 0).

    .venv/bin/python bench/handoff_load.py [--handoffs 200] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402

TOKEN = "bench-service-token-0123456789abcdef0123"
AGENTS = [("alice", "alice-demo-password"), ("marco", "marco-demo-password")]


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def start_service(var_dir: Path, port: int, database_url: str) -> subprocess.Popen:
    env = dict(os.environ, HELPBOT_VAR_DIR=str(var_dir), HELPBOT_SERVICE_TOKEN=TOKEN,
               HELPBOT_WEB_PORT=str(port))
    if database_url:
        env["HELPBOT_LIVE_AGENT_DATABASE_URL"] = database_url
    process = subprocess.Popen([sys.executable, "-m", "bot.live_agent"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the live-agent service did not start")


def ticket(number: int) -> Dict:
    now = datetime.now(timezone.utc)
    return {"id": f"T-BENCH-{number:04d}", "sender_id": f"bench-{number}",
            "user_id": "u-biz-admin", "account_id": "acct-biz-fr", "plan": "business",
            "support_tier": "standard", "language": ["fr", "it", "en", "ru", "nb"][number % 5],
            "priority": f"P{number % 4 + 1}",
            "first_response_due": (now + timedelta(hours=1 + number % 24)).isoformat(),
            "report": {"description": f"bench ticket {number}"},
            "transcript": [{"from": "user", "text": "I need a person"}]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--handoffs", type=int, default=200)
    parser.add_argument("--database-url", default="",
                        help="the service's database (default: SQLite in a temp folder)")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        service = start_service(Path(tmp), port, args.database_url)
        try:
            return run(base, args.handoffs, args.database_url or "sqlite (temp file)")
        finally:
            service.terminate()
            service.wait(timeout=30)


def run(base: str, count: int, database: str) -> int:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    local = threading.local()

    def http() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session

    def create(job: Tuple[int, int]) -> Tuple[float, int, str]:
        number, _attempt = job
        started = time.perf_counter()
        response = http().post(f"{base}/api/tickets", json=ticket(number), timeout=60,
                               headers={**headers, "Idempotency-Key": f"bench-key-{number}"})
        return time.perf_counter() - started, response.status_code, response.json().get("id")

    jobs = [(n, 0) for n in range(count)] + [(n, 1) for n in range(0, count, 5)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=50) as pool:
        created = list(pool.map(create, jobs))
    create_seconds = time.perf_counter() - started
    create_latency = [1000 * seconds for seconds, _, _ in created]
    errors = [status for _, status, _ in created if status not in (200, 201)]

    sessions = []
    for agent_id, password in AGENTS:
        session = requests.Session()
        session.post(f"{base}/api/login", json={"agent_id": agent_id, "password": password},
                     timeout=30).raise_for_status()
        sessions.append(session)
    ticket_ids = [f"T-BENCH-{n:04d}" for n in range(count)]
    claimers = [(sessions[i % len(sessions)], ticket_id) for ticket_id in ticket_ids
                for i in range(8)]  # 8 concurrent claims per ticket

    def claim(job: Tuple[requests.Session, str]) -> Tuple[float, int]:
        session, ticket_id = job
        begun = time.perf_counter()
        response = session.post(f"{base}/api/tickets/{ticket_id}/claim", timeout=60)
        return time.perf_counter() - begun, response.status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=50) as pool:
        claims = list(pool.map(claim, claimers))
    claim_seconds = time.perf_counter() - started
    claim_latency = [1000 * seconds for seconds, _ in claims]

    queue = requests.get(f"{base}/api/tickets", headers=headers, timeout=60).json()
    ids = [t["id"] for t in queue if t["id"].startswith("T-BENCH-")]
    lost = len(set(ticket_ids) - set(ids))
    duplicated = len(ids) - len(set(ids))
    owners_wrong = sum(1 for t in queue if t["id"].startswith("T-BENCH-")
                       and t["status"] != "claimed")
    successful_claims = sum(1 for _, status in claims if status == 200)
    conflicts = sum(1 for _, status in claims if status == 409)

    print(f"database: {database}")
    print(f"handoffs: {len(jobs)} requests ({count} tickets + {len(jobs) - count} concurrent "
          f"retries) in {create_seconds:.2f}s = {len(jobs) / create_seconds:.0f} req/s; "
          f"p50 {statistics.median(create_latency):.1f} ms, "
          f"p95 {percentile(create_latency, 0.95):.1f} ms; errors {len(errors)}")
    print(f"claims: {len(claims)} concurrent claim requests in {claim_seconds:.2f}s = "
          f"{len(claims) / claim_seconds:.0f} req/s; p50 "
          f"{statistics.median(claim_latency):.1f} ms, p95 "
          f"{percentile(claim_latency, 0.95):.1f} ms; 200 (the owner, repeats included) "
          f"{successful_claims}, "
          f"refused (409) {conflicts}")
    print(f"lost tickets: {lost}; duplicated tickets: {duplicated}; tickets without exactly "
          f"one owner: {owners_wrong}")
    return 0 if not (lost or duplicated or owners_wrong or errors) else 1


if __name__ == "__main__":
    raise SystemExit(main())
