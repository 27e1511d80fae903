"""One configuration for the CLI: every command finds its database and folders through the
settings (``TWIN_DATA_DIR``), whatever the current folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

FEED = """station_id,time,quantity,value,unit,interval_min
binh_dien,2025-10-27T06:00:00+07:00,outflow,40,m3/s,
binh_dien,2025-10-27T07:00:00+07:00,outflow,50,m3/s,
"""


@pytest.mark.slow
def test_ingest_then_nowcast_share_the_data_dir(
    tmp_path: Path, city_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: with TWIN_DATA_DIR set, ``sensors ingest`` and ``nowcast`` used two
    different databases (the library's default was relative to the current folder)."""
    data = tmp_path / "data"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "feed.csv").write_text(FEED, encoding="utf-8")
    monkeypatch.setenv("TWIN_DATA_DIR", str(data))
    monkeypatch.delenv("TWIN_DATABASE_URL", raising=False)
    monkeypatch.chdir(elsewhere)
    runner = CliRunner()
    ingest = runner.invoke(
        app, ["sensors", "ingest", str(tmp_path / "feed.csv"), "--city", str(city_path)]
    )
    assert ingest.exit_code == 0, ingest.output
    assert "2 stored" in ingest.output
    nowcast = runner.invoke(
        app,
        [
            *("nowcast", "--at", "2025-10-27T07:00+07:00", "--hours", "0.5"),
            *("--city", str(city_path), "--resolution", "60", "--every", "10min"),
        ],
    )
    assert nowcast.exit_code == 0, nowcast.output
    summary = json.loads((data / "runs" / "nowcast" / "summary.json").read_text("utf-8"))
    assert not any("binh_dien" in note for note in summary["forcing_notes"])
    # the dam's last reading (50 m3/s) holds over the half hour ahead
    assert summary["volume_balance"]["inflow_m3"] == pytest.approx(50 * 1800, rel=1e-6)
    assert (data / "twin.db").is_file()
    assert any((data / "nowcast_state").glob("state-*.npz"))
    assert list(elsewhere.iterdir()) == []  # nothing written into the current folder
