"""``twin report``: the ward map by people at risk, hydrographs against BĐ1–BĐ3, the
bulletin in the chosen language with local times."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

from api.cli import app
from twin import TwinError
from twin.bulletin import write_bulletin
from twin.styles import STYLES, hex_to_rgb


@pytest.fixture
def run_folder(tmp_path: Path, impact_layers: tuple[gpd.GeoDataFrame, ...]) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    wards = impact_layers[0]
    wards.to_crs(4326).to_file(folder / "impact_wards.geojson", driver="GeoJSON")
    times = pd.date_range("2025-10-27T00:00Z", periods=4, freq="h")
    pd.DataFrame(
        {
            "gauge_id": "kim-long",
            "name": "Kim Long",
            "time": times.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "level_m": [0.5, 1.2, 2.1, 1.8],
            "alarm1_m": 1.0,
            "alarm2_m": 2.0,
            "alarm3_m": 3.5,
        }
    ).to_csv(folder / "gauges.csv", index=False)
    summary = {
        "scenario": "quick",
        "start": "2025-10-27T00:00:00+00:00",
        "totals": {"people_depth_gt_0_5m": 1234, "flooded_area_km2": 5.25, "roads_cut_car": 3},
        "gauges": [
            {"name": "Kim Long", "peak_level_m": 2.1, "peak_time": "2025-10-27T02:00:00+00:00"}
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def test_bulletin_in_vietnamese(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    written = write_bulletin(run_folder, out, lang="vi")
    assert [p.name for p in written] == [
        "wards_people_at_risk.png",
        "gauge_kim-long.png",
        "bulletin.html",
    ]
    with Image.open(out / "wards_people_at_risk.png") as image:
        ward_png = np.asarray(image.convert("RGB"))
    colours = {tuple(int(v) for v in p) for p in ward_png.reshape(-1, 3)}
    # 1,234 people: the class 1000-5000 of the style table
    assert hex_to_rgb(STYLES["people_at_risk"].classes[3].colour) in colours
    with Image.open(out / "gauge_kim-long.png") as image:
        assert image.size[0] > 600
    html = (out / "bulletin.html").read_text(encoding="utf-8")
    assert '<html lang="vi">' in html and "Bản tin lũ" in html
    assert "1.234" in html and "5,2" in html  # Vietnamese number forms
    assert "Kim Long: Đỉnh 2,10 m lúc 27/10 09:00" in html  # 02:00 UTC is 09:00 in Huế
    assert "3,57 m" in html and 'src="gauge_kim-long.png"' in html


def test_bulletin_in_english_and_errors(run_folder: Path, tmp_path: Path) -> None:
    write_bulletin(run_folder, tmp_path / "en", lang="en")
    html = (tmp_path / "en" / "bulletin.html").read_text(encoding="utf-8")
    assert "Flood bulletin" in html and "1,234" in html and "Peak 2.10 m at 27 Oct 09:00" in html
    with pytest.raises(TwinError, match="language 'fr'"):
        write_bulletin(run_folder, tmp_path / "fr", lang="fr")
    with pytest.raises(TwinError, match="no readable summary"):
        write_bulletin(tmp_path / "nowhere", tmp_path / "x")


def test_cli_report(run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_DATABASE_URL", f"sqlite:///{tmp_path / 'twin.db'}")
    runner = CliRunner()
    result = runner.invoke(app, ["report", str(run_folder), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (run_folder / "report" / "bulletin.html").exists()
    bad = runner.invoke(app, ["report", str(run_folder), "--lang", "fr"])
    assert bad.exit_code == 2 and "language 'fr'" in bad.output
