"""Liveness and version."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import StateDep

__all__ = ["Health", "Version", "package_version", "router"]

router = APIRouter(tags=["service"])


class Health(BaseModel):
    """Whether the service and its database answer."""

    status: str
    database: str
    city_loaded: bool


class Version(BaseModel):
    """Versions of the service and of its HTTP API (not of what it runs on: that helps an
    attacker pick an exploit and no client)."""

    name: str
    version: str
    api: str


def package_version() -> str:
    """The installed version of hue-twin (``0+unknown`` when it is not installed)."""
    try:
        return version("hue-twin")
    except PackageNotFoundError:
        return "0+unknown"


@router.get("/health", response_model=Health, summary="Liveness and database check")
def health(state: StateDep) -> Health:
    """``ok`` when the database answers; ``degraded`` (still 200) when it does not."""
    try:
        with state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unavailable"
    return Health(
        status="ok" if database == "ok" else "degraded",
        database=database,
        city_loaded=state.city_loaded,
    )


@router.get("/version", response_model=Version, summary="Service version")
def get_version() -> Version:
    """The version of hue-twin and of the HTTP API."""
    return Version(name="hue-twin", version=package_version(), api="1")
