"""`twin run` end to end on the shipped quick scenario (the demo city), and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr
from typer.testing import CliRunner

from api.cli import app

QUICK = Path(__file__).resolve().parents[2] / "data" / "hue" / "scenarios" / "quick.toml"


@pytest.mark.slow
def test_twin_run_quick_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_DATABASE_URL", f"sqlite:///{tmp_path / 'twin.db'}")
    out = tmp_path / "quick"
    result = CliRunner().invoke(app, ["run", str(QUICK), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "done quick" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["grid"]["cell_m"] == 180.0
    assert summary["totals"]["population"] > 500_000
    assert abs(summary["volume_balance"]["relative_error"]) < 1e-3
    with xr.open_dataset(out / "flood.nc") as ds:
        assert ds.sizes["time"] == 5  # every 30 min over 2 h
    gauges = pd.read_csv(out / "gauges.csv")
    assert {"kim-long", "phu-oc"} <= set(gauges["gauge_id"])
    wards = json.loads((out / "impact_wards.geojson").read_text(encoding="utf-8"))
    assert len(wards["features"]) == summary["totals"]["wards"]
    assert (out / "map.html").stat().st_size > 10_000
    assert len(list((out / "alerts").glob("*.xml"))) == summary["alerts"]


def test_twin_run_bad_scenario_lists_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "bad"\nresolution_m = 0\nstart = 2025-10-26T00:00:00\nduration = "3h"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["run", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "resolution_m" in result.output and "time zone" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_twin_nowcast_needs_a_zone(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["nowcast", "--at", "2025-10-27T07:00", "--hours", "1", "--out", str(tmp_path / "n")]
    )
    assert result.exit_code == 2
    assert "zone" in result.output and "Traceback" not in result.output


def test_a_nowcast_on_an_empty_database_is_no_all_clear(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWIN_DATA_DIR", str(tmp_path))
    out = tmp_path / "n"
    result = CliRunner().invoke(
        app,
        [
            *("nowcast", "--at", "2025-10-27T07:00+07:00", "--hours", "0.5"),
            *("--resolution", "480", "--out", str(out)),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "no readings: not a forecast" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["forecast"] is False and summary["good_readings"] == 0
