"""The app as a whole: health, version, problem details, body limit, CORS, OpenAPI."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api import Settings, create_app
from api.app import redact_secrets
from api.errors import EXCEPTION_TABLE
from twin import ConflictError, NotFoundError, TwinError


def test_health_and_version(client: TestClient) -> None:
    health = client.get("/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["database"] == "ok"
    version = client.get("/version").json()
    assert version["name"] == "hue-twin"
    assert version["version"].count(".") >= 1


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "instance", "errors"}
    assert body["status"] == 404
    assert body["instance"] == "/no/such/route"


def test_wrong_method_is_a_problem(client: TestClient) -> None:
    response = client.delete("/health")
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_validation_errors_list_every_problem(client: TestClient) -> None:
    response = client.get("/alerts", params={"limit": 0, "status": "gone"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:hue-twin:problem:validation"
    pointers = {e["pointer"] for e in body["errors"]}
    assert pointers == {"query.limit", "query.status"}


def test_collections_answer_invalid_parameters_with_400(client: TestClient) -> None:
    response = client.get("/collections/wards/items", params={"limit": 0, "offset": -1})
    assert response.status_code == 400  # OGC API - Features
    body = response.json()
    assert body["status"] == 400 and body["type"] == "urn:hue-twin:problem:validation"
    assert {e["pointer"] for e in body["errors"]} == {"query.limit", "query.offset"}


def test_exception_table_maps_domain_errors() -> None:
    statuses = {k.exc: k.status for k in EXCEPTION_TABLE}
    assert statuses[NotFoundError] == 404
    assert statuses[ConflictError] == 409
    assert statuses[TwinError] == 422
    # Subclasses first: the table is searched in order.
    order = [k.exc for k in EXCEPTION_TABLE]
    assert order.index(NotFoundError) < order.index(TwinError) < order.index(ValueError)


def test_domain_error_becomes_problem_with_its_problems(client: TestClient) -> None:
    response = client.get("/collections/rivers/items")
    assert response.status_code == 404
    assert "wards" in response.json()["detail"]


def test_unexpected_error_is_a_problem_without_internals(app_settings: Any) -> None:
    app = create_app(app_settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals twin_0123abcd_SECRET")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text


def test_oversized_body_is_refused_with_413(client: TestClient) -> None:
    big = b"x" * (65 * 1024)
    response = client.post(
        "/open311/v2/requests.json",
        content=big,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    declared = client.post("/keys", content=big, headers={"content-type": "application/json"})
    assert declared.status_code == 413
    assert declared.json()["type"] == "urn:hue-twin:problem:too-large"


def test_oversized_chunked_body_is_refused_with_413(
    client: TestClient, tokens: dict[str, str]
) -> None:
    def chunks() -> Any:
        for _ in range(80):
            yield b"y" * 1024

    # with a key: without one, the answer is a 401 before any byte is read
    headers = {"content-type": "application/json", "Authorization": f"Bearer {tokens['admin']}"}
    response = client.post("/keys", content=chunks(), headers=headers)
    assert response.status_code == 413


def test_cors_is_off_by_default_and_configurable(client: TestClient, app_settings: Any) -> None:
    origin = {"Origin": "http://city.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    settings = app_settings.model_copy(update={"cors_origins": ["http://city.example"]})
    with TestClient(create_app(settings)) as other:
        pre = other.options("/health", headers=origin)
        assert pre.headers["access-control-allow-origin"] == "http://city.example"


def test_settings_from_environment(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("TWIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TWIN_CORS_ORIGINS", "http://a.example,http://b.example")
    monkeypatch.setenv("TWIN_MAX_BODY_BYTES", "2048")
    monkeypatch.delenv("TWIN_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.cors_origins == ["http://a.example", "http://b.example"]
    assert settings.max_body_bytes == 2048
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'twin.db'}"


def test_landing_conformance_and_openapi(client: TestClient) -> None:
    rels = {link["rel"] for link in client.get("/").json()["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    classes = client.get("/conformance").json()["conformsTo"]
    assert any(c.endswith("/conf/geojson") for c in classes)
    spec = client.get("/openapi.json").json()
    assert "ApiKey" in spec["components"]["securitySchemes"]
    assert "Problem" in spec["components"]["schemas"]
    for path in ("/health", "/collections/{layer}/items", "/open311/v2/requests.{format}"):
        assert path in spec["paths"]


def test_keys_never_reach_logs() -> None:
    line = "GET /open311/v2/requests.json?api_key=twin_0123abcd_abcdefghijklmnopqrstu HTTP/1.1"
    assert "abcdefghij" not in redact_secrets(line)
    assert "twin_0123abcd_***" in redact_secrets("Bearer twin_0123abcd_abcdefghijklmnopqrstuv")


def test_serve_runs_uvicorn_with_the_app_factory(monkeypatch: Any) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from api.cli import app as cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: seen.update(target=target, **kw))
    result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert seen["target"] == "api:create_app" and seen["factory"] is True
    assert (seen["host"], seen["port"], seen["workers"]) == ("127.0.0.1", 8123, 2)
    assert seen["access_log"] is False and seen["proxy_headers"] is False  # api.access logs
    assert seen["log_config"]["root"]["level"] == "INFO"
    behind = CliRunner().invoke(
        cli,
        ["serve", "--proxy-headers", "--forwarded-allow-ips", "10.0.0.1", "--log-level", "debug"],
    )
    assert behind.exit_code == 0, behind.output
    assert (seen["proxy_headers"], seen["forwarded_allow_ips"]) == (True, "10.0.0.1")
    assert seen["log_config"]["root"]["level"] == "DEBUG"
    bad = CliRunner().invoke(cli, ["serve", "--port", "0"])
    assert bad.exit_code == 2


def test_access_log_lines_are_redacted(client: TestClient, caplog: Any) -> None:
    import logging

    secret = "twin_0123abcd_thisisthesecretpartofthekey"
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "POST",
            f"/open311/v2/requests.json?api_key={secret}",
            "1.1",
            201,
        )
    assert caplog.records
    assert "thisisthesecret" not in caplog.text
