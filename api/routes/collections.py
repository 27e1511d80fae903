"""City layers in the shape of OGC API – Features (Part 1, core, GeoJSON), in WGS 84 lon/lat.

``/collections`` lists the public layers; ``/collections/{layer}/items`` pages through one
of them with ``bbox``, ``limit`` and ``offset``. Street lights carry the status that citizen
reports gave them. Registered households (names, phones, vulnerabilities) are never served
here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

import geopandas as gpd
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from shapely.geometry import box

from api._links import base_url
from api.deps import StateDep
from api.errors import problem_responses
from api.state import AppState
from layers.geojson import to_geojson_dict
from twin import reports

__all__ = ["LAYERS", "Collection", "Collections", "Link", "parse_datetime", "router"]

router = APIRouter(tags=["layers"])

GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
LAYERS: dict[str, tuple[str, str]] = {
    "wards": ("ward_id", "Wards and communes (phường, xã) with population"),
    "roads": ("road_id", "Road centre lines with class and free-flow speed"),
    "lights": ("light_id", "Street lights with their current status"),
    "dams": ("dam_id", "Dams upstream of the city"),
    "gauges": ("gauge_id", "River and rain gauges with alarm levels"),
    "stations": ("team_id", "Rescue teams and their bases"),
    "shelters": ("shelter_id", "Evacuation shelters and their capacity"),
}
"""Layer -> (id column, title): the layers served as collections."""


class Link(BaseModel):
    """A web link (OGC API)."""

    href: str
    rel: str
    type: str | None = None
    title: str | None = None


class Collection(BaseModel):
    """One layer as an OGC API – Features collection."""

    id: str
    title: str
    itemType: str = "feature"  # noqa: N815 (the OGC name)
    crs: list[str] = Field(default_factory=lambda: [CRS84])
    extent: dict[str, Any]
    links: list[Link]


class Collections(BaseModel):
    """Every collection."""

    collections: list[Collection]
    links: list[Link]


def _layer(state: AppState, layer: str) -> gpd.GeoDataFrame:
    if layer not in LAYERS:
        names = ", ".join(LAYERS)
        raise HTTPException(404, detail=f"no collection {layer!r}: use one of {names}")
    gdf = state.layer_wgs84(layer)
    if layer == "lights":
        gdf = reports.lights_with_status(state.engine, gdf)
    return gdf


def _collection(state: AppState, base: str, layer: str) -> Collection:
    gdf = state.layer_wgs84(layer)
    bounds = [float(v) for v in gdf.total_bounds] if len(gdf) else [-180.0, -90.0, 180.0, 90.0]
    return Collection(
        id=layer,
        title=LAYERS[layer][1],
        extent={"spatial": {"bbox": [bounds], "crs": CRS84}},
        links=[
            Link(href=f"{base}/collections/{layer}", rel="self", type="application/json"),
            Link(href=f"{base}/collections/{layer}/items", rel="items", type=GEOJSON),
        ],
    )


def _base(request: Request) -> str:
    return base_url(request)


@router.get(
    "/collections",
    response_model=Collections,
    response_model_exclude_none=True,
    summary="List the city layers",
)
async def list_collections(request: Request, state: StateDep) -> Collections:
    """The public layers of the city, each with its lon/lat extent."""
    base = _base(request)
    items = [await run_in_threadpool(_collection, state, base, name) for name in LAYERS]
    return Collections(
        collections=items,
        links=[Link(href=f"{base}/collections", rel="self", type="application/json")],
    )


@router.get(
    "/collections/{layer}",
    response_model=Collection,
    response_model_exclude_none=True,
    summary="Describe one layer",
    responses=problem_responses(404),
)
async def get_collection(layer: str, request: Request, state: StateDep) -> Collection:
    """One layer's title, extent and links."""
    await run_in_threadpool(_layer, state, layer)
    return await run_in_threadpool(_collection, state, _base(request), layer)


