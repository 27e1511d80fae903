"""Absolute links behind a TLS-terminating proxy, and on TWIN_PUBLIC_BASE_URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api._links import absolute

_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9", "Host": "public-host"}


@pytest.fixture(scope="module")
def proxied(app_settings: Any) -> Iterator[TestClient]:
    """The app as ``twin serve --proxy-headers --forwarded-allow-ips '*'`` runs it."""
    from api import create_app

    app = ProxyHeadersMiddleware(create_app(app_settings), trusted_hosts="*")  # type: ignore[arg-type]
    with TestClient(app) as client:  # type: ignore[arg-type]
        yield client


@pytest.fixture(scope="module")
def public(app_settings: Any) -> Iterator[TestClient]:
    """The app with TWIN_PUBLIC_BASE_URL set (a path prefix included)."""
    from api import create_app
    from api.settings import Settings

    settings = Settings(
        city_path=app_settings.city_path,
        data_dir=app_settings.data_dir,
        database_url=app_settings.database_url,
        public_base_url="https://twin.example.vn/api/",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _hrefs(client: TestClient, headers: dict[str, str] | None = None) -> list[str]:
    links: list[str] = []
    landing = client.get("/", headers=headers).json()
    links += [link["href"] for link in landing["links"]]
    items = client.get("/collections/wards/items", params={"limit": 1}, headers=headers).json()
    links += [link["href"] for link in items["links"]]
    tilejson = client.get("/tiles/hillshade/tilejson.json", headers=headers).json()
    links += tilejson["tiles"]
    atom = client.get("/alerts/feed.atom", headers=headers).text
    links += re.findall(r'<link[^>]*href="([^"]+)"', atom)
    return links


def test_links_follow_the_proxy_headers(proxied: TestClient) -> None:
    links = _hrefs(proxied, _PROXY)
    assert "https://public-host/collections" in links  # the landing page
    assert any(link.startswith("https://public-host/collections/wards/items?") for link in links)
    assert any(link.startswith("https://public-host/tiles/hillshade/") for link in links)
    assert "https://public-host/alerts/feed.atom" in links
    assert all(link.startswith("https://public-host/") for link in links), links
    plain = _hrefs(proxied)
    assert all(link.startswith("http://testserver/") for link in plain), plain


def test_links_use_the_public_base_url_when_set(public: TestClient) -> None:
    links = _hrefs(public, _PROXY)
    assert all(link.startswith("https://twin.example.vn/api/") for link in links), links
    assert "https://twin.example.vn/api/collections" in links
    assert not any("//api" in link.removeprefix("https://") for link in links)


def _request(query: bytes, settings: Any) -> Request:
    class _State:
        twin = type("T", (), {"settings": settings})()

    app = type("A", (), {"state": _State()})()
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("internal", 8000),
        "path": "/sensors/readings",
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"internal:8000")],
        "app": app,
    }
    return Request(scope)


def test_paging_links_are_made_on_the_public_base() -> None:
    from api.settings import Settings

    given = Settings(database_url="sqlite://", public_base_url="https://twin.example.vn")
    request = _request(b"station=G1&limit=2", given)
    url = request.url.include_query_params(before="abc")
    assert absolute(request, url) == (
        "https://twin.example.vn/sensors/readings?station=G1&limit=2&before=abc"
    )
    unset = _request(b"limit=2", Settings(database_url="sqlite://"))
    assert absolute(unset, unset.url) == "http://internal:8000/sensors/readings?limit=2"


def test_the_public_base_url_may_come_from_the_environment(monkeypatch: Any) -> None:
    from api._links import base_url
    from api.settings import Settings

    monkeypatch.setenv("TWIN_PUBLIC_BASE_URL", "https://flood.hue.gov.vn/")
    assert base_url(_request(b"", Settings(database_url="sqlite://"))) == "https://flood.hue.gov.vn"
