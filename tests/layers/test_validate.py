"""Bad input: every problem found, each saying file, layer, rows, what and how to fix."""

from __future__ import annotations

import json
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
from shapely import LineString, MultiLineString, Point, Polygon

import layers
from layers import City
from layers._toml import dumps_toml

WriteBad = Callable[[Callable[[City], None]], Path]


def problems_of(path: Path) -> list[str]:
    return layers.check_city(path)


def one(found: list[str], *needles: str) -> str:
    """The one problem holding every needle."""
    hits = [p for p in found if all(n in p for n in needles)]
    assert len(hits) == 1, (needles, found)
    return hits[0]


def test_good_city_has_no_problems(small_city_dir: Path) -> None:
    assert layers.check_city(small_city_dir) == []


def test_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    found = problems_of(tmp_path / "empty")
    one(found, "city.toml", "file not found")
    one(found, "dem.tif", "file not found")
    one(found, "no city.gpkg")
    assert layers.check_city(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: not a folder; fix: give the city package folder"
    ]


def test_bad_toml_and_unknown_crs(city_copy: Path) -> None:
    (city_copy / "city.toml").write_text('name = "x"\ncrs = "EPSG:999999"\n')
    assert "unknown crs" in one(problems_of(city_copy), "city.toml")
    (city_copy / "city.toml").write_text('name = "x"\ncrs = "EPSG:4326"\n')
    assert "not projected" in one(problems_of(city_copy), "city.toml")
    (city_copy / "city.toml").write_text('name = "x\n')
    assert "invalid TOML" in one(problems_of(city_copy), "city.toml")


