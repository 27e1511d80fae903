"""Open311 request lists a page at a time: ``page``/``page_size`` as before, and keyset paging
by ``cursor`` with the next page's URL in ``Link: rel="next"`` (GeoReport v2 sets no paging)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(scope="module")
def drains(client: TestClient) -> list[str]:
    """25 blocked-drain reports, two or three to a time stamp (ties broken by id), and 5
    fallen trees among them; the drains' ids newest first."""
    from twin.reports import submit_request

    state = client.app.state.twin  # type: ignore[attr-defined]
    made = []
    for i in range(30):
        code = "fallen_tree" if i % 6 == 5 else "blocked_drain"
        created = submit_request(
            state.engine,
            state.city(),
            service_code=code,
            address_string=f"Kiệt {i} Lê Văn Hưu",
            now=NOW - timedelta(hours=3) + timedelta(minutes=i // 3),
        )
        if code == "blocked_drain":
            made.append(created)
    ordered = sorted(
        made, key=lambda r: (r.requested_datetime, int(r.service_request_id)), reverse=True
    )
    return [r.service_request_id for r in ordered]


def _walk(client: TestClient, url: str, params: dict[str, Any]) -> tuple[list[str], int]:
    seen: list[str] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = client.get(next_url, params=params if pages == 0 else None)
        assert response.status_code == 200, response.text
        seen += [r["service_request_id"] for r in response.json()]
        pages += 1
        link = response.headers.get("Link")
        if link is None:
            assert "X-Next-Cursor" not in response.headers
            next_url = None
        else:
            match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
            assert match is not None, link
            next_url = match.group(1)
            query = parse_qs(urlsplit(next_url).query)
            assert query["cursor"] == [response.headers["X-Next-Cursor"]]
            assert "page" not in query  # the cursor replaces the page number
    return seen, pages


@pytest.mark.parametrize("form", ["json", "xml"])
def test_every_page_by_cursor_gives_each_request_once(
    client: TestClient, drains: list[str], form: str
) -> None:
    if form == "xml":
        response = client.get(
            "/open311/v2/requests.xml", params={"service_code": "blocked_drain", "page_size": 10}
        )
        assert response.status_code == 200 and response.headers["X-Next-Cursor"]
        assert response.text.count("<request>") == 10
        return
    seen, pages = _walk(
        client, "/open311/v2/requests.json", {"service_code": "blocked_drain", "page_size": 4}
    )
    assert seen == drains  # newest first, none missed, none twice
    assert pages == 7  # 25 by 4


def test_the_cursor_follows_the_filters_and_page_numbers_still_work(
    client: TestClient, drains: list[str]
) -> None:
    seen, _ = _walk(client, "/open311/v2/requests.json", {"status": "open", "page_size": 7})
    assert len(seen) == len(set(seen)) == 30
    assert [i for i in seen if i in drains] == drains
    numbered = [
        r["service_request_id"]
        for page in (1, 2, 3)
        for r in client.get(
            "/open311/v2/requests.json",
            params={"service_code": "blocked_drain", "page": page, "page_size": 10},
        ).json()
    ]
    assert numbered == drains
    last = client.get(
        "/open311/v2/requests.json",
        params={"service_code": "blocked_drain", "page": 3, "page_size": 10},
    )
    assert "Link" not in last.headers and last.headers["X-Total-Count"] == "25"


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "nonsense"},
        {"cursor": "WyJ4IiwxXQ"},  # ["x", 1]: not a time
        {"cursor": "WzEsMl0", "page_size": "3"},  # [1, 2]
    ],
)
def test_a_bad_cursor_is_a_400_with_a_message(
    client: TestClient, drains: list[str], params: dict[str, str]
) -> None:
    response = client.get("/open311/v2/requests.json", params=params)
    assert response.status_code == 400, response.text
    assert "Link header" in response.json()[0]["description"]


def test_page_and_cursor_together_is_a_400(client: TestClient, drains: list[str]) -> None:
    first = client.get(
        "/open311/v2/requests.json", params={"service_code": "blocked_drain", "page_size": 5}
    )
    response = client.get(
        "/open311/v2/requests.json",
        params={"page": 2, "page_size": 5, "cursor": first.headers["X-Next-Cursor"]},
    )
    assert response.status_code == 400
    assert "not both" in response.text
