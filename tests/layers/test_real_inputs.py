"""Inputs as a GIS user has them: int16 and geographic DEMs, other CRSs, files of their own."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
from rasterio.warp import calculate_default_transform, reproject

import layers
from layers import City
from layers._dem import read_dem
from layers._toml import dumps_toml
from layers.io import read_meta

WriteBad = Callable[[Callable[[City], None]], Path]


def _rewrite_dem(folder: Path, *, dtype: str, nodata: float, crs: str | None = None) -> np.ndarray:
    """Write dem.tif again as ``dtype`` (decimetres for ints) with a 2 x 2 hole; its values."""
    with rasterio.open(folder / "dem.tif") as src:
        profile, z = src.profile, src.read(1)
    z = z * 10 if dtype == "int16" else z
    z = z.astype(dtype)
    z[3:5, 4:6] = nodata
    profile.update(dtype=dtype, nodata=nodata)
    if crs is not None:
        rows, cols = z.shape
        bounds = rasterio.transform.array_bounds(rows, cols, profile["transform"])
        t, width, height = calculate_default_transform(profile["crs"], crs, cols, rows, *bounds)
        out = np.full((height, width), nodata, dtype=dtype)
        reproject(
            z,
            out,
            src_transform=profile["transform"],
            src_crs=profile["crs"],
            src_nodata=nodata,
            dst_transform=t,
            dst_crs=crs,
            dst_nodata=nodata,
        )
        z = out
        profile.update(crs=crs, transform=t, width=width, height=height)
    with rasterio.open(folder / "dem.tif", "w", **profile) as dst:
        dst.write(z, 1)
    return z


def test_int16_nodata_is_a_hole_not_an_elevation(city_copy: Path) -> None:
    _rewrite_dem(city_copy, dtype="int16", nodata=-32768)
    dem, _ = read_dem(city_copy / "dem.tif", crs=None)
    assert dem.dtype == np.float32
    assert int(np.isnan(dem.values).sum()) == 4
    assert float(np.nanmin(dem.values)) > -100
    holes = [p for p in layers.check_city(city_copy) if "nodata cells" in p]
    assert len(holes) == 1 and "4 nodata cells" in holes[0]


@pytest.mark.parametrize(("dtype", "nodata"), [("int16", -32768), ("float32", -9999.0)])
def test_geographic_dem_is_warped_and_cropped_to_its_footprint(
    city_copy: Path, dtype: str, nodata: float
) -> None:
    with rasterio.open(city_copy / "dem.tif") as src:
        profile = src.profile
    # The hole would be the user's fault; without it the warped DEM must have none.
    _rewrite_dem(city_copy, dtype=dtype, nodata=nodata, crs="EPSG:4326")
    with rasterio.open(city_copy / "dem.tif", "r+") as dst:
        z = dst.read(1)
        z[z == nodata] = z.max()
        dst.write(z, 1)
    report = layers.inspect_city(city_copy)
    note = next(n for n in report.notes if "DEM reprojected from EPSG:4326" in n)
    assert "cropped" in note
    assert not any("nodata" in p for p in report.problems), report.problems
    dem, _ = read_dem(city_copy / "dem.tif", crs=None)
    assert dem.rio.crs.to_epsg() == 4326
    warped, _ = read_dem(city_copy / "dem.tif", crs=rasterio.crs.CRS.from_epsg(32648))
    assert not np.isnan(warped.values).any()
    # Cropping keeps most of the 40 x 30 cells of the original 30 m grid.
    cell = float(warped.x[1] - warped.x[0])
    area = warped.size * cell**2
    assert 0.7 * profile["width"] * profile["height"] * 900 < area <= 1.05 * 1200 * 900


def test_epsg_3067_is_not_reprojected_into_itself(tmp_path: Path, fresh_city: City) -> None:
    city = fresh_city
    for name, gdf in city.layers().items():
        setattr(city, name, gdf.set_crs(3067, allow_override=True))
    for grid in ("dem", "manning", "ward_index", "landuse"):
        setattr(city, grid, getattr(city, grid).rio.write_crs("EPSG:3067"))
    city.crs = city.wards.crs
    folder = layers.write_city(city, tmp_path / "helsinki")
    report = layers.inspect_city(folder)
    assert report.problems == []
    assert not any("reprojected" in n for n in report.notes), report.notes


def test_half_a_millimetre_of_drift_is_not_outside(write_bad: WriteBad) -> None:
    def drift(city: City) -> None:
        city.wards = city.wards.set_geometry(city.wards.geometry.translate(0.0005, 0.0005))

    assert layers.check_city(write_bad(drift)) == []


def test_wards_without_ward_id_past_the_dem_are_problems(write_bad: WriteBad) -> None:
    def broken(city: City) -> None:
        city.wards = city.wards.drop(columns="ward_id")
        city.wards = city.wards.set_geometry(city.wards.geometry.translate(500.0, 0.0))

    found = layers.check_city(write_bad(broken))
    assert any("missing column(s) ward_id" in p for p in found)


def test_folder_without_gpkg_must_have_wards_and_roads(
    small_city_dir: Path, tmp_path: Path
) -> None:
    city = layers.load_city(small_city_dir)
    folder = tmp_path / "files"
    folder.mkdir()
    shutil.copy(small_city_dir / "dem.tif", folder / "dem.tif")
    shutil.copy(small_city_dir / "city.toml", folder / "city.toml")
    pyogrio.write_dataframe(city.shelters, folder / "shelters.geojson", driver="GeoJSON")
    found = layers.check_city(folder)
    assert any("no layer 'wards'" in p for p in found), found
    assert any("no layer 'roads'" in p for p in found), found


def test_a_required_layer_without_features_is_a_problem(write_bad: WriteBad) -> None:
    def emptied(city: City) -> None:
        city.roads = city.roads.iloc[:0]
        city.lights = city.lights.iloc[:0]

    found = layers.check_city(write_bad(emptied))
    assert any("layer 'roads' has no features" in p for p in found), found


def test_ward_kinds_are_free_unless_the_city_declares_them(city_copy: Path) -> None:
    wards = layers.load_city(city_copy).wards
    wards.loc[0, "kind"] = "kaupunginosa"
    pyogrio.write_dataframe(wards, city_copy / "wards.gpkg", driver="GPKG")
    assert layers.check_city(city_copy) == []
    meta = read_meta(city_copy / "city.toml")
    meta["ward_kinds"] = {"phuong": {"vi": "Phường"}, "xa": {"vi": "Xã"}}
    (city_copy / "city.toml").write_text(dumps_toml(meta), encoding="utf-8")
    found = layers.check_city(city_copy)
    assert any("kind kaupunginosa not in [ward_kinds]" in p for p in found), found


OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="16.4700" lon="107.5800"/>
  <node id="2" lat="16.4700" lon="107.5820"/>
  <node id="3" lat="16.4700" lon="107.5840"/>
  <node id="4" lat="16.4720" lon="107.5820"/>
  <node id="5" lat="16.4680" lon="107.5820"/>
  <node id="6" lat="16.4700000001" lon="107.5830"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="name" v="Lê Lợi"/></way>
  <way id="11"><nd ref="4"/><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="bridge" v="yes"/></way>
  <way id="12"><nd ref="2"/><nd ref="6"/><nd ref="3"/><nd ref="2"/>
    <tag k="highway" v="service"/></way>
  <way id="13"><nd ref="6"/><nd ref="6"/><tag k="highway" v="footway"/></way>
</osm>
"""


