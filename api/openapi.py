"""The OpenAPI document, with errors documented as the service sends them.

FastAPI documents a 422 with its own ``HTTPValidationError`` schema as ``application/json``;
this service answers every error as a problem (RFC 9457, ``application/problem+json``), a 400
under ``/collections`` (OGC API – Features) and a GeoReport v2 error list under
``/open311/v2/``. :func:`document_errors` rewrites the error responses of the generated
document to match, so that clients and contract tests (schemathesis) read what is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api._request_examples import add_request_examples
from api.errors import PROBLEM_MEDIA_TYPE, Problem, ProblemItem, validation_status
from api.open311_format import PREFIX as OPEN311_PREFIX

__all__ = ["OPEN311_ERRORS_SCHEMA", "document_errors", "install_openapi"]

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
OPEN311_ERRORS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {
            "code": {"type": "integer", "description": "The HTTP status code."},
            "description": {"type": "string", "description": "What is wrong."},
        },
    },
}
"""GeoReport v2 errors (JSON): ``[{"code": 400, "description": "..."}]``."""


_OPEN311_EXAMPLES = {
    400: "service_code is required",
    401: "send an API key: Authorization: Bearer <key>",
    403: "api_key is not valid: leave it out, or use a key",
    404: "no service request '7'",
}


def _problem_response(status: int, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or HTTPStatus(status).phrase,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": dict(_PROBLEM_REF)}},
    }


def _open311_response(status: int) -> dict[str, Any]:
    return {
        "description": f"{HTTPStatus(status).phrase} (GeoReport v2 error list)",
        "content": {
            "application/json": {
                "schema": OPEN311_ERRORS_SCHEMA,
                "example": [{"code": status, "description": _OPEN311_EXAMPLES.get(status, "")}],
            },
            "text/xml": {"schema": {"type": "string"}},
        },
    }


def _document_operation(path: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    open311 = path.startswith(OPEN311_PREFIX)
    if "422" in responses and "HTTPValidationError" in str(responses["422"]):
        del responses["422"]
        status = 400 if open311 else validation_status(path)
        responses.setdefault(
            str(status), {"description": "The parameters or the body are not valid"}
        )
    if "requestBody" in operation:
        responses.setdefault("400", {"description": "The body cannot be parsed"})
        responses.setdefault("413", {"description": "The request body is too large"})
    for code, response in list(responses.items()):
        if not code.isdigit() or int(code) < 400:
            continue
        description = response.get("description")
        if open311:
            responses[code] = _open311_response(int(code))
        else:
            responses[code] = _problem_response(int(code), description)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document ``schema`` with its error responses as the service sends them.

    Parameters
    ----------
    schema
        A document from :func:`fastapi.openapi.utils.get_openapi` (not changed).

    Returns
    -------
    dict
        A new document: each error status is a ``Problem`` (``application/problem+json``) or,
        under ``/open311/v2/``, a GeoReport v2 error list; FastAPI's ``HTTPValidationError``
        is gone.
    """
    out = deepcopy(schema)
    for path, item in out.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                _document_operation(path, item[method])
    schemas = out.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem.pop("$defs", None)
    schemas["Problem"] = problem
    schemas["ProblemItem"] = ProblemItem.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    return out


def install_openapi(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) return :func:`document_errors`' document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_request_examples(
                document_errors(
                    get_openapi(
                        title=app.title,
                        version=app.version,
                        description=app.description,
                        routes=app.routes,
                        tags=app.openapi_tags,
                    )
                )
            )
        return app.openapi_schema

    method: Callable[[], dict[str, Any]] = openapi
    app.openapi = method  # type: ignore[method-assign]
