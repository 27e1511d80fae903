"""Impact of a flood on roads: depth on each segment, when it closes, who is cut off.

Depth on a segment
------------------
Points are taken along each line every half cell (ends included); the segment's depth at an
output time is the largest depth among the cells under those points, and its maximum depth is
the largest of the solver's running ``max_depth`` there. A bridge (``bridge`` true) stands above
the water: only its two ends are sampled.

When a segment closes
---------------------
A segment is impassable for a vehicle from the first output time its depth reaches the
vehicle's limit (:mod:`twin.vehicles`): cars and ambulances 0.3 m (Pregnolato et al. 2017),
rescue trucks 0.4 m. A boat can use it from the first output time when *every* sampled cell has
at least 0.5 m. Times are seconds after the start of the run, on the output interval.

Who is cut off
--------------
The road graph joins segments at shared end points (snapped to 1 m). Each rescue station and
shelter attaches to its nearest graph node. With the segments a vehicle cannot pass (at their
worst over the run) removed, a segment is *reachable* when it is passable and its component
holds a station or a shelter; a ward is *cut off* when it has roads and none of them is
reachable (every road is under water or leads only to other cut-off roads).
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from twin._errors import TwinError
from twin.impact._grid import cell_index, cell_size_m, elapsed_seconds, to_timestamp
from twin.vehicles import BOAT_MIN_DEPTH_M, CAR_MAX_DEPTH_M, TRUCK_MAX_DEPTH_M

__all__ = ["VEHICLE_LIMITS_M", "cut_off_wards", "road_graph", "road_impact"]

#: Depth (m) from which a road is impassable, per vehicle class.
VEHICLE_LIMITS_M: dict[str, float] = {"car": CAR_MAX_DEPTH_M, "truck": TRUCK_MAX_DEPTH_M}
_SNAP_M = 1.0


def _sample_points(geom: BaseGeometry, spacing: float, *, ends_only: bool) -> np.ndarray:
    lines: Iterable[LineString]
    if isinstance(geom, MultiLineString):
        lines = geom.geoms
    elif isinstance(geom, LineString):
        lines = [geom]
    else:
        raise TwinError(f"road geometry must be a LineString, got {geom.geom_type}")
    pts: list[tuple[float, float]] = []
    for line in lines:
        if ends_only:
            dists = np.array([0.0, line.length])
        else:
            n = max(int(np.ceil(line.length / spacing)), 1)
            dists = np.linspace(0.0, line.length, n + 1)
        pts.extend((p.x, p.y) for p in (line.interpolate(d) for d in dists))
    return np.asarray(pts, dtype=float)


def _segment_cells(
    result: xr.Dataset, roads: gpd.GeoDataFrame
) -> list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    dx, dy = cell_size_m(result)
    spacing = min(dx, dy) / 2.0
    bridges = (
        roads["bridge"].fillna(False).astype(bool).to_numpy()
        if "bridge" in roads.columns
        else np.zeros(len(roads), dtype=bool)
    )
    out = []
    for geom, is_bridge in zip(roads.geometry, bridges, strict=True):
        pts = _sample_points(geom, spacing, ends_only=bool(is_bridge))
        r, c, ok = cell_index(result, pts[:, 0], pts[:, 1])
        cells = np.unique(np.stack([r[ok], c[ok]], axis=1), axis=0)
        out.append((cells[:, 0], cells[:, 1]))
    return out


def _first_time(flags: npt.NDArray[np.bool_], t_s: npt.NDArray[np.float64]) -> float:
    hit = np.flatnonzero(flags)
    return float(t_s[hit[0]]) if hit.size else float("nan")


def road_impact(
    result: xr.Dataset,
    roads: gpd.GeoDataFrame,
    *,
    start: pd.Timestamp | None = None,
) -> gpd.GeoDataFrame:
    """Maximum depth and closing times of each road segment.

    Parameters
    ----------
    result
        Flood result (``depth`` over time, ``max_depth``) on x/y cell centres (m).
    roads
        Road segments (``road_id``, optional ``bridge``) in the result's CRS.
    start
        Start of the run (tz-aware), for ISO times next to the seconds.

    Returns
    -------
    geopandas.GeoDataFrame
        The road columns plus ``max_depth_m``, ``impassable_car_s``, ``impassable_truck_s``,
        ``boat_from_s`` (seconds after the start, NaN if never), ``cut_car``, ``cut_truck``
        (bool, at the worst of the run) and ``impassable_car_time`` (ISO UTC or None).
        Segments off the grid get NaN depth and are never cut.
    """
    t_s = elapsed_seconds(result, start)
    depth = np.nan_to_num(np.asarray(result["depth"].values, dtype=float))
    max_depth = np.nan_to_num(np.asarray(result["max_depth"].values, dtype=float))
    recs = []
    for rows, cols in _segment_cells(result, roads):
        if rows.size == 0:
            recs.append(
                {
                    "max_depth_m": np.nan,
                    "impassable_car_s": np.nan,
                    "impassable_truck_s": np.nan,
                    "boat_from_s": np.nan,
                }
            )
            continue
        series = depth[:, rows, cols]
        worst = series.max(axis=1)
        recs.append(
            {
                "max_depth_m": float(max_depth[rows, cols].max()),
                "impassable_car_s": _first_time(worst >= CAR_MAX_DEPTH_M, t_s),
                "impassable_truck_s": _first_time(worst >= TRUCK_MAX_DEPTH_M, t_s),
                "boat_from_s": _first_time(series.min(axis=1) >= BOAT_MIN_DEPTH_M, t_s),
            }
        )
    table = pd.DataFrame(recs, index=roads.index)
    table["cut_car"] = (table["max_depth_m"] >= CAR_MAX_DEPTH_M) | table["impassable_car_s"].notna()
    table["cut_truck"] = (table["max_depth_m"] >= TRUCK_MAX_DEPTH_M) | table[
        "impassable_truck_s"
    ].notna()
    table["impassable_car_time"] = [to_timestamp(start, s) for s in table["impassable_car_s"]]
    out = pd.concat([roads.drop(columns=roads.geometry.name), table], axis=1)
    return gpd.GeoDataFrame(out, geometry=roads.geometry, crs=roads.crs)


def _node(xy: tuple[float, float]) -> tuple[float, float]:
    return (round(xy[0] / _SNAP_M) * _SNAP_M, round(xy[1] / _SNAP_M) * _SNAP_M)


def road_graph(roads: gpd.GeoDataFrame) -> nx.MultiGraph:
    """Undirected road graph: nodes are segment end points (snapped to 1 m), one edge each.

    Edges carry ``road_id``, ``row`` (position in ``roads``), ``ward_id`` and ``length_m``.
    """
    g = nx.MultiGraph()
    ward_ids = roads["ward_id"] if "ward_id" in roads.columns else pd.Series(None, roads.index)
    ids = roads["road_id"] if "road_id" in roads.columns else pd.Series(roads.index, roads.index)
    for row, (geom, rid, wid) in enumerate(zip(roads.geometry, ids, ward_ids, strict=True)):
        lines = geom.geoms if isinstance(geom, MultiLineString) else [geom]
        for line in lines:
            a = _node(line.coords[0])
            b = _node(line.coords[-1])
            g.add_edge(a, b, road_id=rid, row=row, ward_id=wid, length_m=line.length)
    return g


def _nearest_nodes(g: nx.MultiGraph, points: gpd.GeoSeries) -> list[tuple[float, float]]:
    if g.number_of_nodes() == 0:
        return []
    nodes = list(g.nodes)
    xy = np.asarray(nodes, dtype=float)
    out = []
    for p in points:
        if p is None or p.is_empty:
            continue
        k = int(np.argmin((xy[:, 0] - p.x) ** 2 + (xy[:, 1] - p.y) ** 2))
        out.append(nodes[k])
    return out


def cut_off_wards(
    roads_impact: gpd.GeoDataFrame,
    targets: gpd.GeoSeries,
    *,
    vehicle: str = "car",
) -> tuple[dict[str, bool], npt.NDArray[np.bool_]]:
    """Which wards lose every road link to a rescue station or shelter.

    Parameters
    ----------
    roads_impact
        Output of :func:`road_impact` (needs ``ward_id``, ``cut_car``/``cut_truck``).
    targets
        Points of the rescue stations and shelters.
    vehicle
        ``"car"`` or ``"truck"``: whose limit closes a road.

    Returns
    -------
    cut_off, reachable
        ``{ward_id: True if cut off}`` for every ward that has roads, and for each road row
        whether it is passable *and* still joined to a station or shelter.
    """
    if vehicle not in VEHICLE_LIMITS_M:
        raise TwinError(f"vehicle must be one of {sorted(VEHICLE_LIMITS_M)}, got {vehicle!r}")
    cut = roads_impact[f"cut_{vehicle}"].fillna(False).astype(bool).to_numpy()
    full = road_graph(roads_impact)
    target_nodes = set(_nearest_nodes(full, targets))
    open_graph = nx.MultiGraph()
    open_graph.add_nodes_from(full.nodes)
    open_graph.add_edges_from(
        (a, b, k, d) for a, b, k, d in full.edges(keys=True, data=True) if not cut[d["row"]]
    )
    good_nodes: set[tuple[float, float]] = set()
    for comp in nx.connected_components(open_graph):
        if comp & target_nodes:
            good_nodes |= comp
    reachable = np.zeros(len(roads_impact), dtype=bool)
    for a, _b, d in full.edges(data=True):
        if not cut[d["row"]] and a in good_nodes:
            reachable[d["row"]] = True
    cut_off: dict[str, bool] = {}
    if "ward_id" in roads_impact.columns:
        wards = roads_impact["ward_id"].to_numpy()
        for w in pd.unique(wards[pd.notna(wards)]):
            cut_off[str(w)] = not bool(reachable[wards == w].any())
    return cut_off, reachable
