"""Impact numbers on a tiny synthetic city, computed by hand."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from shapely.geometry import LineString, Point, box

from twin import TwinError
from twin.impact import (
    circuits_to_switch_off,
    cut_off_wards,
    dam_summary,
    gauge_levels,
    gauge_summary,
    light_impact,
    people_per_cell,
    people_weights,
    road_impact,
    ward_impact,
)

CRS = "EPSG:32648"
X = np.arange(5.0, 60.0, 10.0)  # 6 columns, 10 m cells
Y = np.array([35.0, 25.0, 15.0, 5.0])  # 4 rows, north first
TIMES = np.array([0.0, 600.0, 1200.0])
COLUMN_MAX_DEPTH = [2.5, 0.7, 0.05, 0.0, 0.0, 0.0]


def flood_result() -> xr.Dataset:
    """Depth grows linearly to its column's maximum; only column 0 flows (1 m/s at the end)."""
    max_depth = np.tile(np.array(COLUMN_MAX_DEPTH), (Y.size, 1))
    depth = np.stack([max_depth * f for f in (0.0, 0.5, 1.0)])
    speed = np.zeros_like(depth)
    speed[2][:, 0] = 1.0
    arrival = np.full(max_depth.shape, np.nan)
    arrival[:, 0] = 300.0
    arrival[:, 1] = 900.0
    bed = 1.0
    dims = ("time", "y", "x")
    return xr.Dataset(
        {
            "depth": (dims, depth),
            "wse": (dims, depth + bed),
            "speed": (dims, speed),
            "max_depth": (("y", "x"), max_depth),
            "max_speed": (("y", "x"), speed.max(axis=0)),
            "arrival_time": (("y", "x"), arrival),
        },
        coords={"time": TIMES, "y": Y, "x": X},
    )


@pytest.fixture
def wards() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"ward_id": ["W1", "W2"], "name": ["Phú Xuân", "Vỹ Dạ"], "population": [1200, 600]},
        geometry=[box(0, 0, 30, 40), box(30, 0, 60, 40)],
        crs=CRS,
    )


def test_people_spread_uniformly_over_built_up_cells(wards: gpd.GeoDataFrame) -> None:
    built = np.zeros((4, 6), dtype=bool)
    built[:2, :3] = True  # W1: 6 built-up cells; W2: none, so all its 12 cells
    people, ward_row = people_per_cell(wards, flood_result(), built_up=built)
    assert people.sum() == pytest.approx(1800.0)
    assert people[0, 0] == pytest.approx(200.0)
    assert people[3, 0] == 0.0
    assert people[3, 5] == pytest.approx(50.0)
    assert (ward_row[:, :3] == 0).all() and (ward_row[:, 3:] == 1).all()


def _coastal_city(
    *, landuse: bool = True, urban: bool = False, population: np.ndarray | None = None
) -> SimpleNamespace:
    """W1: land in columns 0-2; W2 (a Thuận An): sea in columns 3-4, sand in column 5."""
    from layers.grids import LANDUSE, LANDUSE_ATTRS

    grid = flood_result()
    codes = np.full((4, 6), LANDUSE["cropland"], dtype="int8")
    codes[:, 3:5] = LANDUSE["water"]
    codes[:, 5] = LANDUSE["sand"]
    if urban:
        codes[0, 0] = LANDUSE["urban"]
    dem = np.where(codes == LANDUSE["water"], -2.0, 1.5)

    def on_grid(values: np.ndarray) -> xr.DataArray:
        return xr.DataArray(values, dims=("y", "x"), coords={"y": grid.y, "x": grid.x})

    return SimpleNamespace(
        wards=gpd.GeoDataFrame(
            {"ward_id": ["W1", "W2"], "name": ["Kim Long", "Thuận An"], "population": [600, 900]},
            geometry=[box(0, 0, 30, 40), box(30, 0, 60, 40)],
            crs=CRS,
        ),
        landuse=on_grid(codes).assign_attrs(LANDUSE_ATTRS) if landuse else None,
        dem=on_grid(dem),
        population=None if population is None else on_grid(population),
    )


