"""The FastAPI application: :func:`create_app` puts settings, routes and error handling together.

Examples
--------
>>> from fastapi.testclient import TestClient
>>> app = create_app(Settings(database_url="sqlite://"))
>>> TestClient(app).get("/health").json()["status"]
'ok'
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api._access import AccessLogMiddleware
from api._headers import SecurityHeadersMiddleware, install_docs
from api._links import base_url
from api._logs import RedactFilter, redact_secrets
from api.auth import KeyFirstMiddleware
from api.errors import BodyLimitMiddleware, UnexpectedErrorMiddleware, install_error_handlers
from api.metrics import CONTENT_TYPE, render
from api.openapi import install_openapi
from api.routes import (
    alerts,
    collections,
    dispatch,
    exports,
    health,
    keys,
    open311,
    runs,
    sensors,
    tiles,
)
from api.routes import map as map_page
from api.routes.health import package_version
from api.settings import Settings
from api.state import AppState
from api.static_files import LEAFLET_DIR, STATIC_DIR

__all__ = ["STATIC_DIR", "create_app", "redact_secrets"]


_DESCRIPTION = """
The digital twin of Huế's floods over HTTP: city layers (OGC API – Features), flood runs and
their map tiles (XYZ PNG, TileJSON), warnings (CAP 1.2, Atom), dispatch of rescue teams,
sensor readings and citizen reports (Open311 GeoReport v2). The live map is at `/map`.

**Who may do what.** Anyone (public): layers, tiles, alerts, Open311. With an API key sent as
`Authorization: Bearer <key>`: `dispatcher` (calls, teams), `operator` (scenarios, nowcasts,
sensors, alerts), `admin` (keys, and everything). Keys are made with
`twin keys create --role ROLE`.

**Errors** are `application/problem+json` (RFC 9457), except under `/open311/v2/`, which
answers GeoReport v2 error lists.
"""


def _install_log_redaction() -> None:
    """Mask secrets on the service's own loggers too, whatever handlers the host set up."""
    for name in ("uvicorn.access", "uvicorn.error", "api.errors", "api.access", "api.jobs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFilter) for f in logger.filters):
            logger.addFilter(RedactFilter())


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        Default: read from ``TWIN_*`` environment variables.

    Returns
    -------
    fastapi.FastAPI
    """
    settings = settings or Settings()
    state = AppState(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = FastAPI(
        title="hue-twin",
        version=package_version(),
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served from the package by install_docs, not from a CDN
        redoc_url=None,
        openapi_tags=[
            {"name": "service", "description": "Liveness and version"},
            {"name": "layers", "description": "City layers (OGC API – Features)"},
            {"name": "runs", "description": "Scenarios, nowcasts, runs and their results"},
            {"name": "tiles", "description": "Map tiles (XYZ PNG, TileJSON 3.0.0)"},
            {"name": "alerts", "description": "Warnings: CAP 1.2, Atom, GeoJSON"},
            {"name": "dispatch", "description": "Rescue dispatch (dispatcher)"},
            {"name": "sensors", "description": "Sensor readings with QC flags"},
            {"name": "open311", "description": "Citizen reports (Open311 GeoReport v2)"},
            {"name": "keys", "description": "API keys (admin)"},
            {"name": "map", "description": "The live map page"},
        ],
    )
    app.state.twin = state
    install_openapi(app)
    _install_log_redaction()
    install_error_handlers(app)
    routers = (
        health,
        collections,
        runs,
        exports,
        tiles,
        alerts,
        dispatch,
        sensors,
        open311,
        keys,
        map_page,
    )
    # a key before any body is read (the routers' routes carry their full paths); a declared
    # Content-Length over the limit is refused even before that
    app.add_middleware(KeyFirstMiddleware, routes=[r for m in routers for r in m.router.routes])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(UnexpectedErrorMiddleware)  # outside the routes and the body limit
    app.add_middleware(SecurityHeadersMiddleware)  # on every answer, errors included
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["X-Total-Count", "Location", "Link", "X-Next-Cursor", "X-Request-ID"],
        )
    app.add_middleware(AccessLogMiddleware)  # outermost: times and logs the whole answer
    for module in routers:
        app.include_router(module.router)
    install_docs(app)
    # Leaflet is vendored once, in twin (the saved maps inline it); mounted before /static.
    app.mount("/static/leaflet", StaticFiles(directory=LEAFLET_DIR), name="leaflet")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", tags=["service"], summary="Landing page (links)")
    def landing(request: Request) -> dict[str, object]:
        """Links to the API's parts (OGC API landing page)."""
        base = base_url(request)
        # the version of the document FastAPI writes (3.1.x), as major.minor
        oas = ".".join(app.openapi()["openapi"].split(".")[:2])
        return {
            "title": "hue-twin",
            "description": "Flood digital twin of Huế",
            "links": [
                {"href": f"{base}/", "rel": "self", "type": "application/json"},
                {
                    "href": f"{base}/openapi.json",
                    "rel": "service-desc",
                    "type": f"application/vnd.oai.openapi+json;version={oas}",
                },
                {"href": f"{base}/docs", "rel": "service-doc", "type": "text/html"},
                {"href": f"{base}/conformance", "rel": "conformance"},
                {"href": f"{base}/collections", "rel": "data"},
                {"href": f"{base}/map", "rel": "alternate", "type": "text/html"},
            ],
        }

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics", response_class=Response)
    def metrics() -> Response:
        """Requests, latency, runs, queue length, nowcast cycle age and sensor feed age
        (Prometheus text format); no personal data."""
        return Response(render(state), media_type=CONTENT_TYPE)

    @app.get("/conformance", tags=["layers"], summary="OGC API conformance classes")
    def conformance() -> dict[str, list[str]]:
        """The OGC API – Features classes this service follows."""
        return {
            "conformsTo": [
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
                "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
            ]
        }

    return app
