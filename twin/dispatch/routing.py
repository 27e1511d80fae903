"""Flood-aware routes for rescue teams on the city's road network, with boats over water.

The road graph is built once per city: nodes where road lines share an end point (coordinates
snapped to 0.5 m), one edge per road segment with its length and free speed, and sample points
every :data:`SAMPLE_M` metres along each edge. For a flood state the water on each edge is
read at those samples at *now* and at every output step up to *now* + ``horizon_s`` (by
default :data:`DEFAULT_HORIZON_S`, which holds the trip there and back), and the worse case
is kept: the deepest water for trucks and cars, the shallowest (and the fastest current) for
boats. Speeds then come from :func:`twin.vehicles.road_speed_kmh` (Pregnolato 2017 for cars;
trucks blocked from 0.4 m; boats need 0.5 m and a current under 3 m/s).

Three graphs per flood state, cached, searched with :func:`scipy.sparse.csgraph.dijkstra`:

- ``truck`` and ``car``: the roads at the vehicle's flood-limited speeds;
- ``boat``: two layers. A *trailer* layer (the boat towed by truck, truck limits) and a *water*
  layer: flooded roads deep enough for a boat plus a grid of flooded land cells (coarsened to
  about :data:`BOAT_CELL_M`, 8 neighbours, each cell's shallowest water and fastest current
  over the same window), joined to the road nodes within :data:`LAUNCH_M` of a flooded cell.
  A one-way transfer edge from each trailer node to its water node costs :data:`TRANSFER_S`
  (launching the boat), so a mixed truck-then-boat trip is taken exactly when it is faster.

One search from the caller on the reversed graph gives the travel time of every team at once.
The caller is snapped to the nearest road edge (entering it from either end) and, for boats,
also to the nearest flooded cell within that reach; a caller off the road walks the last stretch at
:data:`WALK_KMH`.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from twin.dispatch.risk import FloodState
from twin.vehicles import (
    BOAT_MAX_CURRENT_MS,
    BOAT_MIN_DEPTH_M,
    BOAT_SPEED_KMH,
    TRUCK_MAX_DEPTH_M,
    road_speed_kmh,
)

__all__ = [
    "BOAT_CELL_M",
    "DEFAULT_HORIZON_S",
    "SAMPLE_M",
    "TRANSFER_S",
    "EdgeFlood",
    "Leg",
    "RoadNetwork",
    "Route",
    "TeamStart",
    "vehicle_mode",
]

SAMPLE_M = 10.0
DEFAULT_HORIZON_S = 2 * 3600.0
BOAT_CELL_M = 40.0
TRANSFER_S = 600.0
WALK_KMH = 4.0
LAUNCH_M = 50.0
ACCESS_KMH = 20.0
_SNAP_M = 0.5
_N_SLOTS = 6  # sink edges per query: 2 road ends in each layer, the caller's cell, spare
_CACHE_SIZE = 12


def vehicle_mode(vehicle: str) -> str:
    """The graph a vehicle travels on: ``"truck"``, ``"car"`` (cars, ambulances) or ``"boat"``.

    Examples
    --------
    >>> vehicle_mode("ambulance")
    'car'
    """
    modes = {"truck": "truck", "car": "car", "ambulance": "car", "boat": "boat"}
    if vehicle not in modes:
        raise ValueError(f"unknown vehicle {vehicle!r}; use truck, ambulance, car or boat")
    return modes[vehicle]


@dataclass(frozen=True)
class TeamStart:
    """Where a team starts: its id, vehicle and position (city CRS, m)."""

    team_id: str
    vehicle: str
    x: float
    y: float


@dataclass(frozen=True)
class Leg:
    """A stretch of a route done in one way: ``mode`` is truck, car, trailer, transfer, boat
    or walk."""

    mode: str
    length_m: float
    time_s: float
    road_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """A team's way to the caller.

    ``coords`` is the polyline in the city CRS; ``road_ids`` the road segments driven or
    sailed in order, with ``road_modes`` the mode on each.
    """

    team_id: str
    vehicle: str
    eta_s: float
    length_m: float
    legs: tuple[Leg, ...]
    coords: tuple[tuple[float, float], ...]
    road_ids: tuple[str, ...]
    road_modes: tuple[str, ...]
    transfer_xy: tuple[float, float] | None = None
    lonlat: tuple[tuple[float, float], ...] = field(default=(), repr=False)

    def geometry(self) -> shapely.LineString:
        """The route as a shapely LineString in the city CRS."""
        coords = self.coords if len(self.coords) > 1 else self.coords * 2
        return shapely.LineString(coords)

    def to_geojson(self, *, lonlat: bool = True) -> dict[str, Any]:
        """A GeoJSON Feature (RFC 7946 lon/lat by default, else city CRS metres)."""
        coords = self.lonlat if lonlat and self.lonlat else self.coords
        if len(coords) == 1:
            coords = coords * 2
        return {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
            "properties": {
                "team_id": self.team_id,
                "vehicle": self.vehicle,
                "eta_s": round(self.eta_s, 1),
                "length_m": round(self.length_m, 1),
                "legs": [
                    {"mode": g.mode, "length_m": round(g.length_m, 1), "time_s": round(g.time_s, 1)}
                    for g in self.legs
                ],
            },
        }


@dataclass(frozen=True)
class EdgeFlood:
    """Water on each road edge over *now* .. *now* + horizon (m, m/s).

    ``depth_max_m`` is the deepest water anywhere on the edge at any of those times (what
    stops trucks); ``depth_min_m`` the shallowest (what strands boats); ``current_max_ms``
    the fastest flow.
    """

    depth_max_m: npt.NDArray[np.float64]
    depth_min_m: npt.NDArray[np.float64]
    current_max_ms: npt.NDArray[np.float64]


@dataclass
class _Graph:
    mode: str
    n_nodes: int  # real nodes, sink excluded
    sink: int
    data: npt.NDArray[np.float64]
    indices: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int32]
    slot0: int  # position in data/indices of the sink row
    # forward directed entries (a -> b): sorted keys a * M + b and their weight / edge / mode
    keys: npt.NDArray[np.int64]
    key_weight: npt.NDArray[np.float64]
    key_edge: npt.NDArray[np.int64]
    key_mode: npt.NDArray[np.int8]
    edge_speed: dict[str, npt.NDArray[np.float64]]  # layer -> speed km/h per edge
    cell_xy: npt.NDArray[np.float64]  # boat cells, (C, 2)
    cell_lookup: Any  # callable (x, y) -> cell node or -1
    matrix: csr_matrix = field(init=False)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        size = self.sink + 1 + _N_SLOTS
        self.matrix = csr_matrix((self.data, self.indices, self.indptr), shape=(size, size))


_MODE_NAMES = ("truck", "car", "trailer", "boat", "transfer", "boat")  # code -> leg mode
_M_TRUCK, _M_CAR, _M_TRAILER, _M_BOAT, _M_TRANSFER, _M_CELL = range(6)


class RoadNetwork:
    """The city's road graph, built once; flood-aware graphs are cached per flood state.

    Parameters
    ----------
    roads
        GeoDataFrame of LineStrings with ``road_id`` and ``free_speed_kmh``.
    crs
        The roads' CRS (for lon/lat output); default ``roads.crs``.
    """

    def __init__(self, roads: Any, *, crs: Any = None) -> None:
        if (roads.geometry.geom_type != "LineString").any():
            roads = roads.explode(index_parts=False)  # one edge per part of a MultiLineString
        lines = np.asarray(roads.geometry.values)
        keep = np.array([g is not None and not g.is_empty for g in lines])
        lines = lines[keep]
        self.road_ids = np.asarray(roads["road_id"].astype(str))[keep]
        self.free_kmh = np.asarray(roads["free_speed_kmh"], dtype=np.float64)[keep]
        self.free_kmh = np.where(
            np.isfinite(self.free_kmh) & (self.free_kmh > 0), self.free_kmh, 20.0
        )
        starts = shapely.get_coordinates(shapely.get_point(lines, 0))
        ends = shapely.get_coordinates(shapely.get_point(lines, -1))
        snapped = np.rint(np.vstack([starts, ends]) / _SNAP_M).astype(np.int64)
        uniq, inverse = np.unique(snapped, axis=0, return_inverse=True)
        inverse = inverse.ravel()
        self.node_xy = uniq.astype(np.float64) * _SNAP_M
        n_e = len(lines)
        self.u, self.v = inverse[:n_e], inverse[n_e:]
        self.lines = lines
        self.length_m = shapely.length(lines)
        self.n_nodes = len(self.node_xy)
        # sample points along every edge, grouped by edge (for np.*.reduceat)
        n_samp = np.maximum(np.ceil(self.length_m / SAMPLE_M).astype(np.int64), 1) + 1
        self.sample_start = np.concatenate([[0], np.cumsum(n_samp)[:-1]])
        edge_of = np.repeat(np.arange(n_e), n_samp)
        within = np.arange(n_samp.sum()) - np.repeat(self.sample_start, n_samp)
        frac = within / np.repeat(n_samp - 1, n_samp)
        pts = shapely.line_interpolate_point(lines[edge_of], frac, normalized=True)
        self.sample_xy = shapely.get_coordinates(pts)
        self.edge_coords = [
            [(float(x), float(y)) for x, y in shapely.get_coordinates(line)] for line in lines
        ]
        self._node_tree = cKDTree(self.node_xy)
        self._edge_tree = shapely.STRtree(lines)
        self.crs = pyproj.CRS.from_user_input(crs if crs is not None else roads.crs)
        self._to_lonlat = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        self._cache: OrderedDict[tuple[Any, ...], _Graph] = OrderedDict()
        self._edge_cache: OrderedDict[tuple[Any, ...], EdgeFlood] = OrderedDict()
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- flood on edges
    def edge_flood(
        self, flood: FloodState | None, *, horizon_s: float | None = DEFAULT_HORIZON_S
    ) -> EdgeFlood:
        """Water on every edge over *now* .. *now* + ``horizon_s`` (see :class:`EdgeFlood`)."""
        n_e = len(self.lines)
        if flood is None:
            zero = np.zeros(n_e)
            return EdgeFlood(zero, zero, zero)
        key = ("edges", flood.token, horizon_s)
        with self._lock:
            cached = self._edge_cache.get(key)
        if cached is not None:
            return cached
        result = self._edge_flood(flood, horizon_s)
        with self._lock:
            self._edge_cache[key] = result
            while len(self._edge_cache) > _CACHE_SIZE:
                self._edge_cache.popitem(last=False)
        return result

    def _edge_flood(self, flood: FloodState, horizon_s: float | None) -> EdgeFlood:
        iy, ix, inside = flood.cells(self.sample_xy[:, 0], self.sample_xy[:, 1])
        steps = flood.window(horizon_s)
        d_now = flood.at_now(flood.depth[:, iy, ix])
        v_now = flood.at_now(flood.speed[:, iy, ix])
        d = np.vstack([d_now[None], flood.depth[steps][:, iy, ix]])
        v = np.vstack([v_now[None], flood.speed[steps][:, iy, ix]])
        d = np.where(inside, d, 0.0)
        v = np.where(inside, v, 0.0)
        d_max = np.maximum.reduceat(d.max(axis=0), self.sample_start)
        d_min = np.minimum.reduceat(d.min(axis=0), self.sample_start)
        v_max = np.maximum.reduceat(v.max(axis=0), self.sample_start)
        return EdgeFlood(
            d_max.astype(np.float64), d_min.astype(np.float64), v_max.astype(np.float64)
        )

    # ----------------------------------------------------------------- graphs
    def graph(
        self, mode: str, flood: FloodState | None, *, horizon_s: float | None = DEFAULT_HORIZON_S
    ) -> _Graph:
        """The cached searchable graph of ``mode`` (truck, car, boat) for a flood state."""
        key = (mode, flood.token if flood is not None else 0, horizon_s)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        g = self._build(mode, flood, horizon_s)
        with self._lock:
            self._cache[key] = g
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return g

    def _build(self, mode: str, flood: FloodState | None, horizon_s: float | None) -> _Graph:
        ef = self.edge_flood(flood, horizon_s=horizon_s)
        n, n_e = self.n_nodes, len(self.lines)
        eidx = np.arange(n_e)
        rows: list[npt.NDArray[np.int64]] = []
        cols: list[npt.NDArray[np.int64]] = []
        wts: list[npt.NDArray[np.float64]] = []
        edges: list[npt.NDArray[np.int64]] = []
        modes: list[npt.NDArray[np.int8]] = []
        speeds: dict[str, npt.NDArray[np.float64]] = {}

        def add_roads(layer: str, speed: npt.NDArray[np.float64], offset: int, code: int) -> None:
            speeds[layer] = speed
            ok = (speed > 0) & (self.u != self.v)
            t = self.length_m[ok] / (speed[ok] / 3.6)
            a, b = self.u[ok] + offset, self.v[ok] + offset
            for r, c in ((a, b), (b, a)):
                rows.append(r)
                cols.append(c)
                wts.append(t)
                edges.append(eidx[ok])
                modes.append(np.full(ok.sum(), code, np.int8))

        road_vehicle = "car" if mode == "car" else "truck"
        land_speed = road_speed_kmh(road_vehicle, ef.depth_max_m, self.free_kmh)  # type: ignore[arg-type]
        add_roads(
            "land", land_speed, 0, {"truck": _M_TRUCK, "car": _M_CAR, "boat": _M_TRAILER}[mode]
        )
        cell_xy = np.zeros((0, 2))
        lookup: Any = _no_cells
        n_total = n
        if mode == "boat":
            boat_speed = road_speed_kmh(
                "boat", ef.depth_min_m, self.free_kmh, current_ms=ef.current_max_ms
            )
            add_roads("water", boat_speed, n, _M_BOAT)
            cell_xy, lookup, c_rows, c_cols, c_w = self._boat_cells(flood, horizon_s, base=2 * n)
            rows.append(c_rows)
            cols.append(c_cols)
            wts.append(c_w)
            edges.append(np.full(c_rows.size, -1, np.int64))
            modes.append(np.full(c_rows.size, _M_CELL, np.int8))
            wet_nodes = np.unique(
                np.concatenate(
                    [
                        self.u[boat_speed > 0],
                        self.v[boat_speed > 0],
                        c_rows[(c_rows >= n) & (c_rows < 2 * n)] - n,
                    ]
                )
            )
            rows.append(wet_nodes)
            cols.append(wet_nodes + n)
            wts.append(np.full(wet_nodes.size, TRANSFER_S))
            edges.append(np.full(wet_nodes.size, -1, np.int64))
            modes.append(np.full(wet_nodes.size, _M_TRANSFER, np.int8))
            n_total = 2 * n + len(cell_xy)
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        w = np.concatenate(wts)
        e = np.concatenate(edges)
        m = np.concatenate(modes)
        # parallel edges: keep the fastest (a CSR built from COO would add them up)
        order = np.lexsort((w, c, r))
        r, c, w, e, m = r[order], c[order], w[order], e[order], m[order]
        first = np.ones(r.size, bool)
        first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
        r, c, w, e, m = r[first], c[first], w[first], e[first], m[first]
        size = n_total + 1 + _N_SLOTS
        keys = r * size + c
        sink = n_total
        dummies = np.arange(sink + 1, sink + 1 + _N_SLOTS)
        # reversed graph (b -> a) so that one search from the sink reaches every team
        rr = np.concatenate([c, np.full(_N_SLOTS, sink)])
        rc = np.concatenate([r, dummies])
        rw = np.concatenate([np.maximum(w, 1e-6), np.ones(_N_SLOTS)])
        rev = csr_matrix((rw, (rr, rc)), shape=(size, size))
        rev.sort_indices()
        slot0 = int(rev.indptr[sink])
        return _Graph(
            mode=mode,
            n_nodes=n_total,
            sink=sink,
            data=rev.data.astype(np.float64),
            indices=rev.indices.astype(np.int32),
            indptr=rev.indptr.astype(np.int32),
            slot0=slot0,
            keys=keys,
            key_weight=w,
            key_edge=e,
            key_mode=m,
            edge_speed=speeds,
            cell_xy=cell_xy,
            cell_lookup=lookup,
        )

    def _boat_cells(
        self, flood: FloodState | None, horizon_s: float | None, *, base: int
    ) -> tuple[
        npt.NDArray[np.float64],
        Any,
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
    ]:
        """Flooded land cells a boat can cross, coarsened; their edges and a cell lookup."""
        empty = np.zeros(0, np.int64)
        if flood is None:
            return np.zeros((0, 2)), _no_cells, empty, empty, np.zeros(0)
        k = max(1, round(BOAT_CELL_M / max(flood.dx, flood.dy)))
        steps = flood.window(horizon_s)
        d = np.minimum(
            flood.at_now(flood.depth), flood.depth[steps].min(axis=0) if steps.size else np.inf
        )
        v = np.maximum(
            flood.at_now(flood.speed), flood.speed[steps].max(axis=0) if steps.size else 0.0
        )
        ny, nx = (d.shape[0] // k) * k, (d.shape[1] // k) * k
        if ny == 0 or nx == 0:
            return np.zeros((0, 2)), _no_cells, empty, empty, np.zeros(0)
        d_c = d[:ny, :nx].reshape(ny // k, k, nx // k, k).min(axis=(1, 3))
        v_c = v[:ny, :nx].reshape(ny // k, k, nx // k, k).max(axis=(1, 3))
        wet = (d_c >= BOAT_MIN_DEPTH_M) & (v_c <= BOAT_MAX_CURRENT_MS)
        node_of = np.full(wet.shape, -1, np.int64)
        wy, wx = np.nonzero(wet)
        node_of[wy, wx] = np.arange(wy.size)
        x0, y0 = flood.x[0], flood.y[0]
        sx, sy = (
            (flood.x[1] - x0) if flood.x.size > 1 else 1.0,
            (flood.y[1] - y0) if flood.y.size > 1 else 1.0,
        )
        cx = x0 + (wx * k + (k - 1) / 2) * sx
        cy = y0 + (wy * k + (k - 1) / 2) * sy
        cell_xy = np.column_stack([cx, cy])
        rows, cols, wts = [], [], []
        speed = BOAT_SPEED_KMH / 3.6
        h, w = wet.shape
        for oy, ox in ((0, 1), (1, 0), (1, 1), (1, -1)):
            a = node_of[0 : h - oy, max(0, -ox) : w - max(0, ox)]
            b = node_of[oy:h, max(0, ox) : w - max(0, -ox)]
            ok = (a >= 0) & (b >= 0)
            dist = float(np.hypot(ox * k * sx, oy * k * sy))
            for p, q in ((a[ok], b[ok]), (b[ok], a[ok])):
                rows.append(p + base)
                cols.append(q + base)
                wts.append(np.full(p.size, dist / speed))
        # road nodes (water layer) <-> flooded cells within reach of a launch
        reach = max(LAUNCH_M, k * max(abs(sx), abs(sy)))
        tree = cKDTree(cell_xy) if wy.size else None
        if tree is not None:
            pairs = tree.query_ball_point(self.node_xy, r=reach)
            nodes = np.repeat(np.arange(self.n_nodes), [len(p) for p in pairs])
            cells = np.fromiter((c for p in pairs for c in p), np.int64, count=nodes.size)
            gap = np.hypot(*(self.node_xy[nodes] - cell_xy[cells]).T)
            for p, q in (
                (nodes + self.n_nodes, cells + base),
                (cells + base, nodes + self.n_nodes),
            ):
                rows.append(p)
                cols.append(q)
                wts.append(gap / speed)

        def lookup(x: float, y: float) -> int:
            """The nearest flooded cell within reach of (x, y), or -1."""
            if tree is None:
                return -1
            gap, j = tree.query([x, y], distance_upper_bound=reach)
            return int(j) + base if np.isfinite(gap) else -1

        cat = np.concatenate
        return cell_xy, lookup, cat(rows).astype(np.int64), cat(cols).astype(np.int64), cat(wts)

    # ----------------------------------------------------------------- queries
    def routes_to(
        self,
        x: float,
        y: float,
        teams: Sequence[TeamStart],
        *,
        flood: FloodState | None = None,
        horizon_s: float | None = DEFAULT_HORIZON_S,
    ) -> dict[str, Route | str]:
        """The fastest route of each team to the point (x, y), or why it has none.

        Parameters
        ----------
        x, y
            The caller's position (city CRS, m).
        teams
            Where each team starts and with which vehicle.
        flood
            The flood state (None: dry).
        horizon_s
            Water is taken as the worst over *now* .. *now* + ``horizon_s``.

        Returns
        -------
        dict
            team_id -> :class:`Route`, or a sentence saying why the team cannot reach.
        """
        out: dict[str, Route | str] = {}
        if not teams:
            return out
        caller = shapely.Point(x, y)
        e_star = int(self._edge_tree.nearest(caller))
        line = self.lines[e_star]
        along = float(line.project(caller))
        snapped = line.interpolate(along)
        off_m = float(caller.distance(snapped))
        walk_s = off_m / (WALK_KMH / 3.6) if off_m > 1.0 else 0.0
        dry_cache: dict[tuple[str, int], npt.NDArray[np.float64]] = {}
        by_mode: dict[str, list[TeamStart]] = {}
        for t in teams:
            by_mode.setdefault(vehicle_mode(t.vehicle), []).append(t)
        for mode, group in by_mode.items():
            g = self.graph(mode, flood, horizon_s=horizon_s)
            entries = self._entries(g, e_star, along, walk_s, x, y)
            dist, pred = self._search(g, entries)
            for team in group:
                starts = self._starts(g, team)
                best = min(starts, key=lambda s: s[1] + dist[s[0]]) if starts else None
                if best is None or not np.isfinite(best[1] + dist[best[0]]):
                    out[team.team_id] = self._why_not(
                        mode, team, e_star, flood, horizon_s, dry_cache
                    )
                    continue
                out[team.team_id] = self._route(
                    g, team, best, dist, pred, entries, e_star, along, off_m, (x, y)
                )
        return out

    def _entries(
        self, g: _Graph, e: int, along: float, walk_s: float, x: float, y: float
    ) -> list[tuple[int, float, str]]:
        """Nodes from which the caller is reached: (node, seconds to the caller, layer)."""
        entries: list[tuple[int, float, str]] = []
        length = float(self.length_m[e])
        layers = [("land", 0)] + ([("water", self.n_nodes)] if g.mode == "boat" else [])
        for layer, offset in layers:
            speed = float(g.edge_speed[layer][e]) / 3.6
            if speed > 0:
                entries.append((int(self.u[e]) + offset, along / speed + walk_s, layer))
                entries.append((int(self.v[e]) + offset, (length - along) / speed + walk_s, layer))
        if g.mode == "boat":
            cell = g.cell_lookup(x, y)
            if cell >= 0:
                gap = float(np.hypot(*(g.cell_xy[cell - 2 * self.n_nodes] - (x, y))))
                entries.append((cell, gap / (BOAT_SPEED_KMH / 3.6), "cell"))
        return entries[:_N_SLOTS]

    def _search(
        self, g: _Graph, entries: list[tuple[int, float, str]]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
        # the sink's row is rewritten in place for each query (under the graph's lock) so that
        # a query never copies the whole graph
        m = g.matrix
        with g.lock:
            for j in range(_N_SLOTS):
                if j < len(entries):
                    m.indices[g.slot0 + j] = entries[j][0]
                    m.data[g.slot0 + j] = max(entries[j][1], 0.0)
                else:
                    m.indices[g.slot0 + j] = g.sink + 1 + j
                    m.data[g.slot0 + j] = 1.0
            dist, pred = dijkstra(m, directed=True, indices=g.sink, return_predecessors=True)
        return dist, pred

    def _starts(self, g: _Graph, team: TeamStart) -> list[tuple[int, float, str]]:
        """Nodes a team can set off from: (node, seconds to get there, layer)."""
        gap, node = self._node_tree.query([team.x, team.y])
        node = int(node)
        starts = [(node, float(gap) / (ACCESS_KMH / 3.6), "land")]
        if g.mode == "boat":
            starts.append((node + self.n_nodes, float(gap) / (BOAT_SPEED_KMH / 3.6), "water"))
            cell = g.cell_lookup(team.x, team.y)
            if cell >= 0:
                d = float(np.hypot(*(g.cell_xy[cell - 2 * self.n_nodes] - (team.x, team.y))))
                starts.append((cell, d / (BOAT_SPEED_KMH / 3.6), "cell"))
        return starts

    def _layer_mode(self, g: _Graph, layer: str) -> str:
        if layer in ("water", "cell"):
            return "boat"
        return {"truck": "truck", "car": "car", "boat": "trailer"}[g.mode]

    def _point(self, g: _Graph, node: int) -> tuple[float, float]:
        n = self.n_nodes
        if node < n:
            return (float(self.node_xy[node, 0]), float(self.node_xy[node, 1]))
        if g.mode == "boat" and node < 2 * n:
            return (float(self.node_xy[node - n, 0]), float(self.node_xy[node - n, 1]))
        c = g.cell_xy[node - 2 * n]
        return (float(c[0]), float(c[1]))

    def _route(
        self,
        g: _Graph,
        team: TeamStart,
        start: tuple[int, float, str],
        dist: npt.NDArray[np.float64],
        pred: npt.NDArray[np.int32],
        entries: list[tuple[int, float, str]],
        e_star: int,
        along: float,
        off_m: float,
        caller_xy: tuple[float, float],
    ) -> Route:
        nodes = [start[0]]
        while pred[nodes[-1]] != g.sink:
            nodes.append(int(pred[nodes[-1]]))
        size = g.sink + 1 + _N_SLOTS
        # steps: (mode, coords, length_m, time_s, road_id or "")
        here = self._point(g, start[0])
        first_mode = self._layer_mode(g, start[2])
        team_xy = (team.x, team.y)
        steps: list[tuple[str, list[tuple[float, float]], float, float, str]] = [
            (
                first_mode,
                [team_xy, here],
                float(np.hypot(here[0] - team.x, here[1] - team.y)),
                start[1],
                "",
            )
        ]
        transfer: tuple[float, float] | None = None
        n = self.n_nodes
        path = np.asarray(nodes, dtype=np.int64)
        ks = np.searchsorted(g.keys, path[:-1] * size + path[1:])
        codes, edges, weights = (
            g.key_mode[ks].tolist(),
            g.key_edge[ks].tolist(),
            g.key_weight[ks].tolist(),
        )
        for (a, b), code, e, w in zip(
            itertools.pairwise(nodes), codes, edges, weights, strict=True
        ):
            mode = _MODE_NAMES[code]
            if e >= 0:
                forward = (a % n if a < 2 * n else a) == self.u[e]
                coords = self.edge_coords[e] if forward else self.edge_coords[e][::-1]
                steps.append((mode, coords, float(self.length_m[e]), w, str(self.road_ids[e])))
            elif code == _M_TRANSFER:
                transfer = self._point(g, a)
                steps.append(("transfer", [transfer], 0.0, w, ""))
            else:
                p, q = self._point(g, a), self._point(g, b)
                steps.append((mode, [p, q], float(np.hypot(q[0] - p[0], q[1] - p[1])), w, ""))
        last = nodes[-1]
        entry = min((en for en in entries if en[0] == last), key=lambda en: en[1])
        mode = self._layer_mode(g, entry[2])
        if entry[2] == "cell":
            p = self._point(g, last)
            steps.append(
                (
                    mode,
                    [p, caller_xy],
                    float(np.hypot(caller_xy[0] - p[0], caller_xy[1] - p[1])),
                    entry[1],
                    "",
                )
            )
        else:
            line = self.lines[e_star]
            length = float(self.length_m[e_star])
            from_u = last % n == self.u[e_star]
            part = (
                shapely.ops.substring(line, 0.0, along)
                if from_u
                else shapely.ops.substring(line, along, length)
            )
            coords = [tuple(c) for c in shapely.get_coordinates(part).tolist()]
            if not from_u:
                coords = coords[::-1]
            seg = along if from_u else length - along
            walk = off_m / (WALK_KMH / 3.6) if off_m > 1.0 else 0.0
            steps.append((mode, coords, seg, entry[1] - walk, str(self.road_ids[e_star])))
            if walk > 0:
                steps.append(("walk", [coords[-1], caller_xy], off_m, walk, ""))
            else:  # within a metre of the road: the line still ends at the caller
                coords.append(caller_xy)
        return self._assemble(team, steps, transfer, float(start[1] + dist[start[0]]))

    def _assemble(
        self,
        team: TeamStart,
        steps: list[tuple[str, list[tuple[float, float]], float, float, str]],
        transfer: tuple[float, float] | None,
        eta_s: float,
    ) -> Route:
        legs: list[Leg] = []
        coords: list[tuple[float, float]] = []
        road_ids: list[str] = []
        road_modes: list[str] = []
        for mode, pts, length, time_s, rid in steps:
            for p in pts:
                if not coords or (
                    abs(coords[-1][0] - p[0]) > 1e-6 or abs(coords[-1][1] - p[1]) > 1e-6
                ):
                    coords.append((float(p[0]), float(p[1])))
            if rid:
                road_ids.append(rid)
                road_modes.append(mode)
            if legs and legs[-1].mode == mode:
                prev = legs[-1]
                ids = prev.road_ids + ((rid,) if rid else ())
                legs[-1] = Leg(mode, prev.length_m + length, prev.time_s + time_s, ids)
            else:
                legs.append(Leg(mode, length, time_s, (rid,) if rid else ()))
        lon, lat = self._to_lonlat.transform([c[0] for c in coords], [c[1] for c in coords])
        return Route(
            team_id=team.team_id,
            vehicle=team.vehicle,
            eta_s=eta_s,
            length_m=float(sum(g.length_m for g in legs)),
            legs=tuple(legs),
            coords=tuple(coords),
            road_ids=tuple(road_ids),
            road_modes=tuple(road_modes),
            transfer_xy=transfer,
            lonlat=tuple(zip(np.round(lon, 7).tolist(), np.round(lat, 7).tolist(), strict=False)),
        )

    def _why_not(
        self,
        mode: str,
        team: TeamStart,
        e_star: int,
        flood: FloodState | None,
        horizon_s: float | None,
        dry_cache: dict[tuple[str, int], npt.NDArray[np.float64]],
    ) -> str:
        """A sentence saying why ``team`` cannot reach the caller."""
        if mode == "boat":
            return (
                f"boat {team.team_id}: no water of {BOAT_MIN_DEPTH_M} m or more (current at most "
                f"{BOAT_MAX_CURRENT_MS} m/s) reaches the caller, and no road a truck can tow the "
                "boat on reaches such water"
            )
        limit = TRUCK_MAX_DEPTH_M if mode == "truck" else 0.3
        ef = self.edge_flood(flood, horizon_s=horizon_s)
        if ef.depth_max_m[e_star] >= limit:
            return (
                f"{team.vehicle} {team.team_id}: the caller's road is (or within the horizon "
                f"will be) under {ef.depth_max_m[e_star]:.2f} m of water ({team.vehicle}s stop "
                f"at {limit} m)"
            )
        dry_key = (mode, e_star)
        if dry_key not in dry_cache:  # one search per mode and caller, not per team
            dry = self.graph(mode, None, horizon_s=horizon_s)
            dry_cache[dry_key] = self._search(dry, self._entries(dry, e_star, 0.0, 0.0, 0, 0))[0]
        dist = dry_cache[dry_key]
        _gap, node = self._node_tree.query([team.x, team.y])
        if np.isfinite(dist[int(node)]):
            return (
                f"{team.vehicle} {team.team_id}: blocked by water deeper than {limit} m on every "
                "route"
            )
        return f"{team.vehicle} {team.team_id}: no road connects the station to the caller"


def _no_cells(x: float, y: float) -> int:
    return -1
