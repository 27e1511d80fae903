"""The Huế demo city: deterministic, and what it holds is what the facts say."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy import ndimage
from shapely import Point

import layers
from layers import City
from layers._demo_city import _is_current
from layers._demo_facts import WARDS
from layers._demo_terrain import to_utm
from layers.grids import LANDUSE

# One worker builds the demo city twice (demo_builds) and runs every test of it.
pytestmark = pytest.mark.xdist_group("demo_builds")


def digest(path: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(path.iterdir())}


def cell(city: City, x: float, y: float) -> tuple[int, int]:
    x0, _, _, y1 = city.extent
    return int((y1 - y) // city.cell_size_m), int((x - x0) // city.cell_size_m)


@pytest.mark.slow
def test_two_builds_are_the_same_bytes(demo_builds: tuple[Path, Path, float]) -> None:
    first, second, seconds = demo_builds
    assert digest(first) == digest(second)
    assert set(digest(first)) == {"city.toml", "city.gpkg", "dem.tif", "manning.tif", "landuse.tif"}
    assert seconds < 60.0  # about 10 s on a laptop; generous for loaded CI machines


def test_domain_crs_and_dem(demo_city: City) -> None:
    assert demo_city.crs.to_epsg() == 32648
    xmin, ymin, xmax, ymax = demo_city.extent
    assert (xmax - xmin, ymax - ymin) == (30000.0, 25020.0)
    assert demo_city.cell_size_m == 30.0
    centre = to_utm(107.59, 16.46)
    assert xmin < centre[0] < xmax and ymin < centre[1] < ymax
    z = demo_city.dem.values
    assert not np.isnan(z).any()
    assert z.max() > 200  # the hills in the south-west
    assert z[-50:, :50].mean() > 5 * z[:300, 300:700].mean()  # SW hills above the plain
    assert z[0, -1] < -5  # the sea in the north-east corner


def test_wards_are_the_published_units(demo_city: City) -> None:
    wards = demo_city.wards.set_index("name")
    published = {name: (kind, pop, lon, lat) for kind, name, _a, pop, lon, lat in WARDS}
    assert len(wards) == 17
    assert {"Phú Xuân", "Thuận Hóa", "Vỹ Dạ", "An Cựu", "Hương Thủy"} <= set(wards.index)
    assert wards.loc["Phú Xuân", "name_ascii"] == "Phu Xuan"
    assert wards.loc["Phú Xuân", "population"] == 130247
    for name, row in wards.iterrows():
        kind, pop, lon, lat = published[str(name)]
        assert (row["kind"], row["population"]) == (kind, pop)
        assert row.geometry.contains(Point(to_utm(lon, lat)))  # at its published centre
    assert demo_city.wards.union_all().is_valid
    assert int(demo_city.wards["population"].sum()) == 849812


def test_ward_index_grid(demo_city: City) -> None:
    index = demo_city.ward_index.values
    assert index[0, -1] == -1  # the sea
    for i, geom in enumerate(demo_city.wards.geometry):
        p = geom.representative_point()
        assert index[cell(demo_city, p.x, p.y)] == i


def test_road_graph_is_connected(demo_city: City) -> None:
    graph = layers.road_graph(demo_city.roads)
    assert nx.is_connected(graph)
    assert graph.number_of_edges() == len(demo_city.roads) > 2000


def test_named_streets_and_kiet_32_le_van_huu(demo_city: City) -> None:
    roads = demo_city.roads
    names = set(roads["name"])
    for street in (
        "Lê Lợi",
        "Hùng Vương",
        "Trần Hưng Đạo",
        "Lê Văn Hưu",
        "Nguyễn Huệ",
        "Điện Biên Phủ",
        "Lê Duẩn",
    ):
        assert street in names, street
    kiet = roads[roads["name"] == "Kiệt 32 Lê Văn Hưu"]
    assert len(kiet) >= 1
    first = kiet.iloc[0]
    assert (first["road_class"], first["alley_number"], first["name_ascii"]) == (
        "alley",
        32,
        "Kiet 32 Le Van Huu",
    )
    parent = roads.set_index("road_id").loc[first["parent_road_id"]]
    assert parent["name"] == "Lê Văn Hưu"
    assert parent["house_from"] <= 32 <= parent["house_to"]
    assert parent.geometry.coords[-1] == first.geometry.coords[0]  # shared junction vertex
    alleys = roads[roads["road_class"] == "alley"]
    assert len(alleys) > 500 and alleys["parent_road_id"].notna().all()
    assert alleys["alley_number"].notna().all()


def test_bridges_cross_the_huong(demo_city: City) -> None:
    bridges = demo_city.roads[demo_city.roads["bridge"]]
    for name in ("Cầu Trường Tiền", "Cầu Phú Xuân", "Cầu Dã Viên", "Cầu Bạch Hổ"):
        bridge = bridges[bridges["name"] == name]
        assert len(bridge) == 1, name
        mid = bridge.geometry.iloc[0].interpolate(0.5, normalized=True)
        assert demo_city.landuse.values[cell(demo_city, mid.x, mid.y)] == LANDUSE["water"]
    assert not demo_city.roads.loc[~demo_city.roads["bridge"], "name"].str.startswith("Cầu ").any()


def test_lights(demo_city: City) -> None:
    lights = demo_city.lights
    assert len(lights) > 3000
    assert set(lights["status"]) == {"working", "broken", "off"}
    assert 0.01 < (lights["status"] == "broken").mean() < 0.06
    assert lights["road_id"].isin(demo_city.roads["road_id"]).all()
    assert lights.groupby("circuit_id").size().max() <= 25


def test_dams_published_parameters_and_entry_cells(demo_city: City) -> None:
    dams = demo_city.dams.set_index("name")
    assert list(dams.index) == ["Tả Trạch", "Bình Điền", "Hương Điền"]
    assert dams["normal_level_m"].tolist() == [45.0, 85.0, 58.0]
    assert dams.loc["Hương Điền", "spillway_crest_m"] == 42.75
    assert dams["river"].tolist() == ["Tả Trạch", "Hữu Trạch", "Bồ"]
    xmin, ymin, xmax, ymax = demo_city.extent
    for name, row in dams.iterrows():
        levels = json.loads(row["storage_levels_m"])
        volumes = json.loads(row["storage_volumes_m3"])
        published = {"Tả Trạch": 646e6, "Bình Điền": 420e6, "Hương Điền": 820.66e6}[str(name)]
        assert np.interp(row["normal_level_m"], levels, volumes) == pytest.approx(
            published, rel=0.01
        )
        assert xmin < row["entry_x"] < xmax and ymin < row["entry_y"] < ymax
        assert (
            demo_city.landuse.values[cell(demo_city, row["entry_x"], row["entry_y"])]
            == LANDUSE["water"]
        )
        assert not (xmin < row.geometry.x < xmax and ymin < row.geometry.y < ymax)  # upstream


def test_water_from_each_dam_entry_drains_to_the_sea(demo_city: City) -> None:
    z = demo_city.dem.values
    sea = z < -5.0
    for row in demo_city.dams.itertuples():
        r, c = cell(demo_city, row.entry_x, row.entry_y)
        # Cells water can reach from the entry without climbing above the entry's bed,
        # moving across cell faces as the flood model does.
        reachable, _ = ndimage.label(z <= z[r, c])
        assert (reachable[sea] == reachable[r, c]).any(), row.name


def test_gauges(demo_city: City) -> None:
    gauges = demo_city.gauges.set_index("gauge_id")
    assert gauges.loc["kim-long", ["alarm1_m", "alarm2_m", "alarm3_m"]].tolist() == [1.0, 2.0, 3.5]
    phu_oc = gauges.loc["phu-oc", ["alarm1_m", "alarm2_m", "alarm3_m"]].tolist()
    assert np.isnan(phu_oc[0]) and phu_oc[1:] == [3.0, 4.5]
    assert gauges.loc["kim-long", "river"] == "Hương" and gauges.loc["phu-oc", "river"] == "Bồ"
    for gauge_id in ("kim-long", "phu-oc"):
        p = gauges.loc[gauge_id].geometry
        assert demo_city.landuse.values[cell(demo_city, p.x, p.y)] == LANDUSE["water"]
    rain = gauges[gauges["kind"] == "rain"]
    assert len(rain) >= 3 and all(i.startswith("rain-") for i in rain.index)


def test_stations_shelters_households(demo_city: City) -> None:
    stations = demo_city.stations
    assert (stations["vehicle"] == "boat").sum() >= 3 and (
        stations["vehicle"] == "truck"
    ).sum() >= 3
    ends = {g.coords[k] for g in demo_city.roads.geometry for k in (0, -1)}
    assert all(p.coords[0] in ends for p in stations.geometry)  # teams start on the network
    assert (demo_city.shelters["capacity_persons"] > 0).all() and len(demo_city.shelters) >= 15
    households = demo_city.households
    assert len(households) == 400
    tokens = {t for v in households["vulnerable"] for t in v.split(",")}
    assert tokens <= {"elderly", "children", "disabled", "pregnant", "ill"}
    assert households["ward_id"].isin(demo_city.wards["ward_id"]).all()


def test_meta_says_synthetic(demo_city: City) -> None:
    assert demo_city.meta["synthetic"] is True
    assert "synthetic" in demo_city.meta["geometry_note"]
    assert demo_city.meta["crs"] == "EPSG:32648"
    assert demo_city.manning.values[
        demo_city.landuse.values == LANDUSE["water"]
    ].max() == pytest.approx(0.03)


def test_ensure_demo_city_uses_a_current_build(
    demo_builds: tuple[Path, Path, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    built = demo_builds[1]
    monkeypatch.setenv("TWIN_DEMO_CITY", str(built))
    before = os.stat(built / "city.gpkg").st_mtime_ns
    assert layers.demo_city_path() == built
    assert layers.ensure_demo_city() == built
    assert os.stat(built / "city.gpkg").st_mtime_ns == before  # not rebuilt
    assert _is_current(built)
    assert not _is_current(built.parent / "nowhere")
