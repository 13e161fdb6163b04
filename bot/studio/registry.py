"""The model history: every promoted model with its KB index, data revision and scores.

Layout (``history_dir``, by default ``models/history/``)::

    <version>/model.tar.gz      the Rasa model, as trained
    <version>/kb_index/<vN>/    the KB index version built from the same data
    <version>/meta.json         ``ModelMeta``
    IN_SERVICE                  the version promoted last (written atomically)

Promotion replaces the served model file (``models/helpbot.tar.gz``) atomically, so a
restart serves the same model; flips the KB index's ``CURRENT`` to a copy of the
version's index (every ``Searcher`` reloads on its next search); and asks each Rasa
replica to load the history copy through ``PUT /model`` (Rasa's model API, behind its
token). Rasa swaps its agent between two messages and keeps its tracker and lock
stores, so open conversations continue. A replica that is down is reported, not
fatal: it loads the served file when it restarts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, List, Literal, Optional, Sequence

from pydantic import BaseModel

from bot.studio.gate import Scores

META_FILE = "meta.json"
MODEL_FILE = "model.tar.gz"
KB_DIR = "kb_index"
IN_SERVICE_FILE = "IN_SERVICE"
# What `rasa train` and the KB build read: their hash names the training data.
TRAINING_DATA = ("domain", "data/nlu", "data/rules", "data/stories", "data/kb",
                 "config.yml")
# Loading a model in Rasa takes seconds (e5, spaCy, lingua); a cold one up to a minute.
LOAD_TIMEOUT_SECONDS = 300.0


class RegistryError(RuntimeError):
    """A version is unknown, incomplete, or there is nothing to roll back to."""


class DataRevision(BaseModel):
    """Which training data a model was trained on."""

    # HEAD's commit, or "" outside a git repository.
    commit: str
    # True when the training data differed from HEAD (uncommitted edits).
    dirty: bool
    # sha256 over the TRAINING_DATA files' relative paths and bytes.
    data_sha256: str


class Promotion(BaseModel):
    """One time a version was put in service."""

    at: datetime
    by: str
    kind: Literal["promote", "rollback", "baseline"]


class ModelMeta(BaseModel):
    """``meta.json`` of one history entry."""

    version: str
    created_at: datetime
    promoted_at: Optional[datetime] = None
    promoted_by: Optional[str] = None
    promotions: List[Promotion] = []
    model_sha256: str
    # Rasa's own id of the trained model (``GET /status`` → ``model_id``).
    model_id: str
    # Name of the KB index version folder under ``<version>/kb_index/``.
    kb_version: str
    data_revision: DataRevision
    scores: Scores = {}
    gate_reasons: List[str] = []
    # The version that was in service when this one was recorded.
    previous: Optional[str] = None


class ReplicaResult(BaseModel):
    """What one Rasa replica did with ``PUT /model``."""

    url: str
    state: Literal["loaded", "down", "error"]
    model_id: Optional[str] = None
    message: str = ""


class PromotionReport(BaseModel):
    """The outcome of ``promote``: the files switched, and each replica's answer."""

    version: str
    served_model: str
    kb_version_dir: str
    replicas: List[ReplicaResult]
    seconds: float


def file_sha256(path: Path) -> str:
    """Returns the hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_sha256(root: Path, parts: Iterable[str] = TRAINING_DATA) -> str:
    """Hashes the files under ``root``'s ``parts`` (relative paths and bytes, sorted)."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_revision(root: Path) -> DataRevision:
    """Returns HEAD's commit, whether the training data is dirty, and its hash."""
    def git(*args: str) -> str:
        try:
            result = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                    text=True, timeout=20, check=True)
        except (OSError, subprocess.SubprocessError):
            return ""
        return result.stdout.strip()

    existing = [part for part in TRAINING_DATA if (root / part).exists()]
    commit = git("rev-parse", "HEAD")
    dirty = bool(commit) and bool(git("status", "--porcelain", "--", *existing))
    return DataRevision(commit=commit, dirty=dirty, data_sha256=tree_sha256(root, existing))


