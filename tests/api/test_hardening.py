"""What an attacker or a broken client sends gets a 4xx that says what to fix, never a 500 or
a traceback in the log: deep nesting, dates at the ends of the calendar, unexpected errors."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.errors import PROBLEM_MEDIA_TYPE

DEEP_JSON = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000
DEEP_TOML = "x = " + "[" * 500 + "]" * 500 + "\n"
HEADER = "station_id,time,quantity,value,unit\n"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT])
def test_deep_json_readings_are_422(client: TestClient, tokens: dict[str, str], body: str) -> None:
    headers = {**bearer(tokens["operator"]), "Content-Type": "application/json"}
    response = client.post("/sensors/readings", content=body, headers=headers)
    assert response.status_code == 422
    assert "nested too deeply" in response.json()["detail"] + str(response.json()["errors"])


@pytest.mark.parametrize(
    ("body", "media"),
    [
        (DEEP_JSON, "application/json"),
        (DEEP_OBJECT, "application/json"),
        (DEEP_TOML, "application/toml"),
    ],
)
def test_deep_scenarios_are_422(
    client: TestClient, tokens: dict[str, str], body: str, media: str
) -> None:
    headers = {**bearer(tokens["operator"]), "Content-Type": media}
    response = client.post("/scenarios", content=body, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    assert "deep" in response.json()["detail"]


@pytest.mark.parametrize(
    "time", ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00"]
)
def test_readings_at_the_ends_of_the_calendar_are_422(
    client: TestClient, tokens: dict[str, str], time: str
) -> None:
    headers = {**bearer(tokens["operator"]), "Content-Type": "text/csv"}
    body = HEADER + f"kim-long,{time},water_level,2.0,m\n"
    response = client.post("/sensors/readings", content=body, headers=headers)
    assert response.status_code == 422
    assert "between the years 1900 and 2199" in str(response.json()["errors"])


def test_an_unexpected_error_is_a_500_problem_and_one_log_line(
    app_settings: object, caplog: pytest.LogCaptureFixture
) -> None:
    from api import create_app

    app = create_app(app_settings)  # type: ignore[arg-type]

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("the secret 0905123456")

    with TestClient(app) as c, caplog.at_level(logging.ERROR):
        response = c.get("/boom")  # raise_server_exceptions: a re-raise would fail here
    assert response.status_code == 500
    assert "secret" not in response.text
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["unhandled RuntimeError on GET /boom"]
    assert not any(r.exc_info for r in caplog.records)
