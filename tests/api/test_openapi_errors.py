"""The OpenAPI document describes errors as they are sent: problems as
``application/problem+json``, 400 under /collections, GeoReport v2 error lists under Open311."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.errors import PROBLEM_MEDIA_TYPE

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def doc(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_no_fastapi_validation_schema_is_left(doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(doc)
    assert set(doc["components"]["schemas"]["Problem"]["required"]) >= {"title", "status"}


def test_every_error_is_a_problem_or_an_open311_list(doc: dict[str, Any]) -> None:
    for path, method, op in _operations(doc):
        for code, response in op["responses"].items():
            if int(code) < 400:
                continue
            content = response["content"]
            if path.startswith("/open311/v2/"):
                assert set(content) == {"application/json", "text/xml"}, (path, method, code)
                items = content["application/json"]["schema"]["items"]
                assert set(items["properties"]) == {"code", "description"}
            else:
                assert content == {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM}}, (path, method, code)


def test_validation_status_per_path(doc: dict[str, Any]) -> None:
    runs = doc["paths"]["/runs/{run_id}/point"]["get"]["responses"]
    assert "422" in runs
    items = doc["paths"]["/collections/{layer}/items"]["get"]["responses"]
    assert "400" in items and "422" not in items
    services = doc["paths"]["/open311/v2/requests.{format}"]["get"]["responses"]
    assert "400" in services and "422" not in services
    post = doc["paths"]["/open311/v2/requests.{format}"]["post"]["responses"]
    assert {"400", "413"} <= set(post)


def test_documented_422_is_what_is_sent(client: TestClient, doc: dict[str, Any]) -> None:
    response = client.get("/alerts", params={"limit": 0})
    assert response.status_code == 422
    documented = doc["paths"]["/alerts"]["get"]["responses"]["422"]["content"]
    assert response.headers["content-type"] in documented
