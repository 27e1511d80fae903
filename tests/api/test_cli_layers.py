"""``twin layers check|info`` and ``twin demo``: exit codes, output, no tracebacks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import layers
from api.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def good_city(city_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The API tests' small city (tests/api/conftest.py), copied."""
    return Path(shutil.copytree(city_path, tmp_path_factory.mktemp("cli") / "city"))


@pytest.fixture
def bad_city(good_city: Path, tmp_path: Path) -> Path:
    city = layers.load_city(good_city)
    city.wards.loc[0, "population"] = -3
    city.stations.loc[1, "vehicle"] = "bicycle"
    city.dem[2, 2] = np.nan
    return layers.write_city(city, tmp_path / "bad")


def test_check_good_city_exits_0(good_city: Path) -> None:
    result = runner.invoke(app, ["layers", "check", str(good_city)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.output


def test_check_bad_city_prints_every_problem_and_exits_2(bad_city: Path) -> None:
    result = runner.invoke(app, ["layers", "check", str(bad_city)])
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)  # no traceback
    text = " ".join(result.output.split())  # rich wraps long temporary paths
    assert "3 problems" in text
    for needle in ("negative 'population'", "'vehicle' is bicycle", "1 nodata cells"):
        assert needle in text
    assert "Traceback" not in result.output


def test_check_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["layers", "check", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "not a folder" in result.output


def test_info_summarises(good_city: Path) -> None:
    result = runner.invoke(app, ["layers", "info", str(good_city)])
    assert result.exit_code == 0, result.output
    for needle in ("EPSG:32648", "population", "36,000", "60 x 60 cells of 20 m", "roads"):
        assert needle in result.output
    bad = runner.invoke(app, ["layers", "info", str(good_city.parent / "nowhere")])
    assert bad.exit_code == 2


def test_demo_writes_map_and_summary(good_city: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["demo", "--city", str(good_city), "--out", str(out), "--no-flood"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["city"]
    assert summary["population"] == 36000 and summary["counts"]["wards"] == 4
    html = (out / "map.html").read_text(encoding="utf-8")
    # Layer names, and the roads (folium writes their names as JSON \\u escapes).
    for needle in ("wards", "roads", "gauges", "dam entries", "stations", "shelters"):
        assert needle in html
    assert json.dumps("Lê Lợi")[1:-1] in html and "leaflet" in html.lower()
    assert "Leaflet 1.9.4" in html and not re.search(r'<(script|link)[^>]+"https?:', html)


def test_demo_map_draws_the_flood(good_city: Path, tmp_path: Path) -> None:
    from api.cli._demo import write_map
    from hydro.accessor import example_result
    from layers import load_city

    (tmp_path / "flood").mkdir()
    example_result().to_netcdf(tmp_path / "flood" / "flood.nc")
    write_map(load_city(good_city), tmp_path / "map.html", flood=tmp_path / "flood")
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    assert "L.imageOverlay(" in html and "twin-legend" in html
    assert not re.search(r'<(script|link)[^>]+"https?:', html)


def test_demo_on_a_bad_city_exits_2(bad_city: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--city", str(bad_city), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "problems" in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "args",
    [
        ["layers", "--help"],
        ["layers", "check", "--help"],
        ["layers", "info", "--help"],
        ["demo", "--help"],
    ],
)
def test_help(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0 and "Usage" in result.output


def test_demo_without_city_uses_the_demo_city(
    good_city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def ensure() -> Path:
        calls.append(1)
        return good_city

    monkeypatch.setattr(layers, "ensure_demo_city", ensure)
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "o"), "--no-flood"])
    assert result.exit_code == 0, result.output
    assert calls == [1] and (tmp_path / "o" / "summary.json").exists()


@pytest.mark.slow
def test_demo_floods_the_demo_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The main job end to end: the demo city, the quick flood scenario, every output."""
    monkeypatch.setenv("TWIN_DATABASE_URL", f"sqlite:///{tmp_path / 'twin.db'}")
    out = tmp_path / "demo-out"
    result = runner.invoke(app, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["city"]["counts"]["wards"] >= 15
    flood = summary["flood"]
    assert abs(flood["volume_balance"]["relative_error"]) < 1e-4
    assert flood["totals"]["people_depth_gt_0_1m"] > 0
    for name in ("map.html", "summary.json", "impact_wards.geojson", "gauges.csv"):
        assert (out / "flood" / name).is_file(), name
    assert "people in more than 0.5 m" in result.output
