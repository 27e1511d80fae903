"""API keys: random bearer tokens stored only as SHA-256 hashes, each with one role.

A token reads ``twin_<key_id>_<secret>``. The ``key_id`` (8 hex digits) finds the row; the
SHA-256 of the whole token is compared with the stored hash in constant time. The token itself
is shown once, when the key is made, and is never stored or logged.

Roles, from least to most trusted: ``public`` (anyone, no key needed), ``dispatcher`` (calls and
teams), ``operator`` (scenarios, nowcasts, sensors, alerts) and ``admin`` (keys, and everything
else).

Examples
--------
>>> from twin.db import make_engine
>>> engine = make_engine("sqlite://")
>>> key, token = create_key(engine, role="dispatcher", name="hotline desk 1")
>>> verify_key(engine, token).role
'dispatcher'
>>> verify_key(engine, token[:-1] + "x") is None
True
>>> role_allows("admin", "dispatcher"), role_allows("operator", "dispatcher")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from twin._errors import NotFoundError, TwinError
from twin._time import as_utc
from twin.db import Base, session_scope, writes

__all__ = [
    "ROLES",
    "ApiKey",
    "ApiKeyRow",
    "create_key",
    "list_keys",
    "revoke_key",
    "role_allows",
    "token_digest",
    "verify_key",
]

ROLES: tuple[str, ...] = ("public", "dispatcher", "operator", "admin")
"""Every role, least trusted first."""

_TOKEN_RE = re.compile(r"^twin_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")


class ApiKeyRow(Base):
    """One API key (table ``api_keys``); only the hash of its token is kept."""

    __tablename__ = "api_keys"

    key_id: Mapped[str] = mapped_column(String(8), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    token_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


@dataclass(frozen=True)
class ApiKey:
    """What is known of a key, without its token.

    Attributes
    ----------
    key_id
        The public part of the token (8 hex digits).
    role
        One of :data:`ROLES`.
    name
        A label for people ("hotline desk 1").
    created_at
        When it was made (UTC).
    revoked
        True once revoked; a revoked key no longer authenticates.
    """

    key_id: str
    role: str
    name: str
    created_at: datetime
    revoked: bool


def token_digest(token: str) -> str:
    """SHA-256 of a token, hex: what is stored in place of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _to_key(row: ApiKeyRow) -> ApiKey:
    created = as_utc(row.created_at, naive=UTC)  # SQLite gives the stored UTC back naive
    return ApiKey(row.key_id, row.role, row.name, created, row.revoked_at is not None)


def role_allows(role: str, needed: str) -> bool:
    """Whether a key of ``role`` may do what needs ``needed``.

    ``admin`` may do everything; ``dispatcher`` and ``operator`` each their own work; every
    role may do what ``public`` may.
    """
    return needed == "public" or role == needed or role == "admin"


def create_key(engine: Engine, *, role: str, name: str = "") -> tuple[ApiKey, str]:
    """Make a new key for ``role``.

    Parameters
    ----------
    engine
        Database to keep the key's hash in.
    role
        One of ``dispatcher``, ``operator``, ``admin`` (``public`` needs no key).
    name
        A label for people.

    Returns
    -------
    (ApiKey, str)
        The key and its token. The token is shown only here: keep it.

    Raises
    ------
    twin.TwinError
        When the role is not known.
    """
    if role not in ROLES or role == "public":
        raise TwinError(
            f"unknown role {role!r}: use one of dispatcher, operator, admin (public needs no key)"
        )
    key_id = secrets.token_hex(4)
    token = f"twin_{key_id}_{secrets.token_urlsafe(32)}"
    row = ApiKeyRow(
        key_id=key_id,
        role=role,
        name=name[:200],
        token_sha256=token_digest(token),
        created_at=datetime.now(UTC),
        revoked_at=None,
    )
    with writes(engine), session_scope(engine) as session:
        session.add(row)
        session.flush()
        key = _to_key(row)
    return key, token


def verify_key(engine: Engine, token: str) -> ApiKey | None:
    """The key a token belongs to, or None when the token is unknown, malformed or revoked."""
    match = _TOKEN_RE.match(token)
    if match is None:
        return None
    with session_scope(engine) as session:
        row = session.get(ApiKeyRow, match.group(1))
        if row is None or row.revoked_at is not None:
            # Hash anyway so that an unknown id takes as long as a wrong secret.
            hmac.compare_digest(token_digest(token), "0" * 64)
            return None
        if not hmac.compare_digest(token_digest(token), row.token_sha256):
            return None
        return _to_key(row)


def list_keys(engine: Engine) -> list[ApiKey]:
    """Every key, oldest first (tokens are not kept, so none is shown)."""
    with session_scope(engine) as session:
        rows = session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)).all()
        return [_to_key(r) for r in rows]


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    """Revoke a key by its id; it stops authenticating at once.

    Raises
    ------
    twin.NotFoundError
        When no key has that id.
    """
    with writes(engine), session_scope(engine) as session:
        row = session.get(ApiKeyRow, key_id)
        if row is None:
            raise NotFoundError(f"no API key with id {key_id!r}: see `twin keys list`")
        if row.revoked_at is None:
            row.revoked_at = datetime.now(UTC)
        session.flush()
        return _to_key(row)
