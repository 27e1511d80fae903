"""Who may do what: bearer API keys and the roles that routes need.

``Authorization: Bearer <token>``; no header means the ``public`` role. On a route that needs
a role, no key or a key that is not valid gets 401 (with ``WWW-Authenticate: Bearer``), and a
valid key whose role may not do the thing gets 403. Public routes do not read keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem_response
from twin.keys import ApiKey, role_allows

__all__ = [
    "KeyFirstMiddleware",
    "bearer_scheme",
    "current_key",
    "require_role",
    "require_staff",
]

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key made with `twin keys create --role ROLE`, sent as "
    "`Authorization: Bearer twin_...`.",
)

_REALM = 'Bearer realm="hue-twin"'


def current_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> ApiKey | None:
    """The caller's key, or None for a caller without one.

    Raises
    ------
    fastapi.HTTPException
        401 when a token is sent but is unknown, revoked or malformed.
    """
    if credentials is None:
        header = request.headers.get("authorization")
        if header:
            raise HTTPException(
                401,
                detail="the Authorization header must read `Bearer <API key>`",
                headers={"WWW-Authenticate": _REALM},
            )
        return None
    key = request.app.state.twin.verify_key(credentials.credentials)
    if key is None:
        raise HTTPException(
            401,
            detail="the API key is not valid (unknown, revoked or mistyped): "
            "ask an admin for a key (`twin keys create --role ROLE`)",
            headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        )
    return key


def _require(allowed: Callable[[str], bool], what: str) -> Callable[..., ApiKey]:
    def dependency(key: Annotated[ApiKey | None, Depends(current_key)]) -> ApiKey:
        if key is None:
            raise HTTPException(
                401,
                detail=f"this needs an API key of role {what}: send `Authorization: Bearer <key>`",
                headers={"WWW-Authenticate": _REALM},
            )
        if not allowed(key.role):
            raise HTTPException(
                403, detail=f"a key of role {key.role!r} may not do this: it needs {what}"
            )
        return key

    dependency.needs_key = True  # type: ignore[attr-defined]  # seen by KeyFirstMiddleware
    return dependency


def require_role(role: str) -> Callable[..., ApiKey]:
    """A dependency that lets through keys whose role may do what needs ``role``."""
    what = role if role == "admin" else f"{role} (or admin)"
    return _require(lambda r: role_allows(r, role), what)


def require_staff() -> Callable[..., ApiKey]:
    """A dependency for city staff: dispatcher, operator or admin."""
    return _require(lambda r: r in ("dispatcher", "operator", "admin"), "dispatcher/operator/admin")


def _needs_key(dependant: Dependant) -> bool:
    return any(getattr(d.call, "needs_key", False) or _needs_key(d) for d in dependant.dependencies)


class KeyFirstMiddleware:
    """Refuse a request with a body to a route that needs a key, when it sends no key or one
    that is not valid: 401 before the body is read or parsed (a 7.5 MB JSON body without a
    key costs nothing). The route's own dependency still checks the key and its role.

    Parameters
    ----------
    routes
        The app's routes (those of its routers); the ones whose dependencies need a key are
        guarded.
    """

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.guarded = [r for r in routes if isinstance(r, APIRoute) and _needs_key(r.dependant)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        if any(r.matches(scope)[0] == Match.FULL for r in self.guarded):
            request = Request(scope)
            header = request.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            valid = scheme.lower() == "bearer" and token.strip() != ""
            if valid:
                state = scope["app"].state.twin
                valid = await run_in_threadpool(state.verify_key, token.strip()) is not None
            if not valid:
                challenge = f'{_REALM}, error="invalid_token"' if header else _REALM
                response = problem_response(
                    request,
                    401,
                    "this needs a valid API key: send `Authorization: Bearer <key>` "
                    "(`twin keys create --role ROLE`)",
                    headers={"WWW-Authenticate": challenge},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
