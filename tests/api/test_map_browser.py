"""The live map in a real browser (Debian's chromium driven by Playwright), as a person uses it.

/map loads with no console errors and no request leaving the machine, shows flood tiles and
the active warnings, and a click on a ward shows its impact. A screenshot is kept under
``out/test-artefacts/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "out" / "test-artefacts"
HOW = (
    "the browser test needs Debian's chromium at /usr/bin/chromium and the playwright package: "
    "`apt-get install -y chromium` and `pip install -e '.[test]'`"
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Any]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip(HOW)
    sync_api = pytest.importorskip("playwright.sync_api", reason=HOW)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        yield page
        browser.close()


def test_live_map(
    browser_page: Any, live_server: str, client: TestClient, run_id: str, tokens: dict[str, str]
) -> None:
    from twin.alerts import WardImpact, issue_alerts

    state = client.app.state.twin  # type: ignore[attr-defined]
    now = datetime.now(UTC) - timedelta(minutes=1)
    ring = [(107.581, 16.458), (107.587, 16.458), (107.587, 16.463), (107.581, 16.463)]
    issue_alerts(
        state.engine,
        [
            WardImpact(
                "W01",
                "Phú Hội",
                ring,
                people_by_hazard_class=(6000, 2000, 900, 100),
                max_hazard_class=3,
                arrival=now + timedelta(hours=2),
                shelter="Trường Quốc Học",
            )
        ],
        now=now,
    )
    call = client.post(
        "/dispatch/calls",
        json={"phone": "0905999000", "address": "kiệt 32 Lê Văn Hưu"},
        headers={"Authorization": f"Bearer {tokens['dispatcher']}"},
    )
    assert call.status_code == 201

    page = browser_page
    errors: list[str] = []
    outside: list[str] = []
    host = urlparse(live_server).netloc
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).scheme in ("http", "https") and urlparse(r.url).netloc != host
            else None
        ),
    )

    page.goto(f"{live_server}/map#key={tokens['dispatcher']}")
    page.wait_for_selector("body[data-ready]", timeout=30_000)
    assert page.get_attribute("body", "data-ready") == "true", page.inner_text("#status")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.flood-depth img')]"
        ".some(i => i.complete && i.naturalWidth === 256)",
        timeout=20_000,
    )
    assert "Phú Hội" in page.inner_text("#alerts") or "Lũ" in page.inner_text("#alerts")
    assert "1 open calls" in page.inner_text("#dispatch")
    assert page.locator(".leaflet-tile-loaded").count() > 0

    slider = page.locator("#time-slider")
    assert slider.get_attribute("max") == "3"
    slider.fill("0")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.flood-depth img')]"
        ".some(i => i.src.includes('time=2025-10-27T00%3A00%3A00Z'))",
        timeout=10_000,
    )
    slider.fill("3")

    ward = page.locator("path.leaflet-interactive").first
    ward.click(force=True)
    page.wait_for_selector(".ward-popup", timeout=10_000)
    popup = page.inner_text(".ward-popup")
    assert "people: danger for some" in popup and "2900" in popup
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "map.png"))

    # the legend is the style table's, in the page's language; a variable switch redraws both
    from twin.styles import STYLES

    lang = page.evaluate("document.documentElement.lang")
    legend = page.inner_text("#legend")
    assert STYLES["depth"].title(lang) in legend and STYLES["depth"].label(6, lang) in legend
    page.select_option("#var-select", "hazard")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.flood-depth img')]"
        ".some(i => i.src.includes('/tiles/hazard/'))",
        timeout=10_000,
    )
    assert STYLES["hazard"].label(2, lang) in page.inner_text("#legend")
    page.select_option("#var-select", "max_depth")
    page.wait_for_function("() => document.querySelector('#time-slider').disabled", timeout=5000)
    assert page.locator("#play").is_disabled()
    page.select_option("#var-select", "depth")
    page.wait_for_function("() => !document.querySelector('#play').disabled", timeout=5000)
    page.click("#play")  # plays through the outputs
    page.wait_for_function(
        "() => document.querySelector('#time-slider').value !== '3'", timeout=5000
    )
    page.click("#play")
    # the other language, switched by hand
    other = "en" if lang == "vi" else "vi"
    page.click("#lang")
    page.wait_for_function(f"() => document.documentElement.lang === '{other}'", timeout=5000)
    assert STYLES["depth"].title(other) in page.inner_text("#legend")
    assert ("Cảnh báo" if other == "vi" else "Warnings") in page.inner_text("#panel")
    page.screenshot(path=str(ARTEFACTS / f"map_{other}.png"))
    page.click("#lang")
    assert errors == []
    assert outside == []


def test_live_map_tells_how_to_give_a_dispatcher_key(
    browser_page: Any, live_server: str, run_id: str
) -> None:
    page = browser_page.context.browser.new_page(locale="vi-VN")
    try:
        page.goto(f"{live_server}/map")
        page.wait_for_selector("body[data-ready]", timeout=30_000)
        hint = page.locator("#key-hint")
        assert hint.is_visible() and "/map#key=" in hint.inner_text()
        assert page.evaluate("document.documentElement.lang") == "vi"  # the browser's language
        assert "Độ sâu" in page.inner_text("#legend")
    finally:
        page.close()
