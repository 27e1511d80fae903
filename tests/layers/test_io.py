"""Reading and writing: the city package round trip, each single-layer format, OSM roads."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from pyproj import Transformer

import layers
from layers import City
from layers._toml import dumps_toml


def write(gdf: gpd.GeoDataFrame, path: Path, driver: str) -> None:
    """Write a layer; a shapefile's cut column names (GDAL warns) are the point here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Normalized/laundered field name", RuntimeWarning)
        pyogrio.write_dataframe(gdf, path, driver=driver)


def test_round_trip_gives_the_same_city(small_city_dir: Path, fresh_city: City) -> None:
    loaded = layers.load_city(small_city_dir)
    assert loaded.equals(fresh_city)
    assert loaded.crs.to_epsg() == 32648
    assert loaded.roads["house_from"].dtype == "Int64"
    assert loaded.roads.loc[2, "alley_number"] == 32
    assert loaded.roads.loc[0, "parent_road_id"] is None
    assert np.isnan(loaded.gauges.loc[1, "alarm1_m"])
    assert loaded.dem.dtype == np.float32 and loaded.dem.attrs["units"] == "m"
    assert loaded.dem.rio.crs.to_epsg() == 32648
    assert float(loaded.dem.y[0]) > float(loaded.dem.y[-1])  # row 0 north


def test_write_then_read_again_is_stable(small_city_dir: Path, tmp_path: Path) -> None:
    again = layers.write_city(layers.load_city(small_city_dir), tmp_path / "again")
    assert layers.load_city(again).equals(layers.load_city(small_city_dir))


def test_package_files_and_meta(small_city_dir: Path) -> None:
    assert {p.name for p in small_city_dir.iterdir()} == {
        "city.toml",
        "city.gpkg",
        "dem.tif",
        "manning.tif",
        "landuse.tif",
    }
    names = {name for name, _ in pyogrio.list_layers(small_city_dir / "city.gpkg")}
    assert names == set(layers.LAYER_NAMES)
    meta = tomllib.loads((small_city_dir / "city.toml").read_text(encoding="utf-8"))
    assert meta["crs"] == "EPSG:32648" and meta["sources"] == {"all": "made up"}


def test_write_replaces_an_existing_package(fresh_city: City, tmp_path: Path) -> None:
    target = tmp_path / "city"
    layers.write_city(fresh_city, target)
    (target / "stray.txt").write_text("old")
    layers.write_city(fresh_city, target)
    assert not (target / "stray.txt").exists()
    assert not list(tmp_path.glob(".city*"))  # no temporary folder left behind


