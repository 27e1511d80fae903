"""API keys (admin only): make, list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import AdminKey, StateDep
from api.errors import problem_responses
from twin import keys

__all__ = ["ApiKeyCreate", "ApiKeyCreated", "ApiKeyPublic", "router"]

router = APIRouter(prefix="/keys", tags=["keys"], responses=problem_responses(401, 403))


class ApiKeyCreate(BaseModel):
    """A key to make."""

    role: Literal["dispatcher", "operator", "admin"]
    name: str = Field(default="", max_length=200, examples=["hotline desk 1"])


class ApiKeyPublic(BaseModel):
    """A key, without its token."""

    key_id: str
    role: str
    name: str
    created_at: datetime
    revoked: bool


class ApiKeyCreated(ApiKeyPublic):
    """A new key with its token, shown this once."""

    token: str = Field(description="Send as `Authorization: Bearer <token>`; not shown again.")


def _public(key: keys.ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic(
        key_id=key.key_id,
        role=key.role,
        name=key.name,
        created_at=key.created_at,
        revoked=key.revoked,
    )


@router.post("", status_code=201, response_model=ApiKeyCreated, summary="Make a key")
def create_key(body: ApiKeyCreate, state: StateDep, _admin: AdminKey) -> ApiKeyCreated:
    """Make a key for a role; the answer holds its token, which is not stored."""
    key, token = keys.create_key(state.engine, role=body.role, name=body.name)
    return ApiKeyCreated(**_public(key).model_dump(), token=token)


@router.get("", response_model=list[ApiKeyPublic], summary="List keys")
def list_keys(state: StateDep, _admin: AdminKey) -> list[ApiKeyPublic]:
    """Every key, oldest first, without tokens."""
    return [_public(k) for k in keys.list_keys(state.engine)]


@router.delete(
    "/{key_id}",
    response_model=ApiKeyPublic,
    summary="Revoke a key",
    responses=problem_responses(404),
)
def revoke_key(key_id: str, state: StateDep, _admin: AdminKey) -> ApiKeyPublic:
    """Revoke a key: it stops authenticating at once."""
    key = keys.revoke_key(state.engine, key_id)
    return _public(key)
