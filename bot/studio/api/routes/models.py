"""The history of promoted models, and rolling back to one of them."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from bot.studio.api.deps import ContextDep, CurrentEditor, StudioError
from bot.studio.api.schemas import RollbackOut

router = APIRouter(prefix="/api/studio/models", tags=["studio"])


@router.get("")
def history(context: ContextDep, editor: CurrentEditor) -> JSONResponse:
    """Every promoted model, newest first, and which one is in service."""
    from bot.studio.jobs import history_for_studio

    return JSONResponse(history_for_studio(context.settings))


@router.post("/{version}/rollback", response_model=RollbackOut)
def rollback(version: str, context: ContextDep, editor: CurrentEditor) -> RollbackOut:
    """Serves an earlier model again (and its KB index), without a restart."""
    from bot.studio.jobs import rollback_for_studio
    from bot.studio.registry import RegistryError

    try:
        rollback_for_studio(context.settings, version, by=editor.id)
    except RegistryError as error:
        raise StudioError(409, "rollback_failed", str(error)) from error
    return RollbackOut(version=version)
