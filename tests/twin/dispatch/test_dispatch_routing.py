"""Flood-aware routes: trucks and cars stopped by depth, boats over water, the mixed trip."""

from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from twin.dispatch import TRANSFER_S, FloodState, Route, TeamStart
from twin.vehicles import BOAT_MIN_DEPTH_M, CAR_MAX_DEPTH_M, TRUCK_MAX_DEPTH_M

LIMIT = {"truck": TRUCK_MAX_DEPTH_M, "trailer": TRUCK_MAX_DEPTH_M, "car": CAR_MAX_DEPTH_M}


def teams(city: Any) -> list[TeamStart]:
    return [
        TeamStart(r.team_id, r.vehicle, r.geometry.x, r.geometry.y)
        for r in city.stations.itertuples()
    ]


def test_dry_route_matches_networkx(city: Any, network: Any, at: Any) -> None:
    res = network.routes_to(*at(500, 400), teams(city))
    r = res["T1"]
    assert isinstance(r, Route)
    # (0,0) -> (500,400) on a 200 m grid: 900 m at 30 km/h
    assert r.length_m == pytest.approx(900.0)
    assert r.eta_s == pytest.approx(900 / (30 / 3.6))
    assert r.coords[0] == pytest.approx(at(0, 0)) and r.coords[-1] == pytest.approx(at(500, 400))
    # the same travel time from networkx on the same edges
    g = nx.Graph()
    for u, v, length, kmh in zip(
        network.u, network.v, network.length_m, network.free_kmh, strict=True
    ):
        g.add_edge(int(u), int(v), t=length / (kmh / 3.6))
    src = int(np.argmin(np.hypot(*(network.node_xy - at(0, 0)).T)))
    ends = [int(np.argmin(np.hypot(*(network.node_xy - at(x, 400)).T))) for x in (400, 600)]
    t = nx.single_source_dijkstra_path_length(g, src, weight="t")
    best = min(t[ends[0]] + 100 / (30 / 3.6), t[ends[1]] + 100 / (30 / 3.6))
    assert r.eta_s == pytest.approx(best)
    geo = r.to_geojson()
    assert geo["geometry"]["type"] == "LineString"
    lon, lat = geo["geometry"]["coordinates"][0]
    assert 100 < lon < 110 and 10 < lat < 20  # lon first (RFC 7946)


def test_canal_blocks_trucks_from_the_west(
    city: Any, network: Any, flood_factory: Any, at: Any
) -> None:
    canal = flood_factory(lambda x, y, t: np.where(np.abs(x - 400) < 25, 1.0, 0.0) + 0 * t)
    fs = FloodState(canal, now=0.0)
    res = network.routes_to(*at(700, 400), teams(city), flood=fs)
    assert res["T1"] == "truck T1: blocked by water deeper than 0.4 m on every route"
    assert isinstance(res["T2"], Route)  # the east truck does not cross it
    assert isinstance(res["A1"], Route)


def test_car_stops_before_truck(city: Any, network: Any, flood_factory: Any, at: Any) -> None:
    shallow = flood_factory(lambda x, y, t: np.full_like(x, 0.35))
    fs = FloodState(shallow, now=0.0)
    res = network.routes_to(*at(500, 400), teams(city), flood=fs)
    assert isinstance(res["T1"], Route) and isinstance(res["T2"], Route)
    assert "ambulances stop at 0.3 m" in str(res["A1"])
    # slowed: Pregnolato at 0.35 * 0.3/0.4 m -> well under the 30 km/h free speed
    assert res["T1"].eta_s > 900 / (30 / 3.6) * 2


