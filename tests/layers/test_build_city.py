"""layers.build_city: a checked city package from a DEM, wards, OSM and rasters."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import layers
from layers import LANDUSE, LayerError, build_city

X0, Y0, CELL, ROWS, COLS = 776000.0, 1822200.0, 20.0, 40, 50  # near Huế, EPSG:32648

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="16.46200" lon="107.58600"/>
  <node id="2" lat="16.46200" lon="107.59300"/>
  <node id="3" lat="16.46000" lon="107.59000"/>
  <node id="4" lat="16.46400" lon="107.59000"/>
  <node id="5" lat="16.46205" lon="107.58700"><tag k="highway" v="street_lamp"/></node>
  <node id="6" lat="16.46100" lon="107.59100"><tag k="amenity" v="hospital"/>
    <tag k="name" v="Bệnh viện"/></node>
  <node id="7" lat="16.46300" lon="107.59250"><tag k="amenity" v="shelter"/></node>
  <way id="10"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>
    <tag k="name" v="Lê Lợi"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
</osm>
"""


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A float DEM with a hole, wards in WGS 84 without population, people, land cover, OSM."""
    z = np.linspace(5.0, 1.0, COLS, dtype="float32")[None, :].repeat(ROWS, axis=0)
    z[10, 10] = -9999.0
    profile = {
        "driver": "GTiff",
        "height": ROWS,
        "width": COLS,
        "count": 1,
        "crs": "EPSG:32648",
        "transform": from_origin(X0, Y0, CELL, CELL),
    }
    with rasterio.open(tmp_path / "dem.tif", "w", dtype="float32", nodata=-9999.0, **profile) as f:
        f.write(z, 1)
    people = np.zeros((ROWS, COLS), dtype="float32")
    people[5, 5], people[30, 40] = 100.0, 250.0
    with rasterio.open(tmp_path / "people.tif", "w", dtype="float32", **profile) as f:
        f.write(people, 1)
    cover = np.full((ROWS, COLS), 40, dtype="uint8")
    cover[:, :5] = 80  # a river along the west edge
    cover[20:, 30:] = 50
    with rasterio.open(tmp_path / "cover.tif", "w", dtype="uint8", **profile) as f:
        f.write(cover, 1)
    mid = X0 + COLS * CELL / 2
    wards = gpd.GeoDataFrame(
        {"code": ["A", "B"], "ten": ["Phú Hội", "Vỹ Dạ"]},
        geometry=[
            shapely.box(X0 - 100, Y0 - ROWS * CELL, mid, Y0 + 100),
            shapely.box(mid, Y0 - ROWS * CELL, X0 + COLS * CELL, Y0),
        ],
        crs=32648,
    ).to_crs(4326)
    wards.to_file(tmp_path / "wards.geojson")
    (tmp_path / "city.osm").write_text(OSM, encoding="utf-8")
    return {
        name: tmp_path / file
        for name, file in (
            ("dem", "dem.tif"),
            ("people", "people.tif"),
            ("cover", "cover.tif"),
            ("wards", "wards.geojson"),
            ("osm", "city.osm"),
        )
    }


def test_build_city_from_every_input(inputs: dict[str, Path], tmp_path: Path) -> None:
    path = build_city(
        tmp_path / "city",
        dem=inputs["dem"],
        wards=inputs["wards"],
        wards_id="code",
        wards_name="ten",
        osm=inputs["osm"],
        population=inputs["people"],
        landcover=inputs["cover"],
        name="Huế test",
        timezone="Asia/Ho_Chi_Minh",
        languages=["vi", "en"],
    )
    assert layers.check_city(path) == []
    city = layers.load_city(path)
    assert city.crs.to_epsg() == 32648  # the UTM zone of the DEM
    assert city.wards.set_index("ward_id")["population"].to_dict() == {"A": 100, "B": 250}
    assert city.wards["name_ascii"].tolist() == ["Phu Hoi", "Vy Da"]
    assert not np.isnan(city.dem.values).any()  # the hole was filled
    assert "1 DEM nodata cells filled" in city.meta["notes"]["build"]
    assert city.landuse is not None and city.population is not None
    assert (city.landuse.values[:, :5] == LANDUSE["water"]).all()
    assert city.landuse.values[25, 35] == LANDUSE["urban"]
    assert float(city.population.sum()) == pytest.approx(350.0)
    assert len(city.roads) >= 3  # the two ways, split where they cross
    assert "Lê Lợi" in set(city.roads["name"])
    assert city.lights["light_id"].tolist() == ["osm5"]
    assert city.stations[["name", "vehicle"]].values.tolist() == [["Bệnh viện", "ambulance"]]
    assert len(city.shelters) == 1 and city.shelters["ward_id"].notna().all()
    assert (city.settings.timezone, city.settings.languages) == ("Asia/Ho_Chi_Minh", ("vi", "en"))


def test_every_missing_input_in_one_error(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(LayerError) as err:
        build_city(tmp_path / "city", dem=inputs["dem"], wards=inputs["wards"])
    problems = err.value.problems
    assert len(problems) == 2, problems
    assert any("no population" in p for p in problems)
    assert any("--osm" in p for p in problems)
    assert not (tmp_path / "city").exists()


def test_wrong_column_names_are_listed(inputs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(LayerError, match=r"no column\(s\) nimi"):
        build_city(tmp_path / "city", dem=inputs["dem"], wards=inputs["wards"], wards_name="nimi")
