"""Map tiles (public): flood variables of a run and the DEM hillshade, XYZ PNG + TileJSON 3.0.0.

Each tile route is open, read, render, respond: the rendering is :mod:`api.tiling`
(rio-tiler). Rendered tiles are kept in an LRU cache: a finished run never changes.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from api import tiling
from api._links import base_url
from api.deps import StateDep
from api.errors import problem_responses
from api.state import AppState
from twin.styles import legend_html

__all__ = ["outward_bounds", "router"]

router = APIRouter(tags=["tiles"])

PNG = "image/png"
_PNG_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {PNG: {"schema": {"type": "string", "format": "binary"}}},
        "description": "A 256 x 256 PNG, transparent where there is nothing to draw",
    }
}
_CACHE_HEADERS = {"Cache-Control": "public, max-age=86400"}
Z = Annotated[int, Path(ge=0, le=22)]
XY = Annotated[int, Path(ge=0, le=2**22 - 1)]
RUN_VARS = tiling.RUN_VARS


def _check_tile(z: int, x: int, y: int) -> None:
    if x >= 2**z or y >= 2**z:
        raise HTTPException(404, detail=f"no tile {z}/{x}/{y}: x and y go to {2**z - 1} at z={z}")


def _render_run_tile(
    state: AppState, run_id: str, var: str, time: str | None, z: int, x: int, y: int
) -> bytes:
    ds = state.run_result(run_id)
    index = tiling.time_index(ds, time) if var in ("depth", "hazard") else None
    field_key = ("field", run_id, var, index)
    field = state.cache.get(field_key)
    if field is None:
        field = tiling.flood_field(ds, var, time_index=index)
        state.cache.put(field_key, field)
    return tiling.render_tile(field, tiling.STYLES[var], z=z, x=x, y=y)


@router.get(
    "/runs/{run_id}/tiles/{var}/{z}/{x}/{y}.png",
    summary="A map tile of a run's flood variable",
    response_class=Response,
    responses={**_PNG_DOC, **problem_responses(404, 409, 422)},
)
async def run_tile(
    run_id: str,
    var: str,
    z: Z,
    x: XY,
    y: XY,
    state: StateDep,
    time: Annotated[
        str | None,
        Query(
            max_length=40,
            description="ISO datetime or seconds since the start; "
            "default the last output (depth and hazard only)",
        ),
    ] = None,
) -> Response:
    """Web Mercator XYZ tile: ``depth``, ``max_depth``, ``hazard`` or ``arrival_time``."""
    key = ("tile", run_id, var, time, z, x, y)
    cached = state.tiles.get(key)
    if cached is None:
        if var not in RUN_VARS:
            raise HTTPException(404, detail=f"no tile variable {var!r}: use {', '.join(RUN_VARS)}")
        _check_tile(z, x, y)
        cached = await run_in_threadpool(_render_run_tile, state, run_id, var, time, z, x, y)
        state.tiles.put(key, cached)
    return Response(cached, media_type=PNG, headers=_CACHE_HEADERS)


def _max_zoom(cell_m: float, lat: float) -> int:
    metres_per_px_z0 = 156543.03 * math.cos(math.radians(lat))
    # Two zooms past the one where a pixel matches a cell, so cells show as crisp squares.
    return max(10, min(20, math.ceil(math.log2(metres_per_px_z0 / max(cell_m, 0.5))) + 2))


def outward_bounds(bounds: list[float], decimals: int = 6) -> list[float]:
    """West, south, east, north rounded outward (floor W/S, ceil E/N): never clips the data.

    Examples
    --------
    >>> outward_bounds([107.5912341, 16.4512349, 107.6023451, 16.4623451])
    [107.591234, 16.451234, 107.602346, 16.462346]
    """
    scale = 10**decimals
    west, south, east, north = bounds
    return [
        math.floor(west * scale) / scale,
        math.floor(south * scale) / scale,
        math.ceil(east * scale) / scale,
        math.ceil(north * scale) / scale,
    ]


def _tilejson(
    *,
    name: str,
    description: str,
    url: str,
    bounds: list[float],
    cell_m: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    west, south, east, north = bounds
    centre_lat = (south + north) / 2
    maxzoom = _max_zoom(cell_m, centre_lat)
    return {
        "tilejson": "3.0.0",
        "name": name,
        "description": description,
        "version": "1.0.0",
        "attribution": "hue-twin",
        "scheme": "xyz",
        "tiles": [url],
        "minzoom": 8,
        "maxzoom": maxzoom,
        "bounds": outward_bounds(bounds),
        "center": [round((west + east) / 2, 6), round(centre_lat, 6), min(14, maxzoom)],
        **extra,
    }


def _cell_m(da: Any) -> float:
    return abs(float(da["x"][1] - da["x"][0])) if da.sizes.get("x", 0) > 1 else 10.0


@router.get(
    "/runs/{run_id}/tilejson.json",
    summary="TileJSON 3.0.0 of a run's flood variable",
    responses=problem_responses(404, 409, 422),
)
def run_tilejson(
    run_id: str,
    request: Request,
    state: StateDep,
    var: Annotated[str, Query(max_length=20)] = "depth",
    time: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Where the tiles are, their zooms, bounds and centre, the legend (HTML) and (extra) the
    output times and the legend's classes as JSON (``legend_url``)."""
    if var not in RUN_VARS:
        raise HTTPException(404, detail=f"no tile variable {var!r}: use {', '.join(RUN_VARS)}")
    ds = state.run_result(run_id)
    style = tiling.STYLES[var]
    base = base_url(request)
    index = tiling.time_index(ds, time)
    query = f"?time={tiling.time_label(ds, index)}" if var in ("depth", "hazard") else ""
    url = f"{base}/runs/{run_id}/tiles/{var}/{{z}}/{{x}}/{{y}}.png{query}"
    bounds = [float(v) for v in ds.rio.transform_bounds("EPSG:4326")]
    return _tilejson(
        name=f"{run_id} {var}",
        description=f"{style.title('en')} ({style.units})",
        url=url,
        bounds=bounds,
        cell_m=_cell_m(ds),
        extra={
            "times": [tiling.time_label(ds, i) for i in range(ds.sizes["time"])],
            "time": tiling.time_label(ds, index),
            # TileJSON 3.0.0: "legend" is a string (HTML here); the classes as JSON are at
            # legend_url (an extension), both from the one style table.
            "legend": legend_html(style, "en"),
            "legend_url": f"{base}/map/styles/{var}.json",
        },
    )


