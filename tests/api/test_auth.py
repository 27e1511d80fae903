"""API keys and roles: 401 without a valid key, 403 for the wrong role, hashed storage, CLI."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.cli import app as cli
from twin.db import make_engine, session_scope
from twin.keys import ApiKeyRow, create_key, role_allows, verify_key


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_key_is_401_with_challenge(client: TestClient) -> None:
    response = client.get("/keys")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer twin_00000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "Bearer nope",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_bad_key_is_401(client: TestClient, header: str) -> None:
    response = client.get("/keys", headers={"Authorization": header})
    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]


def test_wrong_role_is_403(client: TestClient, tokens: dict[str, str]) -> None:
    for role in ("dispatcher", "operator"):
        response = client.get("/keys", headers=bearer(tokens[role]))
        assert response.status_code == 403
        assert role in response.json()["detail"]


def test_admin_makes_lists_and_revokes_keys(client: TestClient, tokens: dict[str, str]) -> None:
    admin = bearer(tokens["admin"])
    made = client.post("/keys", json={"role": "dispatcher", "name": "desk 2"}, headers=admin)
    assert made.status_code == 201
    body = made.json()
    assert body["token"].startswith(f"twin_{body['key_id']}_")
    listed = client.get("/keys", headers=admin).json()
    assert body["key_id"] in {k["key_id"] for k in listed}
    assert all("token" not in k for k in listed)
    assert client.delete(f"/keys/{body['key_id']}", headers=admin).json()["revoked"] is True
    assert client.get("/keys", headers=bearer(body["token"])).status_code == 401
    assert client.delete("/keys/ffffffff", headers=admin).status_code == 404


def test_bad_role_is_422(client: TestClient, tokens: dict[str, str]) -> None:
    response = client.post("/keys", json={"role": "public"}, headers=bearer(tokens["admin"]))
    assert response.status_code == 422


def test_tokens_are_stored_hashed(tmp_path: Any) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'k.db'}")
    key, token = create_key(engine, role="operator")
    with session_scope(engine) as session:
        row = session.scalars(select(ApiKeyRow)).one()
        assert token not in (row.token_sha256, row.key_id, row.name)
        assert len(row.token_sha256) == 64
    assert verify_key(engine, token) == key
    assert verify_key(engine, token + "x") is None
    assert verify_key(engine, "") is None


def test_role_rules() -> None:
    assert role_allows("admin", "operator") and role_allows("admin", "dispatcher")
    assert role_allows("dispatcher", "public") and not role_allows("dispatcher", "operator")
    assert not role_allows("operator", "admin")


def test_cli_creates_lists_and_revokes(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "create", "--role", "operator", "--database-url", url])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("twin_")
    engine = make_engine(url)
    key = verify_key(engine, token)
    assert key is not None and key.role == "operator"
    listed = runner.invoke(cli, ["keys", "list", "--database-url", url])
    assert key.key_id in listed.stdout and token not in listed.stdout
    assert runner.invoke(cli, ["keys", "revoke", key.key_id, "--database-url", url]).exit_code == 0
    assert verify_key(engine, token) is None


def test_cli_refuses_unknown_role_without_traceback(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(cli, ["keys", "create", "--role", "wizard", "--database-url", url])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["keys", "revoke", "abcdef12", "--database-url", url])
    assert missing.exit_code == 2


def test_a_revocation_holds_at_once_in_every_worker(app_settings: Any) -> None:
    """Two apps over one database stand for two workers: a key revoked through one of them,
    or through the CLI's function, is refused by both on the very next request."""
    from api import create_app
    from twin.keys import revoke_key

    with TestClient(create_app(app_settings)) as one, TestClient(create_app(app_settings)) as two:
        engine = one.app.state.twin.engine  # type: ignore[attr-defined]
        admin = {"Authorization": f"Bearer {create_key(engine, role='admin')[1]}"}
        for revoke in ("api", "cli"):
            key, token = create_key(engine, role="dispatcher")
            headers = {"Authorization": f"Bearer {token}"}
            assert one.get("/dispatch/teams", headers=headers).status_code == 200
            assert two.get("/dispatch/teams", headers=headers).status_code == 200
            if revoke == "api":
                assert one.delete(f"/keys/{key.key_id}", headers=admin).status_code == 200
            else:
                revoke_key(engine, key.key_id)
            assert one.get("/dispatch/teams", headers=headers).status_code == 401
            assert two.get("/dispatch/teams", headers=headers).status_code == 401


@pytest.mark.parametrize("auth", [None, "Bearer twin_00000000_nope", "Basic abc"])
def test_no_body_is_read_before_the_key_is_checked(client: TestClient, auth: str | None) -> None:
    read: list[int] = []

    def body() -> Any:
        for _ in range(100):
            read.append(1)
            yield b"[" + b"0," * 50_000 + b"0]"

    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    for path in ("/sensors/readings", "/dispatch/calls", "/scenarios"):
        response = client.post(path, content=body(), headers=headers)
        assert response.status_code == 401, path
        assert "WWW-Authenticate" in response.headers
    assert len(read) <= 3  # at most what the client pushed before the answer; never 100
