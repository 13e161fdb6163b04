"""The agent console: one HTML page, its interface texts; script and styles under ``/static``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from bot.live_agent.agent_texts import console_texts
from bot.live_agent.api.schemas import ConsoleTextsOut

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(tags=["console"])


# A file, not JSON: the one route without a response model (it declares FileResponse).
@router.get("/console", include_in_schema=False, response_class=FileResponse)
def console() -> FileResponse:
    """The console page."""
    return FileResponse(STATIC_DIR / "console.html")


# No login needed: the login form itself is shown in the browser's language.
@router.get("/api/console/texts", response_model=ConsoleTextsOut)
def texts(lang: Annotated[str, Query(regex=r"^(ru|nb|fr|it|en)$")] = "en") -> ConsoleTextsOut:
    """The console's own labels, hints and messages in ``lang``."""
    return ConsoleTextsOut.of(console_texts(lang))