def _hillshade(state: AppState) -> Any:
    shade = state.cache.get(("hillshade",))
    if shade is None:
        shade = tiling.hillshade(state.city().dem)
        state.cache.put(("hillshade",), shade)
    return shade


@router.get(
    "/tiles/hillshade/{z}/{x}/{y}.png",
    summary="A hillshade tile of the city's terrain (base layer)",
    response_class=Response,
    responses={**_PNG_DOC, **problem_responses(404)},
)
async def hillshade_tile(z: Z, x: XY, y: XY, state: StateDep) -> Response:
    """Grey hillshade of the DEM, so the map works with no internet."""
    key = ("hillshade", z, x, y)
    cached = state.tiles.get(key)
    if cached is None:
        _check_tile(z, x, y)

        def render() -> bytes:
            return tiling.render_tile(_hillshade(state), tiling.HILLSHADE, z=z, x=x, y=y)

        cached = await run_in_threadpool(render)
        state.tiles.put(key, cached)
    return Response(cached, media_type=PNG, headers=_CACHE_HEADERS)


@router.get("/tiles/hillshade/tilejson.json", summary="TileJSON 3.0.0 of the hillshade")
def hillshade_tilejson(request: Request, state: StateDep) -> dict[str, Any]:
    """Where the hillshade tiles are."""
    shade = _hillshade(state)
    base = base_url(request)
    bounds = [float(v) for v in shade.rio.transform_bounds("EPSG:4326")]
    return _tilejson(
        name="hillshade",
        description="Hillshade of the DEM",
        bounds=bounds,
        url=f"{base}/tiles/hillshade/{{z}}/{{x}}/{{y}}.png",
        cell_m=_cell_m(shade),
        extra={},
    )
