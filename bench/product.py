"""Shared helpers of the durability and load benchmarks (not a benchmark itself).

- `Postgres` / `Redis`: throwaway servers on free loopback ports (as ``tests/postgres.py``
  and ``tests/redis_server.py``), which can also be killed with SIGKILL and restarted on
  the same port and data.
- `Product`: ``python -m bot run`` with N Rasa replicas, on SQLite (one replica, nothing
  set) or on PostgreSQL + Redis (`start_product` builds either), with a fresh var/ under
  ``var/bench/``; stopped with SIGINT as Ctrl-C does.
- `MemorySampler`: the sum of VmRSS over the ``python -m bot run`` process tree, read
  from /proc every 0.5 s (psutil is not installed); `Product.rss_by_process` per child.
- `wait_for_quiet_machine`: waits until the 1-minute load average is below 1.5.
- `texts_by_language` / `language_problems`: the bot's texts per language, as
  ``tests/e2e/conftest.py`` builds them, and the check of ``tests/e2e/helpers.py``.
- `tracker_events` / `check_trackers`: Rasa's ``events`` table read with SQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the demo data is shared with the e2e tests
    sys.path.insert(0, str(ROOT))

from tests.conftest import free_port  # noqa: E402
from tests.e2e.helpers import ADMINS as ADMINS  # noqa: E402 (re-exported for the benches)
from tests.e2e.helpers import HUMAN as HUMAN  # noqa: E402
from tests.e2e.helpers import REPORTS as REPORTS  # noqa: E402
from tests.e2e.helpers import bot_texts_by_language  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
LANGUAGES = ("ru", "nb", "fr", "it", "en")
BENCH_VAR = ROOT / "var" / "bench"
PAGE = os.sysconf("SC_PAGE_SIZE")

AGENT = ("marco", "marco-demo-password")  # fr, it, en (data/demo/agents.yml)
TIMEZONES = {"ru": "Europe/Moscow", "nb": "Europe/Oslo", "fr": "Europe/Paris",
             "it": "Europe/Rome", "en": "Europe/London"}

# KB questions written the way users write: symptoms, typos, English product names,
# no question marks. None of them is copied from the articles' training questions.
KB_QUESTIONS = {
    "ru": ["не слышно собеседников, хотя колонки работают",
           "камера показывает черный экран в конференции",
           "как включить запись встречи?? нужно для отчета",
           "не могу зайти, пишет неверный пароль",
           "как сделать breakout rooms для учеников",
           "звук заикается и картинка подвисает",
           "конференция отрубилась ровно через 40 минут",
           "как показать экран с презентацией",
           "с меня списали деньги дважды за подписку",
           "как поставить виртуальный фон",
           "хочу отменить подписку pro",
           "как запланировать встречу на следующую неделю"],
    "nb": ["folk hører meg ikke i møtet",
           "kameraet er svart når jeg blir med i møtet",
           "hvordan tar jeg opp møtet, trenger opptak",
           "glemt passord og får ikke logget inn",
           "hvordan lager jeg breakout rooms",
           "lyden hakker og bildet fryser",
           "møtet stoppet etter 40 min igjen",
           "hvordan deler jeg skjermen min",
           "jeg har blitt trukket to ganger på kortet",
           "kan jeg bytte bakgrunn i video",
           "vil si opp abonnementet",
           "hvordan planlegger jeg et møte"],
    "fr": ["personne ne m'entend en reunion",
           "ma camera affiche un ecran noir",
           "comment enregister la reunion ??",
           "j'ai oublié mon mot de passe, impossible de me connecter",
           "comment faire des breakout rooms",
           "le son saute et l'image se fige",
           "la réunion se coupe au bout de 40 min",
           "partager mon ecran pendant un webinar",
           "j'ai été débité deux fois ce mois ci",
           "mettre un fond virtuel derrière moi",
           "je veux résilier mon abonnement pro",
           "planifier une réunion pour lundi"],
    "it": ["non mi sentono durante la riunione",
           "la webcam fa schermo nero",
           "come registro la riunone?",
           "ho dimenticato la password e non riesco ad accedere",
           "come creo le breakout rooms",
           "l'audio va a scatti e il video si blocca",
           "la riunione si chiude dopo 40 minuti",
           "come condivido lo schermo",
           "mi avete addebitato due volte l'abbonamento",
           "come metto lo sfondo virtuale",
           "voglio disdire l'abbonamento pro",
           "come pianifico una riunione"],
    "en": ["nobody can hear me in meetings",
           "my camera shows a black screen",
           "how do i recrod a meeting",
           "forgot my password cant log in",
           "how to set up breakout rooms",
           "audio is choppy and video freezes",
           "meeting ended after 40 mins again",
           "how do I share my screen",
           "I was charged twice this month",
           "can i use a virtual backround",
           "want to cancel my pro subscription",
           "how do I schedule a meeting for next week"],
}
GREETINGS = {"ru": "здравствуйте", "nb": "hei hei", "fr": "bonjour", "it": "buongiorno",
             "en": "hi there"}
THANKS = {"ru": "спасибо, помогло", "nb": "tusen takk", "fr": "merci beaucoup",
          "it": "grazie mille", "en": "thanks a lot"}
WAITING = {"ru": "спасибо, жду", "nb": "takk, jeg venter", "fr": "merci, j'attends",
           "it": "grazie, aspetto", "en": "thanks, I'll wait"}


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def wait_for_quiet_machine(limit: float = 1.5, poll: float = 30.0,
                           timeout: float = 2400.0) -> Dict[str, Any]:
    """Waits until the 1-minute load average is below ``limit`` (or ``timeout`` passes).

    Returns:
        ``{"waited_s", "load_at_start", "quiet"}``; ``quiet`` False means the load never
        dropped and the measurement ran anyway.
    """
    started = time.monotonic()
    while True:
        load = load_average()
        if load < limit:
            return {"waited_s": round(time.monotonic() - started), "load_at_start": load,
                    "quiet": True}
        if time.monotonic() - started >= timeout:
            print(f"load {load:.2f} still >= {limit} after {timeout:.0f}s: running anyway",
                  flush=True)
            return {"waited_s": round(time.monotonic() - started), "load_at_start": load,
                    "quiet": False}
        print(f"waiting for a quiet machine: load {load:.2f} >= {limit}", flush=True)
        time.sleep(poll)


def fresh_var_dir(name: str) -> Path:
    """A new, empty var/ for one run: ``var/bench/<name>-<timestamp>``."""
    folder = BENCH_VAR / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    folder.mkdir(parents=True)
    return folder


def snapshot_model(var_dir: Path) -> Path:
    """Copies the trained model into ``var_dir`` so a retraining during the run is harmless."""
    target = var_dir / "helpbot.tar.gz"
    shutil.copy2(ROOT / "models" / "helpbot.tar.gz", target)
    return target


# ---------------------------------------------------------------------------- /proc

def _children_map() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
            # The command name may contain spaces and parentheses: split after the last ")".
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(entry))
    return children


def process_tree(root: int) -> List[int]:
    """The pid ``root`` and all its descendants that exist now."""
    children = _children_map()
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of a process (0 if it is gone); ``statm`` resident pages."""
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().decode(errors="replace").rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def cmdline(pid: int) -> List[str]:
    """A process's argv ([] if it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return [p.decode(errors="replace") for p in handle.read().split(b"\0") if p]
    except OSError:
        return []


def process_label(pid: int) -> str:
    """A short name: ``bot run``, ``rasa:5005``, ``actions:5055``, ``web:8000``..."""
    argv = cmdline(pid)
    joined = " ".join(argv)

    def port() -> str:
        return argv[argv.index("--port") + 1] if "--port" in argv[:-1] else "?"

    if "-m bot run" in joined:
        return "bot run"
    if "-m rasa run" in joined:
        return f"rasa:{port()}"
    if "-m actions" in joined:
        return f"actions:{port()}"
    if "-m bot.web" in joined:
        return f"web:{port()}"
    return f"{Path(argv[0]).name if argv else '?'}[{pid}]"


class MemorySampler:
    """Samples the summed RSS of a process tree every ``interval`` seconds (a thread)."""

    def __init__(self, root: int, interval: float = 0.5) -> None:
        self.root, self.interval = root, interval
        self.samples: List[Tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(rss_bytes(pid) for pid in process_tree(self.root))
            self.samples.append((time.monotonic(), total))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def peak_mb(self) -> float:
        """Highest sampled total, MiB."""
        return max((b for _, b in self.samples), default=0) / 2**20


# ---------------------------------------------------------------------------- servers

def _as_postgres(command: List[str]) -> List[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Postgres:
    """A throwaway PostgreSQL 15 server (fsync on unless ``fsync=False``)."""

    def __init__(self, fsync: bool = True) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="helpbot-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data = self.folder / "data"
        self.port = free_port()
        self.fsync = fsync

    def url(self, database: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return f"postgresql+psycopg2://helpbot@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """initdb (first time), then start and wait until it accepts connections."""
        if not self.data.exists():
            subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(self.data),
                                         "-U", "helpbot", "-A", "trust", "--no-sync",
                                         "-E", "UTF8"]),
                           check=True, capture_output=True, timeout=120)
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections=200 -c fsync={'on' if self.fsync else 'off'}")
        deadline = time.monotonic() + 90
        while True:
            done = subprocess.run(
                _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
                              "-w", "-t", "60", "-l", str(self.folder / "server.log"),
                              "start"]), capture_output=True, text=True, timeout=120)
            if done.returncode == 0:
                return
            # After a SIGKILL the old backends may still hold the shared memory.
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}")
            time.sleep(0.5)

    def create_databases(self, *names: str) -> None:
        """CREATE DATABASE for each name."""
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="helpbot",
                                      dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"CREATE DATABASE {name}")
        connection.close()

    def postmaster_pid(self) -> int:
        """The postmaster's pid (first line of postmaster.pid)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def pids(self) -> List[int]:
        """The postmaster and its backends."""
        try:
            return process_tree(self.postmaster_pid())
        except (OSError, ValueError):
            return []

    def kill9(self) -> int:
        """SIGKILL to the postmaster; returns its pid. Backends exit by themselves."""
        pid = self.postmaster_pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def rss_mb(self) -> float:
        """Summed RSS of the server's processes (shared buffers counted per process)."""
        return sum(rss_bytes(p) for p in self.pids()) / 2**20

    def stop(self) -> None:
        """Stops the server and deletes its folder."""
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m",
                                     "immediate", "stop"]), capture_output=True, timeout=120)
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A throwaway redis-server (no persistence: a restart empties it, as the locks allow)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="helpbot-bench-redis-"))
        self.port = free_port()
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        """The lock store URL (database 1)."""
        return f"redis://127.0.0.1:{self.port}/1"

    def start(self) -> None:
        """Starts it (again, on the same port) and waits for PING."""
        import redis

        deadline = time.monotonic() + 30
        while True:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save",
                 "", "--appendonly", "no", "--dir", str(self.folder)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            client = redis.Redis(host="127.0.0.1", port=self.port)
            try:
                while self.process.poll() is None and time.monotonic() < deadline:
                    try:
                        client.ping()
                        return
                    except redis.ConnectionError:
                        time.sleep(0.05)
            finally:
                client.close()
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.5)  # the port may still be in TIME_WAIT/bound: try again

    def kill9(self) -> int:
        """SIGKILL; returns the pid."""
        assert self.process is not None
        pid = self.process.pid
        self.process.kill()
        self.process.wait(timeout=10)
        return pid

    def stop(self) -> None:
        """Stops it and deletes its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


# ---------------------------------------------------------------------------- product

@dataclass
class Product:
    """One ``python -m bot run``.

    Attributes:
        var_dir: its HELPBOT_VAR_DIR.
        replicas: Rasa replicas (each with its own action server).
        env_extra: further HELPBOT_* variables (database, lock store...).
    """

    var_dir: Path
    replicas: int = 1
    env_extra: Dict[str, str] = field(default_factory=dict)
    model: Optional[Path] = None
    process: Optional[subprocess.Popen] = None
    output: List[Tuple[float, str]] = field(default_factory=list)
    launched_at: float = 0.0
    running_at: Optional[float] = None
    ready_at: Optional[float] = None

    def __post_init__(self) -> None:
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.web_port = free_port()
        # Replica i listens on rasa_port + i / actions_port + i: those must be free too.
        while self.replicas > 1 and not all(
                _port_free(p) for i in range(1, self.replicas)
                for p in (self.rasa_port + i, self.actions_port + i)):
            self.rasa_port, self.actions_port = free_port(), free_port()
        self._ready = threading.Event()

    @property
    def rasa_urls(self) -> List[str]:
        """Base URL of each Rasa replica."""
        return [f"http://127.0.0.1:{self.rasa_port + i}" for i in range(self.replicas)]

    @property
    def chat_urls(self) -> List[str]:
        """The help-center webhook of each replica."""
        return [f"{url}/webhooks/helpcenter/webhook" for url in self.rasa_urls]

    @property
    def actions_urls(self) -> List[str]:
        """Base URL of each action server."""
        return [f"http://127.0.0.1:{self.actions_port + i}" for i in range(self.replicas)]

    @property
    def web_url(self) -> str:
        """The web port (help center, live-agent API)."""
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def env(self) -> Dict[str, str]:
        """The environment of ``python -m bot run``."""
        env = dict(os.environ, HELPBOT_RASA_PORT=str(self.rasa_port),
                   HELPBOT_ACTIONS_PORT=str(self.actions_port),
                   HELPBOT_WEB_PORT=str(self.web_port), HELPBOT_VAR_DIR=str(self.var_dir),
                   HELPBOT_RASA_REPLICAS=str(self.replicas),
                   RASA_TELEMETRY_ENABLED="false", SQLALCHEMY_SILENCE_UBER_WARNING="1",
                   **self.env_extra)
        if self.model is not None:
            env["HELPBOT_MODEL_PATH"] = str(self.model)
        return env

    def start(self, timeout: float = 600.0) -> float:
        """Starts it and waits for "Press Ctrl-C to stop."; returns seconds to "running".

        Raises:
            RuntimeError: it printed an error or exited, or did not come up in time.
        """
        self.output, self.running_at, self.ready_at = [], None, None
        self._ready.clear()
        self.launched_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        threading.Thread(target=self._read_output, daemon=True).start()
        if not self._ready.wait(timeout) or self.ready_at is None:
            text = "".join(line for _, line in self.output)
            self.stop()
            raise RuntimeError(f"the product did not start:\n{text[-3000:]}")
        assert self.running_at is not None
        return self.running_at - self.launched_at

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            now = time.monotonic()
            self.output.append((now, line))
            if "helpbot is running" in line:
                self.running_at = now
            if "Press Ctrl-C to stop." in line:
                self.ready_at = now
                self._ready.set()
            if line.startswith("error:"):
                self._ready.set()
        self._ready.set()

    def warnings(self) -> List[str]:
        """The supervisor's lines after start-up (crash reports)."""
        return [line.strip() for t, line in self.output
                if self.ready_at and t > self.ready_at and line.strip()]

    def secrets(self) -> Dict[str, str]:
        """``var/dev-secrets.json``: rasa_token, jwt_secret, service_token."""
        return json.loads((self.var_dir / "dev-secrets.json").read_text())

    def token(self, user_id: str) -> str:
        """A help-center token for a demo user."""
        from bot.accounts.identity import issue_token

        return issue_token(user_id, self.secrets()["jwt_secret"])

    def pids(self) -> List[int]:
        """The ``bot run`` process and its descendants."""
        return process_tree(self.process.pid) if self.process else []

    def child_pid(self, kind: str, replica: int = 0) -> Optional[int]:
        """The pid of ``rasa`` / ``actions`` (of a replica) or ``web``, if it runs."""
        port = {"rasa": self.rasa_port + replica, "actions": self.actions_port + replica,
                "web": self.web_port}[kind]
        for pid in self.pids():
            if process_label(pid) == f"{kind}:{port}":
                return pid
        return None

    def rss_by_process(self) -> Dict[str, float]:
        """MiB per process of the tree, by `process_label`."""
        found: Dict[str, float] = {}
        for pid in self.pids():
            label = process_label(pid)
            found[label] = found.get(label, 0.0) + rss_bytes(pid) / 2**20
        return found

    def cpu_by_process(self) -> Dict[str, float]:
        """CPU seconds used so far per process of the tree, by `process_label`."""
        found: Dict[str, float] = {}
        for pid in self.pids():
            label = process_label(pid)
            found[label] = found.get(label, 0.0) + cpu_seconds(pid)
        return found

    def tracker_db_url(self) -> str:
        """Where Rasa's ``events`` table is (SQLAlchemy URL)."""
        return (self.env_extra.get("HELPBOT_TRACKER_STORE_URL")
                or self.env_extra.get("HELPBOT_DATABASE_URL")
                or f"sqlite:///{self.var_dir / 'conversations.db'}")

    def healthy(self, kind: str, replica: int = 0) -> bool:
        """True when a child answers its readiness probe."""
        url = {"rasa": f"{self.rasa_urls[replica]}/webhooks/helpcenter/",
               "actions": f"{self.actions_urls[replica]}/health",
               "web": f"{self.web_url}/health"}[kind]
        try:
            return requests.get(url, timeout=2).ok
        except requests.RequestException:
            return False

    def stop(self) -> Optional[int]:
        """Ctrl-C (SIGINT), as a user stops it; returns its exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        leftovers = self.pids()[1:]
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(timeout=30)
        for pid in leftovers:  # only processes this product started
            try:
                if cmdline(pid):
                    os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return code


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


@dataclass
class Stack:
    """A product and the servers it runs on (for `stop_stack`)."""

    product: Product
    postgres: Optional[Postgres] = None
    redis: Optional[Redis] = None
    mode: str = "A"

    def stop(self) -> None:
        """Stops the product, then its servers."""
        try:
            self.product.stop()
        finally:
            if self.redis:
                self.redis.stop()
            if self.postgres:
                self.postgres.stop()


def make_stack(name: str, replicas: int, pg_fsync: bool = True) -> Stack:
    """A product ready to `Product.start`: SQLite for one replica, PostgreSQL + Redis else.

    With PostgreSQL, the product's database (``helpbot``, also the tracker store) and the
    live-agent service's (``live_agent``) are separate databases of one server.
    """
    var_dir = fresh_var_dir(name)
    if replicas == 1:
        return Stack(Product(var_dir, 1, model=snapshot_model(var_dir)), mode="A")
    postgres, redis_server = Postgres(fsync=pg_fsync), Redis()
    postgres.start()
    postgres.create_databases("helpbot", "live_agent")
    redis_server.start()
    env = {"HELPBOT_DATABASE_URL": postgres.url("helpbot"),
           "HELPBOT_LIVE_AGENT_DATABASE_URL": postgres.url("live_agent"),
           "HELPBOT_LOCK_STORE_URL": redis_server.url}
    product = Product(var_dir, replicas, env, model=snapshot_model(var_dir))
    return Stack(product, postgres, redis_server, mode="B")


# ---------------------------------------------------------------------------- chatting

def chat_metadata(language: str, message_id: Optional[str] = None) -> Dict[str, str]:
    """The metadata the widget sends: page locale, browser time zone, message id."""
    metadata = {"locale": language, "timezone": TIMEZONES[language]}
    if message_id:
        metadata["message_id"] = message_id
    return metadata


def post_chat(session: requests.Session, url: str, sender: str, text: str, language: str,
              token: Optional[str] = None, timeout: float = 60.0,
              message_id: Optional[str] = None) -> requests.Response:
    """One ``POST /webhooks/helpcenter/webhook``, as the widget sends it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.post(url, json={"sender": sender, "message": text,
                                   "metadata": chat_metadata(language, message_id)},
                        headers=headers, timeout=timeout)


