"""Roads and street lights of the demo city.

The old city gets a street grid turned to the river (as Huế's streets run along and across
the Hương), clipped back from the water; roads along both banks; bridges over the Hương
where Bạch Hổ, Dã Viên, Phú Xuân and Trường Tiền are; numbered alleys (kiệt) opening from
the streets at house numbers; and arterials between the ward centres, bridged wherever
they cross water. Everything is split at its junctions (:func:`layers.node_lines`) so the
network is one connected graph.

House numbers run along each named road from its start: number ``1 + round(s / 4 m)`` at
``s`` metres (about 8 m of frontage per house on each side). An alley numbered ``N``
opens at ``s = 4 (N - 1)``: "Kiệt 32 Lê Văn Hưu" opens from Lê Văn Hưu 124 m from its
start, on the left for even numbers and on the right for odd ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely import LineString, STRtree
from shapely.ops import substring

from layers._demo_facts import (
    ALLEY_ON,
    ARTERIALS,
    BANK_ROAD_NAMES,
    CORE_BRIDGES,
    STREET_NAMES,
    WARDS,
)
from layers._demo_terrain import CRS_EPSG, SEED, Terrain, to_utm
from layers._text import to_ascii
from layers.grids import LANDUSE
from layers.network import node_lines, road_graph

__all__ = ["build_lights", "build_roads"]

_M_PER_NUMBER = 4.0
_BANK_GAP_M = 60.0  # from the channel edge to the bank road
_SPEED_KMH = {"arterial": 50.0, "street": 30.0, "alley": 15.0}
_LIGHT_SPACING_M = {"arterial": 40.0, "street": 35.0, "alley": 30.0}
_CORE_U = (-3600.0, 3300.0)
_CORE_V = (-3500.0, 2900.0)


@dataclass
class _Line:
    name: str
    road_class: str
    coords: np.ndarray
    bridge: bool = False
    numbered: bool = True
    parent: int | None = None  # index of the line an alley opens from
    alley_number: int | None = None


def _house_number(s_m: float) -> int:
    return 1 + round(s_m / _M_PER_NUMBER)


class _Frame:
    """Local frame of the old city: u along the Hương at Trường Tiền, v to its left."""

    def __init__(self, terrain: Terrain) -> None:
        huong = terrain.rivers["Hương"]
        self.river = huong
        self.i0 = huong.nearest(*to_utm(107.5560, 16.4575))  # Kim Long
        self.i1 = huong.nearest(*to_utm(107.6030, 16.4860))  # Bao Vinh
        s0, s1 = huong.s_m[self.i0], huong.s_m[self.i1]
        self.s_range = (float(s0), float(s1))
        self.origin = np.array(huong.point_at(s0 + 0.62 * (s1 - s0)))  # Trường Tiền
        u = self.origin - huong.xy[self.i0]
        self.u = u / np.linalg.norm(u)
        self.v = np.array([-self.u[1], self.u[0]])

    def world(self, u: float, v: float) -> np.ndarray:
        return self.origin + u * self.u + v * self.v

    def stretch_fraction(self, xy: np.ndarray) -> np.ndarray:
        """Fraction along the city stretch of the river of the centreline point nearest xy."""
        d = np.hypot(
            self.river.xy[:, 0][None, :] - xy[:, 0:1], self.river.xy[:, 1][None, :] - xy[:, 1:2]
        )
        s = self.river.s_m[np.argmin(d, axis=1)]
        return (s - self.s_range[0]) / (self.s_range[1] - self.s_range[0])

    def point_normal(self, fraction: float) -> tuple[np.ndarray, np.ndarray]:
        s = self.s_range[0] + fraction * (self.s_range[1] - self.s_range[0])
        i = int(np.searchsorted(self.river.s_m, s))
        t = self.river.xy[i + 5] - self.river.xy[i - 5]
        t = t / np.linalg.norm(t)
        return self.river.xy[i], np.array([-t[1], t[0]])


def _parts(geom: shapely.Geometry, min_m: float) -> list[np.ndarray]:
    return [
        np.asarray(p.coords)
        for p in shapely.get_parts(
            shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        )
        if p.geom_type == "LineString" and p.length >= min_m
    ]


def _core_lines(
    terrain: Terrain, frame: _Frame
) -> tuple[list[_Line], shapely.Polygon, shapely.Geometry]:
    (u0, u1), (v0, v1) = _CORE_U, _CORE_V
    core = shapely.Polygon([frame.world(u, v) for u, v in ((u0, v0), (u1, v0), (u1, v1), (u0, v1))])
    huong = terrain.rivers["Hương"]
    bank_m = huong.half_width_m + _BANK_GAP_M
    keep_out = shapely.union_all(
        [
            shapely.buffer(huong.line, bank_m),
            *(
                shapely.buffer(r.line, r.half_width_m + 30.0)
                for n, r in terrain.rivers.items()
                if n != "Hương"
            ),
            shapely.buffer(terrain.water, 30.0),
        ]
    )
    land = core.difference(keep_out)
    lines: list[_Line] = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        offset = shapely.offset_curve(huong.line, sign * bank_m, quad_segs=4)
        for coords in _parts(shapely.intersection(offset, core), 200.0):
            fraction = frame.stretch_fraction(coords)
            names = BANK_ROAD_NAMES[side]
            which = np.searchsorted(
                [f for _, f in names], np.clip(fraction, 0, 0.999), side="right"
            )
            which = np.minimum(which, len(names) - 1)
            cuts = np.flatnonzero(np.diff(which)) + 1
            for run in np.split(np.arange(len(coords)), cuts):
                if len(run) >= 2:
                    run = np.r_[run, run[-1] + 1] if run[-1] + 1 < len(coords) else run
                    lines.append(_Line(names[which[run[0]]][0], "street", coords[run]))
    # Grid lines, cut every few blocks at a junction so that a street is 1-1.5 km long
    # and takes its own name, as streets do.
    grid: list[np.ndarray] = []
    across = np.arange(u0 + 150.0, u1, 350.0)
    along = np.arange(v0 + 140.0, v1, 320.0)
    for u in across:
        stops = [v0, *along[4::4], v1]
        for a, b in pairwise(stops):
            street = LineString([frame.world(u, a), frame.world(u, b)])
            grid += _parts(shapely.intersection(street, land), 150.0)
    for v in along:
        stops = [u0, *across[4::4], u1]
        for a, b in pairwise(stops):
            street = LineString([frame.world(a, v), frame.world(b, v)])
            grid += _parts(shapely.intersection(street, land), 150.0)
    centre = frame.world(0.0, -700.0)
    order = sorted(
        range(len(grid)), key=lambda k: (float(np.hypot(*(grid[k].mean(axis=0) - centre))), k)
    )
    for rank, k in enumerate(order):
        # Past the real names, the usual name of a new street in Vietnam: "planned road N".
        name = (
            STREET_NAMES[rank]
            if rank < len(STREET_NAMES)
            else f"Đường quy hoạch số {rank - len(STREET_NAMES) + 1}"
        )
        lines.append(_Line(name, "street", grid[k]))
    for name, where in CORE_BRIDGES:
        p, n = frame.point_normal(where)
        lines.append(
            _Line(
                name,
                "arterial",
                np.array([p - n * bank_m, p + n * bank_m]),
                bridge=True,
                numbered=False,
            )
        )
    return lines, core, keep_out


def _arterials(terrain: Terrain) -> list[_Line]:
    centres = {name: to_utm(lon, lat) for _k, name, _a, _p, lon, lat in WARDS}
    water = shapely.buffer(terrain.water, 20.0)
    lagoon_or_sea = shapely.difference(
        water,
        shapely.union_all(
            [shapely.buffer(r.line, r.half_width_m + 20.0) for r in terrain.rivers.values()]
        ),
    )
    lines: list[_Line] = []
    for name, waypoints, bridge_names in ARTERIALS:
        xy = np.array([centres[w] if isinstance(w, str) else to_utm(*w) for w in waypoints])
        line = LineString(xy)
        dry = shapely.difference(line, water)
        wet = shapely.intersection(line, water)
        for coords in _parts(dry, 1.0):
            lines.append(_Line(name, "arterial", coords))
        for coords in _parts(wet, 1.0):
            mid = shapely.Point(coords.mean(axis=0))
            if lagoon_or_sea.contains(mid):
                crossed = "lagoon"
            else:
                crossed = min(terrain.rivers, key=lambda r: terrain.rivers[r].line.distance(mid))
            bridge = bridge_names.get(crossed, f"Cầu {name}")
            lines.append(_Line(bridge, "arterial", coords, bridge=True, numbered=False))
    return lines


def _alleys(
    lines: list[_Line], keep_out: shapely.Geometry, core: shapely.Polygon, rng: np.random.Generator
) -> list[_Line]:
    geoms = [LineString(line.coords) for line in lines]
    tree = STRtree(geoms)
    forbidden = shapely.union_all([keep_out, shapely.difference(shapely.buffer(core, 500.0), core)])
    alleys: list[_Line] = []
    for i, line in enumerate(lines):
        if line.road_class != "street":
            continue
        geom = geoms[i]
        others = [j for j in tree.query(geom, predicate="intersects") if j != i]
        junctions = [
            geom.project(p)
            for j in others
            for p in shapely.get_parts(shapely.intersection(geom, geoms[j]))
            if p.geom_type == "Point"
        ]
        numbers = list(ALLEY_ON.get(line.name, ()))
        n = int(rng.integers(5, 20)) * 2
        while (n - 1) * _M_PER_NUMBER < geom.length:
            if n not in numbers and all(abs(n - m) > 10 for m in numbers):
                numbers.append(n)
            n += int(rng.integers(20, 40)) * 2 + int(rng.integers(0, 2))
        for number in sorted(numbers):
            s = (number - 1) * _M_PER_NUMBER
            if s < 20.0 or s > geom.length - 20.0 or any(abs(s - j) < 20.0 for j in junctions):
                continue
            start = np.array(geom.interpolate(s).coords[0])
            ahead = np.array(geom.interpolate(min(s + 5.0, geom.length)).coords[0])
            back = np.array(geom.interpolate(max(s - 5.0, 0.0)).coords[0])
            t = (ahead - back) / np.linalg.norm(ahead - back)
            normal = np.array([-t[1], t[0]]) * (1.0 if number % 2 == 0 else -1.0)
            length = float(rng.uniform(50.0, 110.0))
            coords = [start, start + normal * length]
            if rng.random() < 0.35:  # many kiệt turn once
                coords.append(coords[-1] + t * rng.choice([-1.0, 1.0]) * rng.uniform(25.0, 45.0))
            alley = LineString(coords)
            crossings = [
                alley.project(p)
                for j in tree.query(alley, predicate="intersects")
                if j != i
                for p in shapely.get_parts(shapely.intersection(alley, geoms[j]))
            ]
            if shapely.intersects(alley, forbidden):
                touched = shapely.get_coordinates(shapely.intersection(alley, forbidden))
                crossings += [alley.project(shapely.Point(xy)) for xy in touched]
            stop = min([alley.length, *[c - 10.0 for c in crossings if c > 1.0]])
            if stop < 25.0:
                continue
            cut = substring(alley, 0.0, stop)
            alleys.append(
                _Line(
                    f"Kiệt {number} {line.name}",
                    "alley",
                    np.asarray(cut.coords),
                    numbered=False,
                    parent=i,
                    alley_number=number,
                )
            )
    return alleys


def _ward_at(points: gpd.GeoSeries, wards: gpd.GeoDataFrame) -> list[str]:
    joined = gpd.sjoin_nearest(
        gpd.GeoDataFrame(geometry=points.values, crs=wards.crs),
        wards[["ward_id", "geometry"]],
        how="left",
    )
    first = joined[~joined.index.duplicated()]
    return [str(v) for v in first["ward_id"]]


def build_roads(terrain: Terrain, wards: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The roads layer of the demo city, split at every junction, one connected network.

    Parameters
    ----------
    terrain
        The demo terrain (rivers, water, domain).
    wards
        The wards layer (for ``ward_id``).

    Returns
    -------
    geopandas.GeoDataFrame
        The ``roads`` layer (EPSG:32648).
    """
    rng = np.random.default_rng(SEED + 1)
    frame = _Frame(terrain)
    lines, core, keep_out = _core_lines(terrain, frame)
    lines += _arterials(terrain)
    lines += _alleys(lines, keep_out, core, rng)
    domain_box = terrain.domain.box(inset_m=terrain.domain.cell_m)
    pieces, source = node_lines([LineString(line.coords) for line in lines], snap_m=1.5)
    keys = [f"R{i + 1:04d}" for i in range(len(lines))]
    count: dict[int, int] = {}
    done: dict[int, float] = {}
    ends: dict[tuple[int, tuple[float, float]], str] = {}
    rows = []
    for piece, i in zip(pieces, source, strict=True):
        line = lines[i]
        count[i] = count.get(i, 0) + 1
        road_id = f"{keys[i]}-{count[i]:02d}"
        s0 = done.get(i, 0.0)
        done[i] = s0 + piece.length
        end = (round(piece.coords[-1][0], 2), round(piece.coords[-1][1], 2))
        ends[(i, end)] = road_id
        rows.append(
            {
                "road_id": road_id,
                "name": line.name,
                "name_ascii": to_ascii(line.name),
                "road_class": line.road_class,
                "bridge": line.bridge,
                "house_from": _house_number(s0) if line.numbered else pd.NA,
                "house_to": _house_number(s0 + piece.length) if line.numbered else pd.NA,
                "parent_road_id": None,
                "alley_number": line.alley_number if line.alley_number is not None else pd.NA,
                "free_speed_kmh": _SPEED_KMH[line.road_class],
                "source": i,
                "geometry": piece,
            }
        )
    for row in rows:
        line = lines[row["source"]]
        if line.parent is not None:
            start = (round(float(line.coords[0][0]), 2), round(float(line.coords[0][1]), 2))
            row["parent_road_id"] = ends.get((line.parent, start))
    roads = gpd.GeoDataFrame(rows, geometry="geometry", crs=f"EPSG:{CRS_EPSG}")
    roads = roads[roads.within(domain_box)].reset_index(drop=True)
    graph = road_graph(roads)
    biggest = max(nx.connected_components(graph), key=len)
    keep = [tuple(round(c, 2) for c in g.coords[0]) in biggest for g in roads.geometry]
    roads = roads[np.asarray(keep)].reset_index(drop=True)
    roads["ward_id"] = _ward_at(roads.geometry.interpolate(0.5, normalized=True), wards)
    roads["house_from"] = roads["house_from"].astype("Int64")
    roads["house_to"] = roads["house_to"].astype("Int64")
    roads["alley_number"] = roads["alley_number"].astype("Int64")
    return roads.drop(columns="source")


