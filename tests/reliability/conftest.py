"""A real service for the reliability tests: ``uvicorn`` in its own process (one worker or
two), over the API tests' city, on SQLite or PostgreSQL, with a dispatcher and an operator
key; and the invariant every race must keep.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
OPEN = "('new', 'assigned', 'en route', 'on scene')"
#: One statement, so one snapshot on both databases: each team, its status, the call it
#: names, how many open calls name it and the first of them.
HOLDERS = text(
    "SELECT t.team_id, t.status, t.call_id,"
    f" (SELECT count(*) FROM dispatch_calls c WHERE c.team_id = t.team_id AND c.status IN {OPEN}),"
    f" (SELECT min(c.id) FROM dispatch_calls c WHERE c.team_id = t.team_id AND c.status IN {OPEN})"
    " FROM dispatch_teams t"
)


def broken_teams(url: str) -> list[str]:
    """Teams held by two open calls, or not following the open call that holds them."""
    engine = create_engine(url)
    try:
        with engine.connect() as con:
            rows = con.execute(HOLDERS).all()
    finally:
        engine.dispose()
    bad = []
    for team_id, status, call_id, n_open, first in rows:
        if n_open > 1:
            bad.append(f"{team_id}: held by {n_open} open calls")
        elif n_open == 1 and (
            status not in ("assigned", "en route", "on scene") or call_id != first
        ):
            bad.append(f"{team_id}: {status} (call {call_id}) while open call {first} holds it")
    return bad


def _api_conftest() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_reliability_api_city", REPO / "tests" / "api" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The API tests' city written as a city package."""
    from layers.io import write_city

    city = _api_conftest().build_test_city()
    return write_city(city, tmp_path_factory.mktemp("city") / "city")


@dataclass
class Service:
    """A running service: its base URL, database, keys and process."""

    base: str
    url: str
    tokens: dict[str, str]
    proc: subprocess.Popen[bytes]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def kill(self) -> None:
        """``kill -9`` the server and its workers (a power cut, as far as they can tell)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(city_dir: Path, tmp_path: Path) -> Iterator[Callable[..., Service]]:
    """``serve(url=None, workers=1)``: start the service (SQLite in tmp_path by default)."""
    from twin.db import make_engine
    from twin.keys import create_key

    started: list[Service] = []

    def start(url: str | None = None, workers: int = 1) -> Service:
        url = url or f"sqlite:///{tmp_path / 'twin.db'}"
        engine = make_engine(url)
        tokens = {r: create_key(engine, role=r)[1] for r in ("dispatcher", "operator")}
        engine.dispose()
        port = _free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "TWIN_CITY_PATH": str(city_dir),
            "TWIN_DATA_DIR": str(tmp_path / "data"),
            "TWIN_DATABASE_URL": url,
        }
        cmd = [sys.executable, "-m", "uvicorn", "api:create_app", "--factory", "--host",
               "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, start_new_session=True)
        service = Service(f"http://127.0.0.1:{port}", url, tokens, proc)
        started.append(service)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{service.base}/health", timeout=2).status_code == 200:
                    return service
            except httpx.HTTPError:
                time.sleep(0.2)
        pytest.fail("the service did not answer /health within 60 s")

    yield start
    for service in started:
        if service.proc.poll() is None:
            os.killpg(service.proc.pid, signal.SIGTERM)
            try:
                service.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                service.kill()


@pytest.fixture(scope="session")
def team_check() -> Callable[[str], list[str]]:
    """:func:`broken_teams` (``team_check(url)``: the empty list when all is well)."""
    return broken_teams
