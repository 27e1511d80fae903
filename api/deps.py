"""Dependencies of the routes, as ``Annotated`` aliases (FastAPI full-stack template style)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from api.auth import current_key, require_role, require_staff
from api.settings import Settings
from api.state import AppState
from twin.keys import ApiKey

__all__ = [
    "AdminKey",
    "CityDep",
    "DispatcherKey",
    "EngineDep",
    "OperatorKey",
    "OptionalKey",
    "SettingsDep",
    "StaffKey",
    "StateDep",
]


def get_state(request: Request) -> AppState:
    """The app's shared state."""
    state: AppState = request.app.state.twin
    return state


def get_settings(state: Annotated[AppState, Depends(get_state)]) -> Settings:
    """The service settings."""
    return state.settings


def get_engine(state: Annotated[AppState, Depends(get_state)]) -> Engine:
    """The database engine."""
    return state.engine


def get_city(state: Annotated[AppState, Depends(get_state)]) -> Any:
    """The city (:class:`layers.City`), loaded once."""
    return state.city()


StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
CityDep = Annotated[Any, Depends(get_city)]
OptionalKey = Annotated[ApiKey | None, Depends(current_key)]
DispatcherKey = Annotated[ApiKey, Depends(require_role("dispatcher"))]
OperatorKey = Annotated[ApiKey, Depends(require_role("operator"))]
AdminKey = Annotated[ApiKey, Depends(require_role("admin"))]
StaffKey = Annotated[ApiKey, Depends(require_staff())]
