"""Warnings: CAP 1.2 messages as JSON, CAP XML, GeoJSON and an Atom feed (public); an
operator cancels a warning in effect (``POST /alerts/{identifier}/cancel``)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from shapely.geometry import Polygon, mapping

from api._links import base_url
from api._paging import decode_cursor, encode_cursor, link_next
from api.deps import OperatorKey, StateDep
from api.errors import problem_responses
from layers.geojson import orient_rfc7946
from twin import alerts

__all__ = ["AlertIssued", "AlertPublic", "CancelRequest", "issued_links", "router"]

router = APIRouter(prefix="/alerts", tags=["alerts"])

CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"
State = Literal["active", "superseded", "cancelled", "expired", "closed"]


class AlertPublic(BaseModel):
    """One issued message, as listed."""

    identifier: str
    msg_type: str
    state: str
    status: str
    area_key: str
    wards: list[str]
    sent: datetime
    expires: datetime | None
    severity: str
    urgency: str
    certainty: str
    headline_vi: str
    headline_en: str
    references: list[str]
    run_id: str | None
    cap_url: str


class AlertIssued(BaseModel):
    """A message just issued, with the link to its CAP XML."""

    identifier: str
    msg_type: Literal["Alert", "Update", "Cancel"]
    status: str
    sent: datetime
    references: list[str] = Field(description="Earlier messages: `sender,identifier,sent`.")
    cap_url: str


class CancelRequest(BaseModel):
    """Why a warning is cancelled (optional)."""

    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="Why it is cancelled; sent as the CAP `note`.",
        examples=["Nước đã rút; the river is back below alarm level 1."],
    )


def issued_links(request: Request, messages: list[alerts.CapMessage]) -> list[AlertIssued]:
    """The new messages as :class:`AlertIssued` (links made from the request's base URL)."""
    base = base_url(request)
    return [
        AlertIssued(
            identifier=m.identifier,
            msg_type=m.msg_type,  # type: ignore[arg-type]
            status=m.status,
            sent=m.sent,
            references=list(m.references),
            cap_url=f"{base}/alerts/{m.identifier}.xml",
        )
        for m in messages
    ]


def _now() -> datetime:
    return datetime.now(UTC)


def _state_at(record: alerts.AlertRecord, now: datetime) -> str:
    """The lifecycle state at ``now``: a message past its ``expires`` is expired, even before
    the next issuance records it so."""
    if record.state == "active" and record.expires is not None and record.expires <= now:
        return "expired"
    return record.state


def _public(record: alerts.AlertRecord, wards: list[str], base: str, now: datetime) -> AlertPublic:
    return AlertPublic(
        identifier=record.identifier,
        msg_type=record.msg_type,
        state=_state_at(record, now),
        status=record.status,
        area_key=record.area_key,
        wards=wards,
        sent=record.sent,
        expires=record.expires,
        severity=record.severity,
        urgency=record.urgency,
        certainty=record.certainty,
        headline_vi=record.headline_vi,
        headline_en=record.headline_en,
        references=list(record.references),
        run_id=record.run_id,
        cap_url=f"{base}/alerts/{record.identifier}.xml",
    )


@router.get("", response_model=list[AlertPublic], summary="List warnings")
def list_alerts(
    request: Request,
    response: Response,
    state: StateDep,
    ward: Annotated[str | None, Query(max_length=40, description="Ward id, e.g. W01")] = None,
    status: Annotated[State | None, Query(description="Lifecycle state")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before: Annotated[
        str | None, Query(max_length=200, description="Cursor of the next (older) page")
    ] = None,
) -> list[AlertPublic]:
    """Issued messages, newest first; filter by ward and lifecycle state (a message past its
    ``expires`` is ``expired``). Older ones: follow the ``Link: rel="next"`` header."""
    base = base_url(request)
    now = _now()
    (before_seq,) = decode_cursor(before, (int,)) if before else (None,)
    page, more = alerts.alerts_page(
        state.engine, ward=ward, state=status, now=now, limit=limit, before_seq=before_seq
    )
    link_next(request, response, "before", None if more is None else encode_cursor(more))
    return [_public(record, wards, base, now) for record, wards in page]


def _lonlat_polygon(polygon: str) -> dict[str, Any]:
    """A CAP polygon (``"lat,lon lat,lon ..."``) as a GeoJSON Polygon: lon, lat (RFC 7946),
    the ring turned counter-clockwise where CAP gave it clockwise."""
    ring = []
    for pair in polygon.split():
        lat, lon = (float(v) for v in pair.split(","))
        ring.append((lon, lat))
    (oriented,) = orient_rfc7946([Polygon(ring)])
    geometry: dict[str, Any] = mapping(oriented)
    return geometry


@router.get(
    "/active.geojson",
    summary="Active warnings as GeoJSON (for maps)",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}},
)
def active_geojson(state: StateDep) -> JSONResponse:
    """The areas of the messages in effect now (expired ones left out), one Feature per area;
    lon/lat, exterior rings counter-clockwise (RFC 7946)."""
    features: list[dict[str, Any]] = []
    for message in alerts.active_alerts(state.engine, now=_now()):
        info = next((i for i in message.infos if i.language.startswith("vi")), message.infos[0])
        english = next((i for i in message.infos if i.language.startswith("en")), info)
        for area in info.areas:
            polygons = [_lonlat_polygon(p)["coordinates"] for p in area.polygons]
            if not polygons:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                    "properties": {
                        "identifier": message.identifier,
                        "msg_type": message.msg_type,
                        "severity": info.severity,
                        "urgency": info.urgency,
                        "event": info.event,
                        "headline_vi": info.headline,
                        "headline_en": english.headline,
                        "area": area.area_desc,
                        "wards": [v for _n, v in area.geocodes],
                    },
                }
            )
    return JSONResponse(
        {"type": "FeatureCollection", "features": features}, media_type="application/geo+json"
    )


