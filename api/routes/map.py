"""The live map page: hillshade, wards, roads, lights, flood layers with a time slider,
warnings, calls and teams. Its scripts and styles are served by the app (no internet needed),
and so are its legends: the style table (:mod:`twin.styles`) as JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from api.errors import problem_responses
from api.static_files import STATIC_DIR
from twin.styles import LANGUAGES, STYLES

__all__ = ["router"]

router = APIRouter(tags=["map"])
Lang = Annotated[Literal["vi", "en"], Query(description="Language of the labels")]


@router.get("/map", response_class=HTMLResponse, summary="The live flood map (HTML)")
def live_map() -> HTMLResponse:
    """The map page. Dispatchers see calls and teams after giving their key (``#key=...``)."""
    html = (STATIC_DIR / "map.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@router.get("/map/styles.json", summary="The style table of flood maps, in both languages")
def styles() -> dict[str, Any]:
    """Every variable's classes (bounds, colour) with their title and labels in each language:
    the legends of the tiles, the map page, the exported styles and the figures."""
    return {
        "languages": list(LANGUAGES),
        "styles": {
            name: {lang: style.legend(lang) for lang in LANGUAGES} for name, style in STYLES.items()
        },
    }


@router.get(
    "/map/styles/{var}.json",
    summary="The legend of one flood variable",
    responses=problem_responses(404),
)
def style(var: str, lang: Lang = "en") -> dict[str, Any]:
    """Title, units and classes (lower, upper, colour, label) of ``var`` in ``lang``."""
    if var not in STYLES:
        raise HTTPException(404, detail=f"no style {var!r}: use one of {', '.join(STYLES)}")
    return STYLES[var].legend(lang)
