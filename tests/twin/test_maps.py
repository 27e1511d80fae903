"""The run's map.html: the style table's colours and legend, human popups, local times, and
a page that draws the flood with the network cut (Debian's chromium driven by Playwright)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from hydro.accessor import example_result
from twin import TwinError
from twin._html import save_offline
from twin.maps import flood_map
from twin.styles import STYLES

CRS = "EPSG:32648"
ImpactLayers = tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]
CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _json(text: str) -> str:
    """``text`` as folium writes it in the page's GeoJSON (non-ASCII as \\u escapes)."""
    return json.dumps(text)[1:-1]


@pytest.fixture
def map_html(tmp_path: Path, impact_layers: ImpactLayers) -> Path:
    wards, roads, lights = impact_layers
    alerts = [{"ward_ids": ["W01"], "severity": "Severe", "headline": "Lũ khẩn cấp"}]
    path = tmp_path / "map.html"
    flood_map(example_result(), wards, roads, crs=CRS, alerts=alerts, lights=lights, path=path)
    return path


def test_map_html_loads_nothing_from_the_internet(map_html: Path) -> None:
    html = map_html.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', html)
    assert "Leaflet 1.9.4" in html  # inlined
    for name in ("jquery", "bootstrap", "awesome-markers", "fontawesome"):
        assert name not in html.lower()


def test_map_html_legend_popups_and_times(map_html: Path, impact_layers: ImpactLayers) -> None:
    html = map_html.read_text(encoding="utf-8")
    depth = STYLES["max_depth"]
    assert depth.title("vi") in html
    for i, c in enumerate(depth.classes):
        assert c.colour in html and depth.label(i, "vi") in html
    # human field names, rounded values with units, the city's local time
    assert "3.5672919750213623" not in html and "3,57 m" in html and "12.345" in html
    assert _json("Độ sâu lớn nhất") in html and '"max_depth_m"' not in html
    assert "27/10/2025 08:30 (UTC+7)" in html and "27/10/2025 09:00 (UTC+7)" in html
    english = flood_map(example_result(), *impact_layers[:2], crs=CRS, lang="en")
    rendered = english.get_root().render()
    assert "Maximum depth" in rendered and "3.57 m" in rendered
    assert "2025-10-27 08:30 (UTC+7)" in rendered


def test_a_plugin_from_the_internet_is_refused(tmp_path: Path) -> None:
    import folium
    from folium.plugins import MarkerCluster

    fmap = folium.Map(tiles=None)
    MarkerCluster().add_to(fmap)
    with pytest.raises(TwinError, match="from the internet"):
        save_offline(fmap, tmp_path / "m.html")
    assert not (tmp_path / "m.html").exists()


@pytest.mark.browser
def test_map_html_draws_the_flood_offline(map_html: Path) -> None:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    blocked: list[str] = []

    def cut(route: Any) -> None:
        blocked.append(route.request.url)
        route.abort()

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.route(re.compile(r"^(?!file:|data:).*"), cut)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "console",
                lambda m: (
                    errors.append(m.text)
                    if m.type == "error" and "ERR_FAILED" not in m.text
                    else None
                ),
            )
            page.goto(map_html.as_uri())
            page.wait_for_selector("img.leaflet-image-layer", state="attached", timeout=15_000)
            assert page.locator("img.leaflet-image-layer").count() == 1  # the flood
            assert page.locator("path.leaflet-interactive").count() >= 4  # wards, road, marks
            assert (
                page.locator(".twin-legend")
                .inner_text()
                .startswith(STYLES["max_depth"].title("vi"))
            )
            ARTEFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTEFACTS / "run_map_offline.png"))
        finally:
            browser.close()
    assert not errors, errors
    assert all("openstreetmap" in url for url in blocked), blocked  # only the base map asked