def test_boat_only_with_mixed_truck_then_boat(
    city: Any, network: Any, rising_east: Any, at: Any
) -> None:
    fs = FloodState(rising_east, now=7200.0)  # 0.8 m east of x=420, rising; west dry
    res = network.routes_to(*at(500, 400), teams(city), flood=fs)
    for tid in ("T1", "T2", "A1"):
        assert "the caller's road is" in str(res[tid])
    b1 = res["B1"]  # the boat at (0, 800) is towed to the water, launched, then sails
    assert isinstance(b1, Route)
    modes = [leg.mode for leg in b1.legs]
    assert modes == ["trailer", "transfer", "boat"]
    assert b1.legs[1].time_s == TRANSFER_S
    assert b1.transfer_xy is not None and b1.transfer_xy[0] - at(0, 0)[0] <= 420
    assert b1.eta_s == pytest.approx(sum(leg.time_s for leg in b1.legs))
    b2 = res["B2"]  # the spare boat sits in the water already
    assert isinstance(b2, Route) and [leg.mode for leg in b2.legs] == ["boat"]


def test_boat_cannot_float_in_shallow_water(
    city: Any, network: Any, rising_east: Any, at: Any
) -> None:
    fs = FloodState(rising_east, now=3600.0)  # 0.4 m: too deep for trucks, too shallow for boats
    res = network.routes_to(*at(500, 400), teams(city), flood=fs)
    assert all(isinstance(v, str) for v in res.values())
    assert "no water of 0.5 m" in str(res["B1"])


def test_horizon_sees_the_water_coming(
    city: Any, network: Any, flood_factory: Any, at: Any
) -> None:
    later = flood_factory(
        lambda x, y, t: np.where(np.abs(x - 400) < 25, 1.0, 0.0) * (t >= 5 * 3600)
    )
    fs = FloodState(later, now=0.0)
    t1 = TeamStart("T1", "truck", *at(0, 0))
    assert isinstance(network.routes_to(*at(700, 400), [t1], flood=fs)["T1"], Route)
    blocked = network.routes_to(*at(700, 400), [t1], flood=fs, horizon_s=None)["T1"]
    assert "blocked by water" in str(blocked)


@given(
    coarse=arrays(np.float64, (5, 5), elements=st.floats(0.0, 1.2)),
    rise=st.floats(-0.3, 0.5),
    cx=st.floats(0, 800),
    cy=st.floats(0, 800),
    now_h=st.integers(0, 2),
)
def test_routes_never_cross_an_impassable_edge(
    city: Any,
    network: Any,
    flood_factory: Any,
    at: Any,
    coarse: Any,
    rise: float,
    cx: float,
    cy: float,
    now_h: int,
) -> None:
    field = np.kron(coarse, np.ones((20, 20)))  # 5x5 blocks of 200 m over the 100x100 grid

    def depth(x: Any, y: Any, t: float) -> Any:
        return field + rise * t / 3600.0 + 0 * x

    fs = FloodState(flood_factory(depth, hours=4), now=now_h * 3600.0)
    ef = network.edge_flood(fs)
    row = {rid: i for i, rid in enumerate(network.road_ids)}
    res = network.routes_to(*at(cx, cy), teams(city), flood=fs)
    for route in res.values():
        if isinstance(route, str):
            continue
        assert np.isfinite(route.eta_s) and route.eta_s >= 0
        assert route.coords[-1] == pytest.approx(at(cx, cy))
        for rid, mode in zip(route.road_ids, route.road_modes, strict=True):
            i = row[rid]
            if mode == "boat":
                assert ef.depth_min_m[i] >= BOAT_MIN_DEPTH_M
            else:
                assert ef.depth_max_m[i] < LIMIT[mode]


def test_multilinestring_roads_become_one_edge_per_part() -> None:
    import geopandas as gpd
    from shapely.geometry import LineString, MultiLineString

    from twin.dispatch import RoadNetwork

    roads = gpd.GeoDataFrame(
        {"road_id": ["M"], "free_speed_kmh": [36.0]},
        geometry=[MultiLineString([[(0, 0), (100, 0)], [(100, 0), (100, 50)]])],
        crs="EPSG:32648",
    )
    net = RoadNetwork(roads)
    assert len(net.lines) == 2 and net.n_nodes == 3
    route = net.routes_to(100, 50, [TeamStart("T", "truck", 0, 0)])["T"]
    assert isinstance(route, Route) and route.eta_s == pytest.approx(15.0)  # 150 m at 10 m/s
    assert route.geometry().equals(LineString([(0, 0), (100, 0), (100, 50)]))
