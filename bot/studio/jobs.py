"""Retrains started from the studio, and the model history as the studio shows it.

A retrain is ``python -m bot retrain --json-progress --job-id <id>`` in a child process of
the web server: the same command editors and developers run in a terminal. It writes
``var/studio/jobs/<id>/status.json``, which the studio polls.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timezone
from typing import Dict, List, Optional, TypedDict

from bot.settings import PROJECT_ROOT, Settings
from bot.studio.gate import Scores
from bot.studio.registry import Registry, replica_urls
from bot.studio.retrain import (
    STEPS,
    JobStatus,
    RetrainLock,
    StepStatus,
    StudioPaths,
    new_job_id,
    read_status,
)


class RetrainBusy(RuntimeError):
    """A retrain is running; ``job_id`` is the one to follow."""

    def __init__(self, job_id: Optional[str]) -> None:
        super().__init__("a retrain is already running")
        self.job_id = job_id


def _lock_holder(paths: StudioPaths) -> Optional[int]:
    """The PID of the running retrain, if a living process holds the lock."""
    return RetrainLock(paths.lock_file).holder()


def _job_ids(paths: StudioPaths) -> List[str]:
    if not paths.jobs_dir.is_dir():
        return []
    return sorted((p.name for p in paths.jobs_dir.iterdir()
                   if (p / "status.json").is_file()), reverse=True)


def read_job(settings: Settings, job_id: str) -> Optional[JobStatus]:
    """A job's status; a job whose process died is reported as failed.

    Returns None for an unknown id (or one that is not a plain folder name).
    """
    paths = StudioPaths.from_settings(settings)
    if not job_id or "/" in job_id or job_id.startswith("."):
        return None
    try:
        status = read_status(paths.jobs_dir, job_id)
    except (OSError, ValueError):
        return None
    if status.state == "running" and _lock_holder(paths) is None and _started_long_ago(status):
        # Stopped with the product, or killed: nobody will finish it.
        status.state, status.message = "failed", "the retrain stopped before it finished"
    return status


def _started_long_ago(status: JobStatus, grace_seconds: float = 30.0) -> bool:
    # A job just started may not hold the lock yet.
    return (datetime.now(timezone.utc) - status.started_at).total_seconds() > grace_seconds


def latest_job(settings: Settings) -> Optional[JobStatus]:
    """The newest job's status, or None before the first retrain."""
    for job_id in _job_ids(StudioPaths.from_settings(settings)):
        status = read_job(settings, job_id)
        if status is not None:
            return status
    return None


def start_background_job(settings: Settings, started_by: str) -> str:
    """Starts a retrain in a child process; returns its job id at once.

    Raises:
        RetrainBusy: a retrain is running (its job id, when known).
    """
    paths = StudioPaths.from_settings(settings)
    if _lock_holder(paths) is not None:
        running = latest_job(settings)
        raise RetrainBusy(running.job_id if running is not None else None)
    job_id = new_job_id()
    folder = paths.jobs_dir / job_id
    folder.mkdir(parents=True)
    # Written before the child starts, so the first poll finds the job.
    status = JobStatus(job_id=job_id, steps=[StepStatus(name=name) for name in STEPS],
                       message="starting", started_by=started_by,
                       started_at=datetime.now(timezone.utc))
    (folder / "status.json").write_text(status.json(indent=2), encoding="utf-8")
    output = (folder / "retrain.out").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "retrain", "--json-progress", "--by", started_by,
         "--job-id", job_id],
        cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=output,
        stderr=subprocess.STDOUT)
    output.close()
    # Reaped when it ends, so no zombie stays behind in a long-running web server.
    threading.Thread(target=process.wait, name=f"retrain-{job_id}", daemon=True).start()
    return job_id


class ModelRow(TypedDict):
    """One promoted model, as the studio's history table shows it."""

    version: str
    created_at: str
    promoted_at: Optional[str]
    promoted_by: Optional[str]
    data_revision: str
    scores: Scores
    in_service: bool


class ModelHistory(TypedDict):
    """``GET /api/studio/models``."""

    models: List[ModelRow]


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return moment.isoformat() if moment is not None else None


def history_for_studio(settings: Settings) -> ModelHistory:
    """Every model in the history, newest first, and which one is in service."""
    registry = Registry(StudioPaths.from_settings(settings).history_dir)
    current = registry.in_service()
    rows: List[ModelRow] = []
    for meta in registry.list_versions():
        revision = meta.data_revision
        rows.append(ModelRow(
            version=meta.version, created_at=meta.created_at.isoformat(),
            promoted_at=_iso(meta.promoted_at), promoted_by=meta.promoted_by,
            data_revision=(revision.commit[:10] or "-") + ("+edits" if revision.dirty else ""),
            scores=meta.scores,
            in_service=current is not None and meta.version == current.version))
    rows.sort(key=lambda row: row["created_at"], reverse=True)
    return ModelHistory(models=rows)


def rollback_for_studio(settings: Settings, version: str, by: str) -> Dict[str, str]:
    """Puts ``version`` back in service (model and KB index) on every replica.

    Raises:
        bot.studio.registry.RegistryError: unknown version, or nothing to roll back to.
    """
    paths = StudioPaths.from_settings(settings)
    report = Registry(paths.history_dir).rollback(
        settings.model_path, settings.kb_build_dir,
        replica_urls(settings.host, settings.rasa_port, settings.rasa_replicas),
        settings.rasa_token, version=version, by=by)
    return {"version": report.version}