def _parse_bbox(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(abs(v) <= 180 for v in values):
        raise HTTPException(
            400, detail=f"bbox={text!r} must be minlon,minlat,maxlon,maxlat in WGS 84 degrees"
        )
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy or abs(miny) > 90 or abs(maxy) > 90:
        raise HTTPException(
            400, detail=f"bbox={text!r}: give minlon,minlat,maxlon,maxlat (min before max)"
        )
    return minx, miny, maxx, maxy


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _instant(text: str, *, end: bool) -> datetime:
    """An RFC 3339 date-time (with ``Z`` or an offset) or full date (its whole day)."""
    try:
        if _DATE.match(text):
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return day + timedelta(days=1) - timedelta(microseconds=1) if end else day
        stamp = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        stamp = None
    if stamp is None or "T" not in text.upper() or stamp.tzinfo is None:
        raise HTTPException(
            400,
            detail=f"datetime {text!r} is not an RFC 3339 date-time with a time zone or a "
            "date: e.g. 2025-10-27T07:00:00Z, 2025-10-27T14:00:00+07:00 or 2025-10-27",
        )
    return stamp.astimezone(UTC)


def parse_datetime(text: str) -> tuple[datetime | None, datetime | None]:
    """The ``datetime`` parameter of OGC API – Features (/req/core/fc-time-definition): an
    instant, a closed interval ``a/b``, or an interval open at one or both ends (``..`` or
    empty). Returns ``(start, end)`` in UTC, None for an open end.

    Raises
    ------
    fastapi.HTTPException
        400 when the text is none of these forms, or the interval ends before it starts.
    """
    parts = text.split("/")
    if len(parts) == 1:
        if parts[0] in ("", ".."):
            raise HTTPException(400, detail="datetime needs an instant or an interval a/b")
        return _instant(parts[0], end=False), _instant(parts[0], end=True)
    if len(parts) != 2:
        raise HTTPException(400, detail=f"datetime {text!r} has more than one '/'")
    start = None if parts[0] in ("", "..") else _instant(parts[0], end=False)
    end = None if parts[1] in ("", "..") else _instant(parts[1], end=True)
    if start is not None and end is not None and end < start:
        raise HTTPException(400, detail=f"datetime {text!r} ends before it starts")
    return start, end


def _features(gdf: gpd.GeoDataFrame, id_column: str) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = to_geojson_dict(gdf, id_column=id_column)["features"]
    return features


def _items_page(
    state: AppState,
    layer: str,
    bbox: str | None,
    limit: int,
    offset: int,
    base: str,
    when: str | None = None,
) -> dict[str, Any]:
    gdf = _layer(state, layer)
    if bbox is not None:
        hits = gdf.sindex.query(box(*_parse_bbox(bbox)), predicate="intersects")
        gdf = gdf.iloc[sorted(hits)]
    matched = len(gdf)
    page = gdf.iloc[offset : offset + limit]
    features = _features(page, LAYERS[layer][0])
    query = f"&bbox={quote(bbox, safe=',')}" if bbox else ""
    query += f"&datetime={quote(when, safe=':/.')}" if when else ""
    url = f"{base}/collections/{layer}/items"
    links = [
        {"href": f"{url}?limit={limit}&offset={offset}{query}", "rel": "self", "type": GEOJSON},
        {"href": f"{base}/collections/{layer}", "rel": "collection", "type": "application/json"},
    ]
    if offset + limit < matched:
        links.append(
            {
                "href": f"{url}?limit={limit}&offset={offset + limit}{query}",
                "rel": "next",
                "type": GEOJSON,
            }
        )
    if offset > 0:
        links.append(
            {
                "href": f"{url}?limit={limit}&offset={max(0, offset - limit)}{query}",
                "rel": "prev",
                "type": GEOJSON,
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }


_GEOJSON_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {GEOJSON: {"schema": {"type": "object"}}}, "description": "GeoJSON"}
}
_ITEMS_PARAMETERS = frozenset({"bbox", "datetime", "limit", "offset"})


