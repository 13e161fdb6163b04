"""The agent console: one HTML page; its script and styles are under ``/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(tags=["console"])


# A file, not JSON: the one route without a response model (it declares FileResponse).
@router.get("/console", include_in_schema=False, response_class=FileResponse)
def console() -> FileResponse:
    """The console page."""
    return FileResponse(STATIC_DIR / "console.html")
