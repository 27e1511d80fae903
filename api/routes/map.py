"""The live map page: hillshade, wards, roads, lights, flood depth with a time slider,
warnings, calls and teams. Its scripts and styles are served by the app (no internet needed)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.static_files import STATIC_DIR

__all__ = ["router"]

router = APIRouter(tags=["map"])


@router.get("/map", response_class=HTMLResponse, summary="The live flood map (HTML)")
def live_map() -> HTMLResponse:
    """The map page. Dispatchers see calls and teams after giving their key (``#key=...``)."""
    html = (STATIC_DIR / "map.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})
