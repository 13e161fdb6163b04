"""The studio page: one HTML file; its script and styles are under ``/studio/static``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter(tags=["studio"])


@router.get("/studio", include_in_schema=False, response_class=FileResponse)
def studio_page() -> FileResponse:
    """The studio page."""
    return FileResponse(STATIC_DIR / "studio.html")
