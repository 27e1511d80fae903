"""GET /runs a page at a time: keyset on (started, id), newest first, Link / X-Next-Cursor."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

T0 = datetime(2026, 10, 27, tzinfo=UTC)


def _add_runs(client: TestClient, count: int, first: int = 0) -> list[str]:
    """``count`` run records, three to a start time (ties broken by id); ids newest first."""
    from twin.db import session_scope
    from twin.runs import RunRecord

    engine = client.app.state.twin.engine  # type: ignore[attr-defined]
    rows = [
        RunRecord(
            id=f"{i:032x}",
            scenario=f"run {i}",
            kind="scenario",
            status="finished",
            started=T0 + timedelta(minutes=i // 3),
            finished=T0 + timedelta(minutes=i // 3, seconds=30),
            out_dir=f"/nowhere/{i}",
            summary_json="{}",
        )
        for i in range(first, first + count)
    ]
    with session_scope(engine) as session:
        session.add_all(rows)
    return [r.id for r in sorted(rows, key=lambda r: (r.started, r.id), reverse=True)]


def _next(response: Any) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        assert "X-Next-Cursor" not in response.headers
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match is not None, link
    assert f"cursor={response.headers['X-Next-Cursor']}" in match.group(1)
    return match.group(1)


def test_every_page_walked_gives_each_run_once_newest_first(client: TestClient) -> None:
    expected = _add_runs(client, 40)
    seen: list[str] = []
    url: str | None = "/runs?limit=7"
    pages = 0
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = [r["run_id"] for r in response.json()]
        assert len(page) <= 7
        seen += page
        url = _next(response)
        pages += 1
    assert len(seen) == len(set(seen))  # none twice
    assert [i for i in seen if i in expected] == expected  # none missed, newest first
    assert pages == -(-len(seen) // 7)


def test_the_last_page_has_no_link_and_the_default_limit_is_100(client: TestClient) -> None:
    _add_runs(client, 101, first=1000)
    response = client.get("/runs")
    assert response.status_code == 200
    assert len(response.json()) == 100 and "Link" in response.headers
    last = client.get("/runs?limit=1000")
    assert len(last.json()) >= 101 and "Link" not in last.headers
    assert client.get("/runs?limit=1001").status_code == 422
    assert client.get("/runs?limit=0").status_code == 422


def test_a_bad_cursor_is_a_422_with_a_message(client: TestClient) -> None:
    from api._paging import encode_cursor

    made = [
        encode_cursor("0001-01-01T00:00:00+14:00", "x"),  # before year 1 in UTC
        encode_cursor("2026-10-27T00:00:00", "x"),  # no UTC offset
        encode_cursor(T0, 7),  # an id that is not text
    ]
    for cursor in ("nonsense", "WzEsMl0", "W10", *made):  # not base64 JSON; [1, 2]; []
        response = client.get("/runs", params={"cursor": cursor})
        assert response.status_code == 422, response.text
        assert "Link header" in response.text


def test_the_twin_lists_runs_after_a_cursor(tmp_path: Path) -> None:
    from twin.db import create_schema, make_engine
    from twin.runs import list_runs
    from twin.runs.record import start_run

    engine = make_engine(f"sqlite:///{tmp_path / 'twin.db'}")
    create_schema(engine)
    for name in ("a", "b", "c"):
        start_run(engine, f"{name * 32}", name, "scenario", tmp_path)
    first = list_runs(engine, limit=2)
    assert [r["id"][0] for r in first] == ["c", "b"]
    last = first[-1]
    rest = list_runs(engine, limit=2, before=(datetime.fromisoformat(last["started"]), last["id"]))
    assert [r["id"][0] for r in rest] == ["a"]