def _sea_only_result() -> xr.Dataset:
    """A run without rain: 2 m of still water in the sea columns 3-4 from the start, else dry."""
    ds = flood_result()
    depth = np.zeros_like(ds["depth"].values)
    depth[:, :, 3:5] = 2.0
    arrival = np.full((4, 6), np.nan)
    arrival[:, 3:5] = 0.0
    return ds.assign(
        depth=(("time", "y", "x"), depth),
        speed=(("time", "y", "x"), np.zeros_like(depth)),
        max_depth=(("y", "x"), depth.max(axis=0)),
        arrival_time=(("y", "x"), arrival),
    )


@pytest.mark.parametrize("landuse", [True, False])
def test_nobody_is_placed_in_the_sea(landuse: bool) -> None:
    city = _coastal_city(landuse=landuse)
    weights = people_weights(city, flood_result())
    assert (weights[:, 3:5] == 0).all()
    people, _ = people_per_cell(city.wards, flood_result(), built_up=weights)
    assert people.sum() == pytest.approx(1500.0)
    assert people[:, 5].sum() == pytest.approx(900.0)  # all of W2 on its land column


def test_a_coarse_cell_mostly_under_water_gets_nobody() -> None:
    # A 20 m flood grid over the 10 m city: the shore cell (sea and sand, half each) lies
    # under the sea's level although its sand part is land, so nobody lives there.
    coarse = xr.Dataset(coords={"x": [10.0, 30.0, 50.0], "y": [30.0, 10.0]})
    weights = people_weights(_coastal_city(), coarse)
    assert (weights[:, 2] == 0).all()
    assert (weights[:, 0] == 4).all()  # four land cells of 10 m in each 20 m cell


def test_a_run_without_rain_puts_nobody_in_danger() -> None:
    city = _coastal_city()
    result = _sea_only_result()
    table = ward_impact(result, city.wards, built_up=people_weights(city, result))
    danger = [c for c in table.columns if c.startswith("people_")]
    assert (table[danger].to_numpy() == 0).all(), table[danger]
    # Spread over every cell as before, W2's people were half in the sea.
    before = ward_impact(result, city.wards)
    assert before.loc[1, "people_depth_gt_1m"] == 600


def test_built_up_land_then_the_population_raster_decide() -> None:
    weights = people_weights(_coastal_city(urban=True), flood_result())
    assert weights[0, 0] == 1.0 and weights[1:, :3].sum() == 0  # W1: its one built-up cell
    assert weights[:, 5].tolist() == [1.0] * 4  # W2: no built-up cell, its land
    raster = np.zeros((4, 6))
    raster[2, 1], raster[3, 1], raster[0, 3] = 30.0, 10.0, 99.0  # 99 in the sea: ignored
    weights = people_weights(_coastal_city(population=raster), flood_result())
    people, _ = people_per_cell(_coastal_city().wards, flood_result(), built_up=weights)
    assert people[2, 1] == pytest.approx(450.0) and people[3, 1] == pytest.approx(150.0)
    assert people[:, 3:5].sum() == 0 and people[:, 5].sum() == pytest.approx(900.0)


def test_ward_smaller_than_a_cell_keeps_its_people(wards: gpd.GeoDataFrame) -> None:
    tiny = gpd.GeoDataFrame(
        {"ward_id": ["T"], "population": [7]}, geometry=[box(41, 21, 43, 23)], crs=CRS
    )
    people, _ = people_per_cell(tiny, flood_result())
    assert people.sum() == pytest.approx(7.0)
    assert people[1, 4] == pytest.approx(7.0)


def test_ward_impact_numbers_by_hand(wards: gpd.GeoDataFrame) -> None:
    built = np.zeros((4, 6), dtype=bool)
    built[:2, :3] = True
    start = pd.Timestamp("2020-10-06T00:00:00+07:00")
    out = ward_impact(flood_result(), wards, built_up=built, start=start)
    w1, w2 = out.iloc[0], out.iloc[1]
    # W1 built-up cells: 2 in column 0 (2.5 m), 2 in column 1 (0.7 m), 2 in column 2 (0.05 m)
    assert w1["people_depth_gt_0_1m"] == 800
    assert w1["people_depth_gt_0_5m"] == 800
    assert w1["people_depth_gt_1m"] == 400
    assert w1["people_depth_gt_2m"] == 400
    # column 0 at the end: HR = 2.5*(1+0.5)+1 = 4.75 (all); column 1: 0.7*0.5+1 = 1.35 (most)
    assert (w1["people_hazard_all"], w1["people_hazard_most"], w1["people_hazard_some"]) == (
        400,
        400,
        0,
    )
    assert w1["hazard_class_max"] == 3
    assert w1["flooded_area_km2"] == pytest.approx(8 * 100 / 1e6)
    assert w1["max_depth_m"] == pytest.approx(2.5)
    assert w1["arrival_s"] == 300.0
    assert w1["arrival_time"] == "2020-10-05T17:05:00+00:00"
    assert w2["people_depth_gt_0_1m"] == 0 and w2["flooded_area_km2"] == 0.0
    assert np.isnan(w2["arrival_s"]) and pd.isna(w2["arrival_time"])
    assert out.crs == wards.crs and out.geometry.iloc[0].equals(wards.geometry.iloc[0])