def model_id_of(model_path: Path) -> str:
    """Reads Rasa's model id from a model archive's ``metadata.json`` (no unpacking)."""
    with tarfile.open(model_path, "r:gz") as archive:
        for member in archive:
            if Path(member.name).name == "metadata.json" and member.isfile():
                handle = archive.extractfile(member)
                if handle is not None:
                    return str(json.loads(handle.read().decode("utf-8"))["model_id"])
    raise RegistryError(f"{model_path} is not a Rasa model: no metadata.json")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _atomic_copy(source: Path, target: Path) -> None:
    """Copies to a temporary file beside ``target``, then renames it over ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


class Registry:
    """The model history in one folder (see the module docstring)."""

    def __init__(self, history_dir: Path) -> None:
        self.history_dir = history_dir

    # -- reading -----------------------------------------------------------------

    def list_versions(self) -> List[ModelMeta]:
        """Every recorded version, oldest first."""
        if not self.history_dir.is_dir():
            return []
        metas = [ModelMeta.parse_file(path)
                 for path in self.history_dir.glob(f"*/{META_FILE}")]
        return sorted(metas, key=lambda meta: (meta.created_at, meta.version))

    def get(self, version: str) -> ModelMeta:
        """One version's metadata.

        Raises:
            RegistryError: no such version.
        """
        path = self.history_dir / version / META_FILE
        if not path.is_file():
            known = ", ".join(m.version for m in self.list_versions()) or "none"
            raise RegistryError(f"no model version {version!r} (known: {known})")
        return ModelMeta.parse_file(path)

    def in_service(self) -> Optional[ModelMeta]:
        """The version promoted last, or None before the first promotion."""
        try:
            version = (self.history_dir / IN_SERVICE_FILE).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.get(version) if version else None

    def model_path(self, version: str) -> Path:
        """Absolute path of a version's model archive."""
        return (self.history_dir / version / MODEL_FILE).resolve()

    def kb_path(self, meta: ModelMeta) -> Path:
        """A version's KB index version folder."""
        return self.history_dir / meta.version / KB_DIR / meta.kb_version

    # -- writing -----------------------------------------------------------------

    def record(self, model_path: Path, kb_version_dir: Path, revision: DataRevision,
               scores: Scores, gate_reasons: Sequence[str] = (),
               previous: Optional[str] = None, version: Optional[str] = None) -> ModelMeta:
        """Copies a model and its KB index into the history and writes its ``meta.json``.

        Args:
            model_path: a trained Rasa model archive.
            kb_version_dir: the KB index version built from the same data
                (a folder with ``index.json``).
            revision: the training data's revision (``data_revision``).
            scores: the model's scores at recording time.
            gate_reasons: the gate's sentences (empty when it passed).
            previous: the version in service when this one was trained.
            version: the folder name; default ``<UTC time>-<model sha256[:8]>``.

        Returns:
            The written metadata (not yet promoted).
        """
        sha = file_sha256(model_path)
        created = _now()
        version = version or f"{created:%Y%m%dT%H%M%SZ}-{sha[:8]}"
        target = self.history_dir / version
        if (target / META_FILE).exists():
            raise RegistryError(f"model version {version!r} exists already")
        staging = self.history_dir / f".{version}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        (staging / KB_DIR).mkdir(parents=True)
        shutil.copyfile(model_path, staging / MODEL_FILE)
        shutil.copytree(kb_version_dir, staging / KB_DIR / kb_version_dir.name)
        meta = ModelMeta(version=version, created_at=created, model_sha256=sha,
                         model_id=model_id_of(model_path), kb_version=kb_version_dir.name,
                         data_revision=revision, scores=scores,
                         gate_reasons=list(gate_reasons), previous=previous)
        (staging / META_FILE).write_text(meta.json(indent=2), encoding="utf-8")
        # A half-copied entry is never listed: the folder appears complete or not at all.
        staging.rename(target)
        return meta

    def _save(self, meta: ModelMeta) -> None:
        _atomic_write(self.history_dir / meta.version / META_FILE, meta.json(indent=2))

    def mark_in_service(self, version: str, by: str,
                        kind: Literal["promote", "rollback", "baseline"]) -> ModelMeta:
        """Records who put ``version`` in service and when, and points IN_SERVICE at it."""
        meta = self.get(version)
        at = _now()
        meta.promoted_at, meta.promoted_by = at, by
        meta.promotions.append(Promotion(at=at, by=by, kind=kind))
        self._save(meta)
        _atomic_write(self.history_dir / IN_SERVICE_FILE, version)
        return meta

    def promote(self, version: str, served_model_path: Path, kb_build_dir: Path,
                rasa_urls: Sequence[str], token: str, by: str = "unknown",
                kind: Literal["promote", "rollback"] = "promote",
                timeout: float = LOAD_TIMEOUT_SECONDS) -> PromotionReport:
        """Puts a recorded version in service without restarting anything.

        Args:
            version: a recorded version.
            served_model_path: the file Rasa starts with (``models/helpbot.tar.gz``);
                replaced atomically so that a restart serves the same model.
            kb_build_dir: the KB index folder with ``CURRENT`` (``kb_index/build``).
            rasa_urls: base URL of each running replica, e.g. ``http://127.0.0.1:5005``.
            token: Rasa's ``--auth-token``.
            by: who promoted (an editor's name).
            kind: recorded in the version's promotions.
            timeout: seconds to wait for each replica to load the model.

        Returns:
            The report; a replica that is down or refused is listed, not raised.

        Raises:
            RegistryError: unknown version, or its files are missing.
        """
        started = time.perf_counter()
        meta = self.get(version)
        model = self.model_path(version)
        kb_source = self.kb_path(meta)
        if not model.is_file() or not kb_source.is_dir():
            raise RegistryError(f"model version {version!r} is incomplete in "
                                f"{self.history_dir / version}")
        _atomic_copy(model, served_model_path)
        kb_version_dir = flip_kb_index(kb_source, kb_build_dir)
        self.mark_in_service(version, by, kind)
        replicas = [load_on_replica(url, model, token, meta.model_id, timeout)
                    for url in rasa_urls]
        return PromotionReport(version=version, served_model=str(served_model_path),
                               kb_version_dir=str(kb_version_dir), replicas=replicas,
                               seconds=time.perf_counter() - started)

    def rollback(self, served_model_path: Path, kb_build_dir: Path,
                 rasa_urls: Sequence[str], token: str, version: Optional[str] = None,
                 by: str = "unknown") -> PromotionReport:
        """Promotes an older version: ``version``, or the in-service one's ``previous``.

        Raises:
            RegistryError: nothing is in service and no version was named, or the
                version in service has no previous one.
        """
        if version is None:
            current = self.in_service()
            if current is None or current.previous is None:
                raise RegistryError("nothing to roll back to: "
                                    + ("no model was promoted yet" if current is None else
                                       f"{current.version} has no previous version"))
            version = current.previous
        return self.promote(version, served_model_path, kb_build_dir, rasa_urls, token,
                            by=by, kind="rollback")