def code_version() -> Dict[str, Any]:
    """The commit the product ran from, and the product files changed since (not bench/)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    changed = [line[3:] for line in git("status", "--porcelain").splitlines()
               if line[3:].startswith(("bot/", "actions/", "kb_index/", "endpoints.yml"))]
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "subject": git("log", "-1", "--format=%s")[:120],
            "uncommitted_product_files": changed}


def reply_texts(replies: List[Dict[str, Any]]) -> List[str]:
    """The texts of a reply list."""
    return [r["text"] for r in replies if isinstance(r, dict) and r.get("text")]


def texts_by_language() -> Dict[str, List[re.Pattern]]:
    """Every text the bot can send, per language, as patterns (the e2e tests' builder)."""
    return bot_texts_by_language(ROOT)


def language_problems(replies: List[Dict[str, Any]], language: str,
                      patterns: Dict[str, List[re.Pattern]]) -> List[str]:
    """The reply texts that are not the bot's texts in ``language``.

    A text passes when it, or each of its paragraphs, fully matches one of the
    language's patterns (``tests/e2e/helpers.py`` ``assert_language``); a KB card must
    also carry ``custom.kb.lang == language``.
    """
    own = patterns[language]
    wrong = []
    for reply in replies:
        kb = (reply.get("custom") or {}).get("kb") if isinstance(reply, dict) else None
        if isinstance(kb, dict) and kb.get("lang") not in (None, language):
            wrong.append(f"kb card in {kb.get('lang')}")
    for text in reply_texts(replies):
        if any(p.fullmatch(text) for p in own):
            continue
        if all(any(p.fullmatch(par) for p in own) for par in text.split("\n\n")):
            continue
        wrong.append(text)
    return wrong


def guess_language(text: str, patterns: Dict[str, List[re.Pattern]]) -> str:
    """Which languages' texts match ``text`` (for reports), e.g. ``"en"`` or ``"?"``."""
    hits = [lang for lang, own in patterns.items()
            if any(p.fullmatch(text) for p in own)
            or all(any(p.fullmatch(par) for p in own) for par in text.split("\n\n"))]
    return ",".join(hits) or "?"


# ---------------------------------------------------------------------------- trackers

def tracker_events(db_url: str, senders: Iterable[str]) -> Dict[str, List[Dict[str, Any]]]:
    """Rasa's ``events`` rows of each sender, in id order (every session)."""
    import sqlalchemy as sa

    senders = list(senders)
    engine = sa.create_engine(db_url)
    rows: Dict[str, List[Dict[str, Any]]] = {s: [] for s in senders}
    try:
        with engine.connect() as connection:
            for start in range(0, len(senders), 200):
                chunk = senders[start:start + 200]
                result = connection.execute(
                    sa.text("SELECT id, sender_id, type_name, timestamp, data FROM events "
                            "WHERE sender_id IN :senders ORDER BY id")
                    .bindparams(sa.bindparam("senders", expanding=True)),
                    {"senders": chunk})
                for row in result:
                    rows[row.sender_id].append({"id": row.id, "type": row.type_name,
                                                "timestamp": row.timestamp,
                                                "data": row.data})
    finally:
        engine.dispose()
    return rows


@dataclass
class TrackerCheck:
    """What the tracker store holds compared with what the clients sent."""

    conversations: int = 0
    user_messages_sent: int = 0
    lost: List[str] = field(default_factory=list)       # sender: text
    doubled: List[str] = field(default_factory=list)    # sender: text (xN)
    out_of_order: List[str] = field(default_factory=list)
    unexpected: List[str] = field(default_factory=list)  # user events nobody got 200 for
    duplicate_rows: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No loss, doubling, reordering or duplicated row."""
        return not (self.lost or self.doubled or self.out_of_order or self.duplicate_rows)

    def summary(self) -> Dict[str, Any]:
        """Counts and the first examples."""
        return {"conversations": self.conversations,
                "user_messages_sent": self.user_messages_sent,
                "lost": len(self.lost), "doubled": len(self.doubled),
                "out_of_order": len(self.out_of_order),
                "unexpected_user_events": len(self.unexpected),
                "duplicate_event_rows": len(self.duplicate_rows),
                "examples": (self.lost + self.doubled + self.out_of_order + self.unexpected
                             + self.duplicate_rows)[:20]}


def normalise(text: str) -> str:
    """The channel's normalisation, roughly: NFKC and single spaces."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).split())


def check_trackers(db_url: str, sent: Dict[str, List[str]],
                   attempted: Optional[Dict[str, List[str]]] = None) -> TrackerCheck:
    """Checks that every message sent (got 200) is exactly one ``user`` event, in order.

    Args:
        db_url: the tracker store database.
        sent: sender -> texts the client got 200 for, in order.
        attempted: sender -> texts that were sent without a 200 (failed for good); they
            may or may not be in the tracker, but never twice.
    """
    attempted = attempted or {}
    check = TrackerCheck(conversations=len(sent),
                         user_messages_sent=sum(len(v) for v in sent.values()))
    events = tracker_events(db_url, sent)
    for sender, texts in sent.items():
        rows = events.get(sender, [])
        keys = Counter((r["type"], r["timestamp"], r["data"]) for r in rows)
        for (kind, stamp, _), count in keys.items():
            if count > 1:
                check.duplicate_rows.append(f"{sender}: {kind}@{stamp} x{count}")
        users = [normalise(json.loads(r["data"]).get("text") or "")
                 for r in rows if r["type"] == "user"]
        wanted = [normalise(t) for t in texts]
        counts, expected = Counter(users), Counter(wanted)
        for text, n in expected.items():
            if counts[text] < n:
                check.lost.append(f"{sender}: {text!r} ({counts[text]}/{n})")
            elif counts[text] > n:
                check.doubled.append(f"{sender}: {text!r} x{counts[text]} (sent {n})")
        failed = Counter(normalise(t) for t in attempted.get(sender, []))
        for text, n in counts.items():
            if text not in expected and n > 1:
                check.doubled.append(f"{sender}: {text!r} x{n} (no 200)")
            elif text not in expected and text not in failed:
                check.unexpected.append(f"{sender}: {text!r}")
        # Order: the sent texts must be a subsequence of the user events.
        position = 0
        for text in users:
            if position < len(wanted) and text == wanted[position]:
                position += 1
        if position < len(wanted) and not any(s.startswith(f"{sender}:")
                                              for s in check.lost):
            check.out_of_order.append(f"{sender}: order broken at {wanted[position]!r}")
    return check
