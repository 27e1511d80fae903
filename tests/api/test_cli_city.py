"""``twin city build`` end to end on real data shipped in installed packages.

Roads from pyrosm's bundled OpenStreetMap extract (south-east Finland), a real DEM (the
Jacksboro fault sample of matplotlib, int16, 3 arc-seconds) placed in EPSG:3067 under the
extract with 10 m cells, and four wards drawn over it: build, check, flood, warn.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from matplotlib import cbook
from rasterio.transform import from_origin
from typer.testing import CliRunner

from api.cli import app

pyrosm = pytest.importorskip("pyrosm")
runner = CliRunner()


@pytest.fixture(scope="module")
def open_data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("open-data")
    pbf = Path(pyrosm.get_data("test_pbf"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lines = pyogrio.read_dataframe(pbf, layer="lines", where="highway IS NOT NULL")
    xmin, ymin, xmax, ymax = lines.to_crs(3067).total_bounds
    sample: Any = cbook.get_sample_data("jacksboro_fault_dem.npz")
    z = np.asarray(sample["elevation"])
    z = (z - z.min() + 1).astype("int16")
    z[0, :5] = -32768  # a few holes, as real tiles have
    rows, cols = z.shape
    west, north = (xmin + xmax) / 2 - cols * 5.0, (ymin + ymax) / 2 + rows * 5.0
    with rasterio.open(
        folder / "dem.tif",
        "w",
        driver="GTiff",
        height=rows,
        width=cols,
        count=1,
        dtype="int16",
        nodata=-32768,
        crs="EPSG:3067",
        transform=from_origin(west, north, 10.0, 10.0),
    ) as dst:
        dst.write(z, 1)
    dx, dy = (xmax - xmin) / 2, (ymax - ymin) / 2
    boxes = [
        shapely.box(xmin + i * dx, ymin + j * dy, xmin + (i + 1) * dx, ymin + (j + 1) * dy)
        for i in range(2)
        for j in range(2)
    ]
    gpd.GeoDataFrame(
        {
            "tunnus": ["A", "B", "C", "D"],
            "nimi": ["Keskusta", "Kallio", "Töölö", "Pasila"],
            "asukkaat": [4000, 3000, 2000, 1000],
        },
        geometry=boxes,
        crs=3067,
    ).to_crs(4326).to_file(folder / "wards.geojson")
    return {"dem": folder / "dem.tif", "wards": folder / "wards.geojson", "osm": pbf}


@pytest.mark.slow
def test_build_check_flood_and_warn_in_the_citys_own_zone(
    open_data: dict[str, Path], tmp_path: Path
) -> None:
    city = tmp_path / "city"
    built = runner.invoke(
        app,
        [
            "city", "build", str(city),
            "--dem", str(open_data["dem"]),
            "--wards", str(open_data["wards"]),
            "--wards-id", "tunnus", "--wards-name", "nimi", "--wards-population", "asukkaat",
            "--osm", str(open_data["osm"]),
            "--crs", "EPSG:3067", "--name", "Kotka test",
            "--timezone", "Europe/Helsinki", "--languages", "fi,en,vi",
        ],
    )  # fmt: skip
    assert built.exit_code == 0, built.output
    checked = runner.invoke(app, ["layers", "check", str(city)])
    assert checked.exit_code == 0, checked.output
    assert "reprojected" not in checked.output  # EPSG:3067 stays itself
    scenario = tmp_path / "rain.toml"
    scenario.write_text(
        f'name = "rain"\ncity = "{city}"\nresolution_m = 40\n'
        'start = 2025-08-01T12:00:00+03:00\nduration = "1h"\n\n'
        '[rain]\nkind = "design"\ntotal_mm = 200\nhours = 1\nshape = "chicago"\n'
        "peak_fraction = 0.4\nstep_minutes = 15\n",
        encoding="utf-8",
    )
    database = f"sqlite:///{tmp_path / 'twin.db'}"
    ran = runner.invoke(
        app, ["run", str(scenario), "--out", str(tmp_path / "run"), "--database-url", database]
    )
    assert ran.exit_code == 0, ran.output
    messages = sorted((tmp_path / "run" / "alerts").glob("*.xml"))
    assert messages, ran.output
    xml = messages[0].read_text(encoding="utf-8")
    assert "<sent>2025-08-01T12:00:00+03:00</sent>" in xml
    languages = [part.split("</language>")[0] for part in xml.split("<language>")[1:]]
    assert languages == ["en-US", "vi-VN"]  # fi has no texts yet: en first, then vi


def test_build_with_bad_inputs_exits_2_listing_every_problem(
    open_data: dict[str, Path], tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["city", "build", str(tmp_path / "c"), "--dem", str(open_data["dem"]),
         "--wards", str(open_data["wards"]), "--wards-id", "nope"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "2 problems" in result.output and "--osm" in result.output
    assert not (tmp_path / "c").exists()