def test_ward_impact_without_population_is_an_error(wards: gpd.GeoDataFrame) -> None:
    with pytest.raises(TwinError, match="population"):
        ward_impact(flood_result(), wards.drop(columns="population"))


@pytest.fixture
def roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "road_id": ["R1", "R2", "B1"],
            "ward_id": ["W1", "W2", "W1"],
            "bridge": [False, False, True],
        },
        geometry=[
            LineString([(0, 35), (60, 35)]),
            LineString([(31, 5), (60, 5)]),
            LineString([(25, 15), (25.5, 15), (-1, 15)]),  # bridge: its west end is off-grid
        ],
        crs=CRS,
    )


def test_road_depth_and_closing_times(roads: gpd.GeoDataFrame) -> None:
    out = road_impact(flood_result(), roads)
    r1, r2 = out.iloc[0], out.iloc[1]
    assert r1["max_depth_m"] == pytest.approx(2.5)
    assert r1["impassable_car_s"] == 600.0  # 1.25 m at t = 600 s
    assert r1["impassable_truck_s"] == 600.0
    assert np.isnan(r1["boat_from_s"])  # the dry end of the street never carries a boat
    assert bool(r1["cut_car"]) and bool(r1["cut_truck"])
    assert r2["max_depth_m"] == 0.0 and not r2["cut_car"]


def test_bridge_samples_only_its_ends() -> None:
    river = flood_result()
    line = LineString([(25, 15), (-1 + 6, 15)])  # from column 2 (0.05 m) to column 0 (2.5 m)
    street = gpd.GeoDataFrame({"road_id": ["S"], "bridge": [False]}, geometry=[line], crs=CRS)
    bridge = street.assign(bridge=[True])
    assert road_impact(river, street)["max_depth_m"].iloc[0] == pytest.approx(2.5)
    line2 = LineString([(25, 15), (25, 25)])
    dry_ends = gpd.GeoDataFrame({"road_id": ["B"], "bridge": [True]}, geometry=[line2], crs=CRS)
    assert road_impact(river, dry_ends)["max_depth_m"].iloc[0] == pytest.approx(0.05)
    assert road_impact(river, bridge)["max_depth_m"].iloc[0] == pytest.approx(2.5)


def test_boat_needs_half_a_metre_along_the_whole_segment() -> None:
    line = LineString([(5, 35), (5, 5)])  # down column 0: 1.25 m at 600 s
    roads = gpd.GeoDataFrame({"road_id": ["C"]}, geometry=[line], crs=CRS)
    assert road_impact(flood_result(), roads)["boat_from_s"].iloc[0] == 600.0


def test_ward_cut_off_when_every_road_is_cut_or_leads_nowhere() -> None:
    # A(0,0) - B(100,0) - C(200,0) - D(300,0) - E(400,0); station at A; C-D under water
    xs = [0, 100, 200, 300, 400]
    lines = [LineString([(xs[i], 0), (xs[i + 1], 0)]) for i in range(4)]
    impact = gpd.GeoDataFrame(
        {
            "road_id": ["AB", "BC", "CD", "DE"],
            "ward_id": ["W1", "W1", "W2", "W2"],
            "cut_car": [False, False, True, False],
            "cut_truck": [False, False, False, False],
        },
        geometry=lines,
        crs=CRS,
    )
    station = gpd.GeoSeries([Point(2, 3)], crs=CRS)
    cut_off, reachable = cut_off_wards(impact, station, vehicle="car")
    assert cut_off == {"W1": False, "W2": True}
    assert reachable.tolist() == [True, True, False, False]
    cut_off, reachable = cut_off_wards(impact, station, vehicle="truck")
    assert cut_off == {"W1": False, "W2": False}
    with pytest.raises(TwinError, match="vehicle"):
        cut_off_wards(impact, station, vehicle="bicycle")


