"""Security headers on pages, no-store on personal data, Swagger UI from the package, and
no server paths or runtime versions in public answers."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from api.app import STATIC_DIR


@pytest.mark.parametrize("path", ["/map", "/docs"])
def test_html_pages_carry_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_docs_load_swagger_ui_from_the_package(client: TestClient) -> None:
    page = client.get("/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/static/swagger-ui/") for s in sources), sources
    for src in sources:
        asset = client.get(src)
        assert asset.status_code == 200 and len(asset.content) > 500
        assert (STATIC_DIR / src.removeprefix("/static/")).is_file()
    assert "cdn" not in page.lower() and "http" not in page.lower()
    assert client.get("/redoc").status_code == 404  # it would load its script from a CDN


def test_the_inline_script_of_docs_is_allowed_by_its_hash_only(client: TestClient) -> None:
    import base64
    import hashlib

    response = client.get("/docs")
    (script,) = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["content-security-policy"]


def test_personal_data_is_not_stored_by_caches(client: TestClient, tokens: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {tokens['dispatcher']}"}
    for path in ("/dispatch/calls", "/dispatch/teams"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    assert client.get("/keys", headers=admin).headers["cache-control"] == "no-store"
    assert client.get("/dispatch/calls").headers["cache-control"] == "no-store"  # the 401 too
    assert client.get("/health").headers.get("cache-control") != "no-store"


def test_version_tells_no_runtime(client: TestClient) -> None:
    body = client.get("/version").json()
    assert set(body) == {"name", "version", "api"}
    assert "python" not in json.dumps(body).lower()


def test_runs_show_no_server_paths(client: TestClient) -> None:
    from twin.db import session_scope
    from twin.runs.record import RunRecord

    state = client.app.state.twin  # type: ignore[attr-defined]
    folder = state.runs_dir / uuid.uuid4().hex
    folder.mkdir(parents=True)
    summary = {
        "scenario_file": "/srv/hue-twin/secret/scenario.toml",
        "totals": {"people_exposed": 7, "city_path": "/srv/hue-twin/city"},
        "resolution_m": 10.0,
    }
    with session_scope(state.engine) as session:
        session.add(
            RunRecord(
                id=uuid.uuid4().hex,
                scenario="leaky",
                kind="scenario",
                status="finished",
                started=datetime.now(UTC),
                finished=datetime.now(UTC),
                out_dir=str(folder),
                summary_json=json.dumps(summary),
            )
        )
    runs = client.get("/runs").text
    assert "leaky" in runs and "/srv/hue-twin" not in runs
    (mine,) = [r for r in client.get("/runs").json() if r["name"] == "leaky"]
    assert mine["summary"] == {"totals": {"people_exposed": 7}, "resolution_m": 10.0}