_FORMATS = frozenset({"json", "geojson"})
"""Values of ``f`` (the encoding OGC API clients may ask for): both mean GeoJSON here."""


def _refuse_unknown(request: Request, allowed: frozenset[str]) -> None:
    """OGC API – Features (/req/core/query-param-unknown): unknown parameters are a 400.

    ``f``, the format parameter OGC API clients add (``f=json``), is known everywhere; a
    format this service does not offer (``f=html``) is a 400 that names the ones it does.
    """
    allowed = allowed | {"f"}
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        known = ", ".join(sorted(allowed))
        raise HTTPException(
            400, detail=f"unknown query parameter(s) {', '.join(unknown)}: this path takes {known}"
        )
    for fmt in request.query_params.getlist("f"):
        if fmt.lower() not in _FORMATS:
            raise HTTPException(
                400, detail=f"format f={fmt!r} is not offered here: use f=json (GeoJSON)"
            )


@router.get(
    "/collections/{layer}/items",
    summary="Features of one layer (GeoJSON)",
    response_class=JSONResponse,
    responses={**_GEOJSON_DOC, **problem_responses(400, 404)},
)
async def list_items(
    layer: str,
    request: Request,
    state: StateDep,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200,
            description="minlon,minlat,maxlon,maxlat (WGS 84)",
            examples=["107.55,16.42,107.62,16.49"],
        ),
    ] = None,
    datetime_: Annotated[
        str | None,
        Query(
            alias="datetime",
            max_length=100,
            description="An instant, a closed interval, or an interval open at one end "
            "(RFC 3339, OGC API – Features): 2025-10-27T07:00:00Z, "
            "2025-10-26T00:00:00Z/2025-10-28T00:00:00Z, ../2025-10-28T00:00:00Z, "
            "2025-10-26T00:00:00Z/..",
            examples=["2025-10-26T00:00:00Z/.."],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> JSONResponse:
    """A page of features as a GeoJSON FeatureCollection (RFC 7946: lon/lat, WGS 84).

    ``numberMatched`` counts every feature in ``bbox``; ``links`` holds ``next``/``prev``.
    ``datetime`` is checked and kept in the links; the city's layers have no temporal
    geometry, and OGC API – Features matches such features at any time, so it selects all.
    A parameter out of range or unknown is answered with 400 (OGC API – Features).
    """
    _refuse_unknown(request, _ITEMS_PARAMETERS)
    if datetime_ is not None:
        parse_datetime(datetime_)
    doc = await run_in_threadpool(
        _items_page, state, layer, bbox, limit, offset, _base(request), datetime_
    )
    return JSONResponse(doc, media_type=GEOJSON)


@router.get(
    "/collections/{layer}/items/{feature_id}",
    summary="One feature (GeoJSON)",
    response_class=JSONResponse,
    responses={**_GEOJSON_DOC, **problem_responses(400, 404)},
)
async def get_item(layer: str, feature_id: str, request: Request, state: StateDep) -> JSONResponse:
    """One feature by its id (``W01``, ``L0123``, ...), with links to itself and its layer."""
    _refuse_unknown(request, frozenset())
    base = _base(request)

    def find() -> dict[str, Any]:
        gdf = _layer(state, layer)
        id_column = LAYERS[layer][0]
        row = gdf[gdf[id_column].astype(str) == feature_id]
        if len(row) == 0:
            raise HTTPException(404, detail=f"no feature {feature_id!r} in {layer}")
        feature = _features(row.iloc[:1], id_column)[0]
        feature["links"] = [
            {
                "href": f"{base}/collections/{layer}/items/{quote(feature_id, safe='')}",
                "rel": "self",
                "type": GEOJSON,
            },
            {
                "href": f"{base}/collections/{layer}",
                "rel": "collection",
                "type": "application/json",
            },
        ]
        return feature

    return JSONResponse(await run_in_threadpool(find), media_type=GEOJSON)