def build_lights(
    terrain: Terrain, roads: gpd.GeoDataFrame, wards: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Street lights along the roads: lit where built up, and along every street and alley.

    Lights stand every 40 m on arterials, 35 m on streets and 30 m in alleys; 25
    consecutive lights of a road share a circuit; about 3% are broken and 1% off.

    Parameters
    ----------
    terrain
        The demo terrain (land use).
    roads
        The roads layer.
    wards
        The wards layer.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``lights`` layer.
    """
    rng = np.random.default_rng(SEED + 2)
    domain = terrain.domain
    points: list[shapely.Point] = []
    road_ids: list[str] = []
    circuits: list[str] = []
    per_road: dict[str, int] = {}
    for row in roads.itertuples(index=False):
        spacing = _LIGHT_SPACING_M[row.road_class]
        geom = row.geometry
        if geom.length < spacing / 2:
            continue
        key = row.road_id.rsplit("-", 1)[0]
        for s in np.arange(spacing / 2, geom.length, spacing):
            p = geom.interpolate(s)
            r, c = domain.cell_of(p.x, p.y)
            if (
                row.road_class == "arterial"
                and terrain.landuse[r, c] != LANDUSE["urban"]
                and not row.bridge
            ):
                continue  # country arterials are unlit
            k = per_road.get(key, 0)
            per_road[key] = k + 1
            points.append(p)
            road_ids.append(row.road_id)
            circuits.append(f"C-{key}-{k // 25 + 1:02d}")
    draw = rng.random(len(points))
    status = np.where(draw < 0.03, "broken", np.where(draw < 0.04, "off", "working"))
    geometry = gpd.GeoSeries(points, crs=roads.crs)
    return gpd.GeoDataFrame(
        {
            "light_id": [f"L{i + 1:05d}" for i in range(len(points))],
            "road_id": road_ids,
            "ward_id": _ward_at(geometry, wards),
            "circuit_id": circuits,
            "status": status.astype(object),
        },
        geometry=geometry.values,
        crs=roads.crs,
    )