def test_layer_without_crs(city_copy: Path, fresh_city: City) -> None:
    no_crs = fresh_city.shelters.set_crs(None, allow_override=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        warnings.filterwarnings("ignore", "Normalized/laundered", RuntimeWarning)
        pyogrio.write_dataframe(no_crs, city_copy / "shelters.shp")
    problem = one(problems_of(city_copy), "shelters.shp", "no CRS")
    assert "fix:" in problem


def test_wrong_geometry_type(write_bad: WriteBad) -> None:
    def points_for_wards(city: City) -> None:
        city.wards = city.wards.set_geometry([Point(776100, 1822100), Point(776900, 1822100)])

    problem = one(problems_of(write_bad(points_for_wards)), "layer 'wards'", "geometry Point")
    assert "rows W01, W02" in problem and "Polygon or MultiPolygon" in problem


def test_invalid_polygon_is_repaired_with_a_note(write_bad: WriteBad) -> None:
    bow_tie = Polygon([(776000, 1822200), (776600, 1821300), (776600, 1822200), (776000, 1821300)])

    def twist(city: City) -> None:
        city.wards.loc[0, "geometry"] = bow_tie

    path = write_bad(twist)
    report = layers.inspect_city(path)
    assert report.problems == []
    assert any("W01" in n and "make_valid" in n for n in report.notes)
    with pytest.warns(layers.LayerWarning, match="repaired with make_valid"):
        city = layers.load_city(path)
    assert city.wards.geometry[0].is_valid
    assert city.wards.geometry[0].geom_type == "MultiPolygon"  # both triangles kept
    assert city.wards.geometry[0].area == pytest.approx(270_000.0)


def test_invalid_line_is_rejected(write_bad: WriteBad) -> None:
    def collapse(city: City) -> None:
        city.roads.loc[3, "geometry"] = LineString([(776600, 1821900), (776600, 1821900)])

    one(problems_of(write_bad(collapse)), "rows R4", "invalid geometry")


def test_missing_and_empty_geometry(write_bad: WriteBad) -> None:
    def drop_geom(city: City) -> None:
        city.stations.loc[1, "geometry"] = None

    one(problems_of(write_bad(drop_geom)), "layer 'stations'", "rows T2", "missing or empty")


def test_missing_required_columns(write_bad: WriteBad) -> None:
    def drop(city: City) -> None:
        city.wards = city.wards.drop(columns=["population", "kind"])

    problem = one(problems_of(write_bad(drop)), "layer 'wards'", "missing column")
    assert "population" in problem and "kind" in problem


def test_duplicate_ids(write_bad: WriteBad) -> None:
    def duplicate(city: City) -> None:
        city.lights.loc[[1, 2], "light_id"] = "L0"

    problem = one(problems_of(write_bad(duplicate)), "layer 'lights'", "duplicate light_id")
    assert "L0" in problem and "(3 rows)" in problem


def test_negative_population_and_capacity(write_bad: WriteBad) -> None:
    def negative(city: City) -> None:
        city.wards.loc[1, "population"] = -5
        city.shelters.loc[0, "capacity_persons"] = -1

    found = problems_of(write_bad(negative))
    one(found, "layer 'wards'", "rows W02", "negative 'population'")
    one(found, "layer 'shelters'", "rows S1", "negative 'capacity_persons'")


def test_bad_class_and_status_values(write_bad: WriteBad) -> None:
    def bad_values(city: City) -> None:
        city.roads.loc[0, "road_class"] = "highway"
        city.lights.loc[2, "status"] = "flickering"
        city.stations.loc[0, "vehicle"] = "helicopter"

    found = problems_of(write_bad(bad_values))
    assert "arterial, street, alley" in one(found, "rows R1", "'road_class' is highway")
    one(found, "rows L2", "'status' is flickering")
    one(found, "rows T1", "'vehicle' is helicopter")


def test_values_of_the_wrong_type(write_bad: WriteBad) -> None:
    def text_in_numbers(city: City) -> None:
        city.households["persons"] = city.households["persons"].astype(object)
        city.households.loc[0, "persons"] = "many"

    one(problems_of(write_bad(text_in_numbers)), "rows H1", "'persons' must be a whole number")


def test_dem_holes(write_bad: WriteBad) -> None:
    def holes(city: City) -> None:
        city.dem[3:5, 7] = np.nan

    problem = one(problems_of(write_bad(holes)), "dem.tif", "2 nodata cells")
    assert "gdal_fillnodata" in problem


def test_dem_without_crs(city_copy: Path) -> None:
    with rasterio.open(city_copy / "dem.tif") as src:
        profile, z = src.profile, src.read(1)
    del profile["crs"]
    with rasterio.open(city_copy / "dem.tif", "w", **profile) as dst:
        dst.write(z, 1)
    one(problems_of(city_copy), "dem.tif", "no CRS")


def test_layer_outside_the_dem(write_bad: WriteBad) -> None:
    def far(city: City) -> None:
        city.households.loc[1, "geometry"] = Point(790000, 1822000)

    problem = one(problems_of(write_bad(far)), "layer 'households'", "rows H2", "outside the DEM")
    assert "clip the layer" in problem


def test_dam_point_may_lie_outside_but_not_its_entry_cell(write_bad: WriteBad) -> None:
    def entry_outside(city: City) -> None:
        city.dams.loc[0, "entry_x"] = 700000.0

    problem = one(problems_of(write_bad(entry_outside)), "dam ta-trach", "entry cell")
    assert "outside the DEM grid" in problem
    assert not any(
        "layer 'dams'" in p and "outside the DEM extent" in p
        for p in problems_of(write_bad(entry_outside))
    )


def test_dam_storage_table_checks(write_bad: WriteBad) -> None:
    def bad_table(city: City) -> None:
        city.dams.loc[0, "storage_levels_m"] = json.dumps([10.0, 9.0, 51.0])

    one(problems_of(write_bad(bad_table)), "dam ta-trach", "strictly increasing")

    def not_json(city: City) -> None:
        city.dams.loc[0, "storage_volumes_m3"] = "lots"

    one(problems_of(write_bad(not_json)), "'storage_volumes_m3' must be a JSON list")


def test_gauge_alarm_levels_must_increase(write_bad: WriteBad) -> None:
    def swapped(city: City) -> None:
        city.gauges.loc[0, ["alarm2_m", "alarm3_m"]] = [3.5, 2.0]

    one(problems_of(write_bad(swapped)), "rows kim-long", "alarm levels not increasing")


def test_references_between_layers(write_bad: WriteBad) -> None:
    def dangling(city: City) -> None:
        city.lights.loc[0, "road_id"] = "R99"
        city.roads.loc[2, "parent_road_id"] = "R77"
        city.households.loc[0, "ward_id"] = "W09"

    found = problems_of(write_bad(dangling))
    one(found, "layer 'lights'", "rows L0", "road_id not in the roads layer")
    one(found, "layer 'roads'", "rows R3", "parent_road_id")
    one(found, "layer 'households'", "rows H1", "ward_id not in the wards layer", "leave it empty")


def test_new_wards_refill_every_ward_id(city_copy: Path, fresh_city: City) -> None:
    # The user replaces the wards with their own: not one ward_id of the other layers is known
    # any more, and none of those layers has to be edited.
    wards = fresh_city.wards.assign(ward_id=["P-1", "P-2"])
    pyogrio.write_dataframe(wards, city_copy / "wards.gpkg", driver="GPKG")
    report = layers.inspect_city(city_copy)
    assert report.problems == []
    assert any("households" in n and "filled again" in n for n in report.notes)
    assert report.city is not None
    assert report.city.households["ward_id"].tolist() == ["P-1", "P-2"]
    assert report.city.shelters["ward_id"].tolist() == ["P-2"]


def test_empty_ward_id_is_filled(write_bad: WriteBad) -> None:
    def emptied(city: City) -> None:
        city.households.loc[1, "ward_id"] = None

    report = layers.inspect_city(write_bad(emptied))
    assert report.problems == []
    assert any("rows H2: ward_id filled from the wards layer" in n for n in report.notes)
    assert report.city is not None and report.city.households["ward_id"].tolist() == ["W01", "W02"]


def test_every_problem_in_one_error(write_bad: WriteBad) -> None:
    def many(city: City) -> None:
        city.wards.loc[0, "population"] = -1
        city.lights.loc[1, "light_id"] = "L0"
        city.stations.loc[0, "vehicle"] = "bike"
        city.dem[0, 0] = np.nan

    path = write_bad(many)
    with pytest.raises(layers.LayerError) as info:
        layers.load_city(path)
    assert info.value.problems == layers.check_city(path)
    assert len(info.value.problems) == 4
    assert str(info.value).startswith("4 problems:")
    assert isinstance(info.value, ValueError)


def test_other_crs_is_reprojected(city_copy: Path, fresh_city: City) -> None:
    wgs84 = fresh_city.shelters.to_crs(4326)
    pyogrio.write_dataframe(wgs84, city_copy / "shelters.geojson", driver="GeoJSON")
    with pytest.warns(layers.LayerWarning, match="reprojected from EPSG:4326 to EPSG:32648"):
        city = layers.load_city(city_copy)
    assert city.shelters.crs.to_epsg() == 32648
    moved = city.shelters.geometry[0].distance(fresh_city.shelters.geometry[0])
    assert moved < 0.01  # metres


def test_dem_in_another_crs_is_reprojected(city_copy: Path) -> None:
    with rasterio.open(city_copy / "dem.tif") as src:
        profile, z = src.profile, src.read(1)
    # The same grid, labelled in the southern UTM zone: reprojecting moves it far away, so
    # its rotated edges become holes and every layer falls outside it. Both must be said.
    profile.update(crs="EPSG:32748")
    with rasterio.open(city_copy / "dem.tif", "w", **profile) as dst:
        dst.write(z, 1)
    report = layers.inspect_city(city_copy)
    assert any("DEM reprojected from EPSG:32748" in n for n in report.notes)
    assert any("outside the DEM extent" in p for p in report.problems)


def test_ward_id_is_filled_from_the_wards(city_copy: Path, fresh_city: City) -> None:
    households = fresh_city.households.drop(columns="ward_id")
    households.to_parquet(city_copy / "households.parquet")
    with pytest.warns(layers.LayerWarning, match="ward_id filled"):
        city = layers.load_city(city_copy)
    assert city.households["ward_id"].tolist() == ["W01", "W02"]


def test_single_part_multi_geometry_is_taken_apart(city_copy: Path, fresh_city: City) -> None:
    roads = fresh_city.roads.set_geometry(
        [MultiLineString([g]) for g in fresh_city.roads.geometry], crs=fresh_city.crs
    )
    pyogrio.write_dataframe(roads, city_copy / "roads.gpkg", driver="GPKG")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        city = layers.load_city(city_copy)
    assert any("single-part multi geometry" in str(w.message) for w in caught)
    assert set(city.roads.geom_type) == {"LineString"}


def test_toml_writer_round_trips() -> None:
    meta = {
        "name": "Huế",
        "crs": "EPSG:32648",
        "synthetic": True,
        "n": 3,
        "x": 0.5,
        "list": [1, 2.5, "a"],
        "sources": {"dem": 'x "quoted"', "deep": {"k": "v"}},
    }
    assert tomllib.loads(dumps_toml(meta)) == meta
    with pytest.raises(TypeError):
        dumps_toml({"bad": object()})