def test_osm_roads_without_pyrosm_are_split_and_never_crash(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    roads = layers.read_osm_roads(path)
    assert {"osm10", "osm11", "osm12"} <= set(roads["road_id"])
    assert roads.set_index("road_id").loc["osm11", "bridge"]
    noded = layers.node_roads(roads.to_crs(32648))
    assert len(noded) >= 5
    assert not noded.geometry.is_empty.any()


def test_a_ward_all_in_the_water_is_a_problem(write_bad: WriteBad) -> None:
    def drowned(city: City) -> None:
        assert city.landuse is not None
        codes = city.landuse.values.copy()
        codes[:, : codes.shape[1] // 2] = 1  # water under the whole of W01
        city.landuse = city.landuse.copy(data=codes)

    found = layers.check_city(write_bad(drowned))
    assert any("rows W01: every cell of the ward is water" in p for p in found), found


def test_population_raster_travels_with_the_city(tmp_path: Path, fresh_city: City) -> None:
    people = np.zeros(fresh_city.dem.shape, dtype="float32")
    people[5, 5] = 120.0
    fresh_city.population = fresh_city.dem.copy(data=people)
    city = layers.load_city(layers.write_city(fresh_city, tmp_path / "city"))
    assert city.population is not None
    assert float(city.population.sum()) == 120.0


def test_city_settings_are_read_and_bad_ones_are_problems(city_copy: Path) -> None:
    meta = read_meta(city_copy / "city.toml")
    assert layers.load_city(city_copy).settings == layers.CitySettings()
    meta.update(
        timezone="Europe/Helsinki",
        languages=["fi", "en"],
        cap={"sender": "flood@hel.example", "hotline": "112"},
        ward_kinds={"phuong": {"vi": "Phường"}, "xa": {"vi": "Xã"}},
    )
    (city_copy / "city.toml").write_text(dumps_toml(meta), encoding="utf-8")
    settings = layers.load_city(city_copy).settings
    assert (settings.timezone, settings.languages, settings.hotline) == (
        "Europe/Helsinki",
        ("fi", "en"),
        "112",
    )
    assert settings.kind_label("phuong", "vi") == "Phường"
    meta.update(timezone="Mars/Olympus", languages="fi", cap={"sender": "a b"})
    (city_copy / "city.toml").write_text(dumps_toml(meta), encoding="utf-8")
    found = layers.check_city(city_copy)
    assert sum("city.toml" in p for p in found) == 3, found