def flip_kb_index(version_dir: Path, kb_build_dir: Path) -> Path:
    """Copies an index version into ``kb_build_dir`` and points ``CURRENT`` at the copy.

    As ``kb_index.build.write_version``: a new ``v<ns>`` folder, ``CURRENT`` replaced
    atomically, older versions pruned except the previous one.
    """
    kb_build_dir.mkdir(parents=True, exist_ok=True)
    target = kb_build_dir / f"v{time.time_ns()}"
    staging = kb_build_dir / f".{target.name}.partial"
    shutil.copytree(version_dir, staging)
    staging.rename(target)
    _atomic_write(kb_build_dir / "CURRENT", target.name)
    for old in sorted(kb_build_dir.glob("v*"), key=lambda p: p.name)[:-2]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def load_on_replica(url: str, model: Path, token: str, model_id: str,
                    timeout: float = LOAD_TIMEOUT_SECONDS) -> ReplicaResult:
    """``PUT {url}/model`` with the model's absolute path, then checks ``GET /status``.

    Returns:
        ``loaded`` when the replica answered 204 and reports ``model_id``; ``down`` when
        it could not be reached (it loads the served file when it restarts); ``error``
        otherwise, with Rasa's message.
    """
    import requests

    params = {"token": token}
    try:
        response = requests.put(f"{url}/model", params=params,
                                json={"model_file": str(model.resolve())}, timeout=timeout)
    except requests.ConnectionError as error:
        return ReplicaResult(url=url, state="down", message=f"not reachable: {error}")
    except requests.RequestException as error:
        return ReplicaResult(url=url, state="error", message=f"PUT /model: {error}")
    if response.status_code != 204:
        return ReplicaResult(url=url, state="error",
                             message=f"PUT /model answered {response.status_code}: "
                                     f"{response.text[:300]}")
    try:
        status: Dict[str, object] = requests.get(f"{url}/status", params=params,
                                                 timeout=30).json()
    except (requests.RequestException, ValueError) as error:
        return ReplicaResult(url=url, state="error", message=f"GET /status: {error}")
    served = str(status.get("model_id"))
    if served != model_id:
        return ReplicaResult(url=url, state="error", model_id=served,
                             message=f"serves model {served}, expected {model_id}")
    return ReplicaResult(url=url, state="loaded", model_id=served)


def replica_urls(host: str, port: int, replicas: int) -> List[str]:
    """The base URLs of the Rasa replicas ``python -m bot run`` starts."""
    return [f"http://{host}:{port + number}" for number in range(replicas)]