def test_lights_in_water_circuits_and_broken_lights(roads: gpd.GeoDataFrame) -> None:
    result = flood_result()
    lights = gpd.GeoDataFrame(
        {
            "light_id": ["L1", "L2", "L3"],
            "road_id": ["R1", "R2", "R1"],
            "circuit_id": ["C1", "C2", "C2"],
            "status": ["working", "broken", "broken"],
        },
        geometry=[Point(5, 35), Point(55, 5), Point(45, 35)],
        crs=CRS,
    )
    out = light_impact(result, lights, roads_impact=road_impact(result, roads))
    assert out["in_water"].tolist() == [True, False, False]
    assert out["in_water_from_s"].iloc[0] == 600.0
    assert out["broken_in_flooded_street"].tolist() == [False, False, True]
    circuits = circuits_to_switch_off(out)
    assert circuits["circuit_id"].tolist() == ["C1"]
    assert circuits["switch_off_from_s"].iloc[0] == 600.0


def test_gauge_levels_and_alarm_times() -> None:
    gauges = gpd.GeoDataFrame(
        {
            "gauge_id": ["KL", "RAIN1"],
            "name": ["Kim Long", "rain"],
            "kind": ["river", "rain"],
            "alarm1_m": [1.0, np.nan],
            "alarm2_m": [2.0, np.nan],
            "alarm3_m": [3.5, np.nan],
        },
        geometry=[Point(15, 35), Point(15, 35)],
        crs=CRS,
    )
    levels = gauge_levels(flood_result(), gauges)
    # wettest cell near the gauge: column 0 (bed 1 m, depth 0 / 1.25 / 2.5 m)
    assert levels["gauge_id"].unique().tolist() == ["KL"]
    assert np.isnan(levels["level_m"].iloc[0])
    assert levels["level_m"].iloc[1:].tolist() == [2.25, 3.5]
    assert levels["alarm_reached"].tolist() == [0, 2, 3]
    s = gauge_summary(levels).iloc[0]
    assert (s["peak_level_m"], s["peak_s"]) == (3.5, 1200.0)
    assert (s["passed_bd1_s"], s["passed_bd2_s"], s["passed_bd3_s"]) == (600.0, 600.0, 1200.0)


def test_gauge_datum_column_shifts_the_level() -> None:
    gauges = gpd.GeoDataFrame(
        {
            "gauge_id": ["PO"],
            "name": ["Phú Ốc"],
            "kind": ["river"],
            "datum_m": [0.5],
            "alarm1_m": [np.nan],
            "alarm2_m": [3.0],
            "alarm3_m": [4.5],
        },
        geometry=[Point(5, 5)],
        crs=CRS,
    )
    levels = gauge_levels(flood_result(), gauges)
    assert levels["level_m"].iloc[-1] == pytest.approx(3.0)
    assert gauge_summary(levels)["passed_bd2_s"].iloc[0] == 1200.0


def test_dam_summary_level_against_normal() -> None:
    dams = gpd.GeoDataFrame(
        {"dam_id": ["BD", "HD"], "name": ["Bình Điền", "Hương Điền"], "normal_level_m": [85, 58]}
    )
    ops = {
        "BD": pd.DataFrame({"elapsed_s": [0.0, 7200.0], "release_m3s": [950.0, 1800.0]}),
        "HD": pd.DataFrame(
            {"elapsed_s": [0.0, 3600.0], "release_m3s": [0.0, 100.0], "level_m": [57.0, 58.4]}
        ),
    }
    out = dam_summary(dams, ops).set_index("dam_id")
    assert np.isnan(out.loc["BD", "above_normal_m"])
    assert out.loc["BD", "release_volume_m3"] == pytest.approx((950 + 1800) / 2 * 7200)
    assert out.loc["HD", "above_normal_m"] == pytest.approx(0.4)
    assert out.loc["HD", "peak_release_m3s"] == 100.0
