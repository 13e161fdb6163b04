"""Retraining from the studio: start a job, follow its progress, read its report.

The job is ``python -m bot retrain`` in a child process (the same command editors and
developers run in a terminal); it writes its status file, which these routes read.
"""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.studio.api.deps import ContextDep, CurrentEditor, StudioError
from bot.studio.api.schemas import RetrainStartedOut

router = APIRouter(prefix="/api/studio/retrain", tags=["studio"])


@router.post("", response_model=RetrainStartedOut)
def start(context: ContextDep, editor: CurrentEditor) -> RetrainStartedOut:
    """Starts a retrain; 409 with the running job's id when one is already running."""
    from bot.studio.jobs import RetrainBusy, start_background_job

    try:
        job_id = start_background_job(context.settings, started_by=editor.id)
    except RetrainBusy as busy:
        raise StudioError(409, "busy", "a retrain is already running",
                          job_id=busy.job_id) from busy
    return RetrainStartedOut(job_id=job_id)


@router.get("/latest")
def latest(context: ContextDep, editor: CurrentEditor) -> JSONResponse:
    """The newest job's status (``JobStatus``); 404 before the first retrain."""
    from bot.studio.jobs import latest_job

    status = latest_job(context.settings)
    if status is None:
        raise StudioError(404, "no_job", "no retrain yet")
    return JSONResponse(json.loads(status.json()))


@router.get("/{job_id}")
def job(job_id: str, context: ContextDep, editor: CurrentEditor) -> JSONResponse:
    """A job's status (``JobStatus``): state, steps, progress, and the report when done."""
    from bot.studio.jobs import read_job

    status = read_job(context.settings, job_id)
    if status is None:
        raise StudioError(404, "no_job", f"no retrain {job_id!r}")
    return JSONResponse(json.loads(status.json()))