@router.get(
    "/feed.atom",
    summary="Atom feed of the warnings",
    response_class=Response,
    responses={200: {"content": {ATOM_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
)
def feed(
    request: Request,
    state: StateDep,
    lang: Annotated[Literal["vi-VN", "en-US"], Query()] = "vi-VN",
) -> Response:
    """RFC 4287 feed of the warnings in effect and of the Updates and Cancels of the last
    24 hours; each entry links to its CAP message. The feed's id is permanent (made from the
    ``TWIN_PUBLIC_BASE_URL`` setting)."""
    base = base_url(request) + "/alerts"
    feed_id = uuid.uuid5(
        uuid.NAMESPACE_URL, f"{state.settings.public_base_url}/alerts/feed.atom?lang={lang}"
    ).urn
    body = alerts.atom_feed(state.engine, base_url=base, language=lang, now=_now(), feed_id=feed_id)
    return Response(body, media_type=ATOM_MEDIA_TYPE)


@router.get(
    "/{identifier}.xml",
    summary="One warning as CAP 1.2 XML",
    response_class=Response,
    responses={
        200: {"content": {CAP_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(404),
    },
)
def cap_xml(identifier: str, state: StateDep) -> Response:
    """The CAP message as issued (valid against the OASIS CAP 1.2 schema); with a signing key
    configured (``TWIN_CAP_SIGNING_KEY``/``_CERT``) it carries an enveloped XML signature."""
    xml = alerts.alert_xml(state.engine, identifier)
    if state.cap_signer is not None:
        xml = state.cap_signer.sign(xml)
    return Response(xml, media_type=CAP_MEDIA_TYPE)


@router.get(
    "/{identifier}.json",
    summary="One warning as JSON (CAP element names)",
    response_class=JSONResponse,
    responses=problem_responses(404),
)
def cap_json(identifier: str, state: StateDep) -> JSONResponse:
    """The CAP message as JSON, times in Huế time."""
    return JSONResponse(alerts.get_alert(state.engine, identifier).to_dict())


@router.post(
    "/{identifier}/cancel",
    status_code=201,
    response_model=AlertIssued,
    summary="Cancel a warning in effect (operator)",
    responses=problem_responses(401, 403, 404, 409, 422),
)
def cancel(
    identifier: str,
    request: Request,
    state: StateDep,
    _key: OperatorKey,
    body: Annotated[CancelRequest | None, Body()] = None,
) -> JSONResponse:
    """Issue a CAP 1.2 ``Cancel`` that references every message of the warning's chain; the
    warning is no longer in effect and the Cancel is carried by the Atom feed. 409 when the
    message is not in effect (already cancelled, superseded by an Update, expired, or itself a
    Cancel)."""
    with state.writes():
        message = alerts.cancel_alert(
            state.engine, identifier, now=_now(), note=body.note if body else None
        )
    (issued,) = issued_links(request, [message])
    return JSONResponse(
        issued.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"/alerts/{message.identifier}.xml"},
    )
