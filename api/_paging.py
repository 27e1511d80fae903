"""Keyset paging of list routes: an opaque cursor names the last row of a page, and the next
page is read from the index after it (the cost of a page does not grow with the list).

The next page's URL goes in a ``Link: <...>; rel="next"`` header (RFC 8288) and its cursor in
``X-Next-Cursor``; the last page has neither.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response

from api._links import absolute
from twin import TwinError

__all__ = ["decode_cursor", "encode_cursor", "link_next"]


def encode_cursor(*parts: Any) -> str:
    """An opaque URL-safe cursor of ``parts`` (str, int, float or aware datetime).

    Examples
    --------
    >>> decode_cursor(encode_cursor(7, "x"), (int, str))
    (7, 'x')
    """
    plain = [p.isoformat() if isinstance(p, datetime) else p for p in parts]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: tuple[type, ...]) -> tuple[Any, ...]:
    """The parts of a cursor made by :func:`encode_cursor`, of these ``types``.

    Raises
    ------
    twin.TwinError
        A cursor that this service did not make (or of another list).
    """
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(types):
            raise ValueError
        parts: list[Any] = []
        for value, kind in zip(plain, types, strict=True):
            if kind is datetime:
                # aware and within range, as this service writes them (else no UTC to compare)
                when = datetime.fromisoformat(value)
                if when.tzinfo is None:
                    raise ValueError
                parts.append(when.astimezone(UTC))
            elif isinstance(value, kind) and not isinstance(value, bool):
                parts.append(value)
            else:
                raise ValueError
        return tuple(parts)
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise TwinError(
            f"cursor {cursor[:40]!r} is not one this list gave: take it from the Link header "
            "of the previous page, or leave it out for the first page"
        ) from None


def link_next(
    request: Request,
    response: Response,
    param: str,
    cursor: str | None,
    *,
    drop: tuple[str, ...] = (),
) -> None:
    """Add the next page's ``Link`` and ``X-Next-Cursor`` headers (none on the last page);
    the next page's URL is this one's with ``param`` set to ``cursor``, less the ``drop``
    parameters (another paging scheme's, which the cursor replaces)."""
    if cursor is None:
        return
    url = absolute(
        request, request.url.remove_query_params(drop).include_query_params(**{param: cursor})
    )
    response.headers["Link"] = f'<{url}>; rel="next"'
    response.headers["X-Next-Cursor"] = cursor