def test_failed_write_leaves_nothing_behind(fresh_city: City, tmp_path: Path) -> None:
    city = fresh_city
    city.meta["bad"] = object()  # not writable as TOML
    with pytest.raises(TypeError):
        layers.write_city(city, tmp_path / "city")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("filename", "driver"),
    [
        ("stations.geojson", "GeoJSON"),
        ("stations.shp", "ESRI Shapefile"),
        ("stations.gpkg", "GPKG"),
        ("stations.parquet", None),
    ],
)
def test_a_layer_from_its_own_file(
    city_copy: Path, fresh_city: City, filename: str, driver: str | None
) -> None:
    stations = fresh_city.stations.copy()
    stations.loc[0, "name"] = "Đội xuồng riêng"
    if driver is None:
        stations.to_parquet(city_copy / filename)
    else:
        write(stations, city_copy / filename, driver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", layers.LayerWarning)  # the shapefile's short names
        city = layers.load_city(city_copy)
    assert city.stations["name"].tolist() == ["Đội xuồng riêng", "Đội xe 2"]
    assert city.stations["capacity_persons"].tolist() == [8, 20]
    assert city.stations.crs.to_epsg() == 32648


def test_read_layer_each_format_same_rows(fresh_city: City, tmp_path: Path) -> None:
    wards = fresh_city.wards
    for suffix, driver in ((".geojson", "GeoJSON"), (".shp", "ESRI Shapefile"), (".gpkg", "GPKG")):
        write(wards, tmp_path / f"w{suffix}", driver)
    wards.to_parquet(tmp_path / "w.parquet")
    for suffix in (".geojson", ".shp", ".gpkg", ".parquet"):
        read = layers.read_layer(tmp_path / f"w{suffix}")
        assert read["name"].tolist() == ["Phú Hội", "Vĩnh Ninh"], suffix
        assert read.geometry.area.round().tolist() == [540000.0, 540000.0], suffix


def test_shapefile_short_column_names_are_recognised(city_copy: Path, fresh_city: City) -> None:
    write(fresh_city.stations, city_copy / "stations.shp", "ESRI Shapefile")
    with pytest.warns(layers.LayerWarning, match="capacity_p"):
        city = layers.load_city(city_copy)
    assert city.stations["capacity_persons"].tolist() == [8, 20]


def test_toml_named_layer_file(city_copy: Path, fresh_city: City) -> None:
    shelters = fresh_city.shelters
    pyogrio.write_dataframe(shelters, city_copy / "my_shelters.geojson", driver="GeoJSON")
    meta = tomllib.loads((city_copy / "city.toml").read_text(encoding="utf-8"))
    meta["layers"] = {"shelters": "my_shelters.geojson"}
    (city_copy / "city.toml").write_text(dumps_toml(meta), encoding="utf-8")
    assert layers.load_city(city_copy).shelters["shelter_id"].tolist() == ["S1"]


def test_read_layer_unknown_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(layers.LayerError, match="file not found"):
        layers.read_layer(tmp_path / "none.geojson")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(layers.LayerError, match="unknown file type"):
        layers.read_layer(tmp_path / "x.csv")


OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
<node id="1" lat="16.4600" lon="107.5800" version="1"/>
<node id="2" lat="16.4620" lon="107.5820" version="1"/>
<node id="3" lat="16.4640" lon="107.5840" version="1"/>
<node id="4" lat="16.4640" lon="107.5800" version="1"/>
<node id="5" lat="16.4600" lon="107.5840" version="1"/>
<way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
 <tag k="highway" v="primary"/><tag k="name" v="Lê Lợi"/></way>
<way id="11" version="1"><nd ref="4"/><nd ref="2"/><nd ref="5"/>
 <tag k="highway" v="residential"/><tag k="name" v="Hùng Vương"/><tag k="bridge" v="yes"/></way>
<way id="12" version="1"><nd ref="4"/><nd ref="3"/><tag k="highway" v="service"/></way>
<way id="13" version="1"><nd ref="1"/><nd ref="5"/><tag k="waterway" v="river"/></way>
</osm>
"""


def test_osm_roads_are_read_and_split_at_junctions(tmp_path: Path) -> None:
    path = tmp_path / "roads.osm"
    path.write_text(OSM, encoding="utf-8")
    roads = layers.read_layer(path)
    assert roads.crs.to_epsg() == 4326
    assert roads.set_index("road_id")["road_class"].to_dict() == {
        "osm10": "arterial",
        "osm11": "street",
        "osm12": "alley",
    }
    assert roads.set_index("road_id")["bridge"].to_dict() == {
        "osm10": False,
        "osm11": True,
        "osm12": False,
    }
    assert roads.loc[0, "name_ascii"] == "Le Loi"
    noded = layers.node_roads(roads.to_crs(32648))
    # The two named ways cross at node 2: each is cut in two there.
    assert sorted(noded["road_id"]) == ["osm10-1", "osm10-2", "osm11-1", "osm11-2", "osm12"]
    graph = layers.road_graph(noded)
    assert graph.number_of_nodes() == 5 and graph.number_of_edges() == 5


def test_osm_without_any_reader_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"not a pbf")
    with pytest.raises(layers.LayerError, match=r"hue-twin\[osm\]"):
        layers.read_osm_roads(path)


def test_osm_roads_file_in_a_city_package(city_copy: Path, fresh_city: City) -> None:
    lights = fresh_city.lights.assign(road_id="osm7-1")  # the lights stand on the new roads
    lights.to_parquet(city_copy / "lights.parquet")
    to_lonlat = Transformer.from_crs(32648, 4326, always_xy=True)
    corners = [(776100, 1822100), (776600, 1822100), (777100, 1822100), (776800, 1821500)]
    nodes = "\n".join(
        f'<node id="{i + 1}" lat="{lat:.7f}" lon="{lon:.7f}" version="1"/>'
        for i, (lon, lat) in enumerate(to_lonlat.transform(x, y) for x, y in corners)
    )
    (city_copy / "roads.osm").write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">{nodes}
<way id="7" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
 <tag k="highway" v="secondary"/><tag k="name" v="Lê Lợi"/></way>
<way id="8" version="1"><nd ref="2"/><nd ref="4"/><tag k="highway" v="residential"/></way>
</osm>
""",
        encoding="utf-8",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        city = layers.load_city(city_copy)
    notes = " ".join(str(w.message) for w in caught)
    assert "reprojected from EPSG:4326" in notes and "split at their junctions" in notes
    assert sorted(city.roads["road_id"]) == ["osm7-1", "osm7-2", "osm8"]
    assert city.roads["ward_id"].tolist() == ["W01", "W02", "W02"]  # filled from the wards
    assert city.roads.loc[city.roads["road_id"] == "osm8", "name"].item() == "(unnamed residential)"


def test_toml_writes_a_list_of_tables_inline_and_reads_it_back() -> None:
    import tomllib

    meta = {
        "name": "Huế",
        "stations": [{"id": "thuan-an", "kind": "river", "note": 'say "hi"'}, {"id": "x"}],
        "nowcast": {"sea_edges": ["north", "east"]},
    }
    text = dumps_toml(meta)
    assert 'stations = [{ id = "thuan-an", kind = "river", note = "say \\"hi\\"" }' in text
    assert tomllib.loads(text) == meta
