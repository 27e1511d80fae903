"""The road network as a graph: lines split at junctions, and a networkx graph over them.

Dispatch routes over the roads, so two roads that meet must share an end vertex. Drawn or
exported lines rarely do: a street runs on through several junctions, and an alley's
first point lies a few centimetres off the road it opens from. :func:`node_lines` splits
lines where they cross and snaps ends that nearly touch a line onto it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely import LineString, STRtree
from shapely.ops import substring

__all__ = ["node_lines", "node_roads", "road_graph"]

#: Coordinates of split lines are rounded to this many decimals (metres: 1 cm), so that the
#: two lines meeting at a junction hold the very same end vertex.
DECIMALS = 2


def _key(x: float, y: float) -> tuple[float, float]:
    return (round(x, DECIMALS), round(y, DECIMALS))


def node_lines(
    lines: Sequence[LineString], *, snap_m: float = 1.0
) -> tuple[list[LineString], list[int]]:
    """Split lines at every crossing and at every end that touches another line.

    Parameters
    ----------
    lines
        Line strings in a projected CRS (metres).
    snap_m
        An end closer than this to another line is moved onto it and splits it (a
        T-junction). Ends that already share a point are joined as they are.

    Returns
    -------
    pieces, source
        The pieces (coordinates rounded to 1 cm, junctions shared exactly), and for each
        piece the index of the line it came from.

    Examples
    --------
    >>> a = LineString([(0, 0), (10, 0)])
    >>> b = LineString([(5, 0.4), (5, 8)])
    >>> pieces, source = node_lines([a, b])
    >>> [p.wkt for p in pieces], source
    (['LINESTRING (0 0, 5 0)', 'LINESTRING (5 0, 10 0)', 'LINESTRING (5 0, 5 8)'], [0, 0, 1])
    """
    coords = [np.asarray(line.coords, dtype=float).copy() for line in lines]
    geoms = [LineString(c) for c in coords]
    tree = STRtree(geoms)
    splits: list[dict[tuple[float, float], float]] = [{} for _ in geoms]

    # T-junctions first: move an end onto the line it nearly touches, and split that line.
    for i, c in enumerate(coords):
        for end in (0, -1):
            pt = shapely.Point(c[end])
            for j in tree.query(pt, predicate="dwithin", distance=snap_m):
                if j == i or geoms[j].distance(pt) == 0:
                    continue
                on = geoms[j].interpolate(geoms[j].project(pt))
                c[end] = (on.x, on.y)
                splits[j][_key(on.x, on.y)] = geoms[j].project(on)
                break
    geoms = [LineString(c) for c in coords]
    tree = STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if j <= i:
            continue
        # Lines that touch by the predicate may still meet in an empty part (rounding), and
        # an end snapped onto another line may leave a line of one repeated point.
        parts = [p for p in shapely.get_parts(shapely.intersection(geoms[i], geoms[j]))]
        parts = [p for p in parts if not p.is_empty]
        points = [p for p in parts if p.geom_type == "Point"]
        points += [
            shapely.Point(xy)
            for part in parts
            if part.geom_type == "LineString"
            for xy in (part.coords[0], part.coords[-1])
        ]
        for p in points:
            for k in (i, j):
                splits[k][_key(p.x, p.y)] = geoms[k].project(p)
    pieces: list[LineString] = []
    source: list[int] = []
    for i, geom in enumerate(geoms):
        first = _key(*coords[i][0])
        last = _key(*coords[i][-1])
        cuts = sorted(
            (d, xy)
            for xy, d in splits[i].items()
            if 0 < d < geom.length and xy not in (first, last)
        )
        stops = [(0.0, first), *cuts, (geom.length, last)]
        for (d0, a), (d1, b) in pairwise(stops):
            if d1 - d0 < 10**-DECIMALS:
                continue
            part = np.round(np.asarray(substring(geom, d0, d1).coords), DECIMALS)
            part[0], part[-1] = a, b
            keep = np.r_[True, np.any(np.diff(part, axis=0) != 0, axis=1)]
            if keep.sum() >= 2:
                pieces.append(LineString(part[keep]))
                source.append(i)
    return pieces, source


def node_roads(roads: gpd.GeoDataFrame, *, snap_m: float = 1.0) -> gpd.GeoDataFrame:
    """Split a roads layer at its junctions (see :func:`node_lines`).

    A road cut into several pieces keeps its attributes; its ``road_id`` gets a suffix
    ``-1``, ``-2``... and its house-number range is shared out along the pieces in
    proportion to their length.

    Parameters
    ----------
    roads
        Roads layer in a projected CRS.
    snap_m
        Snapping distance for T-junctions, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece, same columns.
    """
    pieces, source = node_lines(list(roads.geometry.values), snap_m=snap_m)
    out = roads.iloc[source].reset_index(drop=True)
    out = out.set_geometry(gpd.GeoSeries(pieces, crs=roads.crs).values)
    counts = pd.Series(source).value_counts()
    order = pd.Series(source).groupby(source).cumcount() + 1
    split = np.asarray([counts[s] > 1 for s in source])
    out.loc[split, "road_id"] = [
        f"{rid}-{k}" for rid, k in zip(out.loc[split, "road_id"], order[split], strict=True)
    ]
    if {"house_from", "house_to"} <= set(out.columns) and split.any():
        lengths = np.asarray([p.length for p in pieces])
        total = pd.Series(lengths).groupby(source).transform("sum").to_numpy()
        before = pd.Series(lengths).groupby(source).cumsum().to_numpy() - lengths
        lo = out["house_from"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        hi = out["house_to"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        frac0, frac1 = before / total, (before + lengths) / total
        out["house_from"] = pd.array(np.round(lo + (hi - lo) * frac0), dtype="Float64").astype(
            "Int64"
        )
        out["house_to"] = pd.array(np.round(lo + (hi - lo) * frac1), dtype="Float64").astype(
            "Int64"
        )
    return out


def road_graph(roads: gpd.GeoDataFrame) -> nx.MultiGraph:
    """An undirected graph of the road network.

    Nodes are end vertices ``(x, y)`` rounded to 1 cm; each road row is one edge keyed by
    its ``road_id`` with ``length_m``, ``free_speed_kmh``, ``road_class`` and ``bridge``.

    Parameters
    ----------
    roads
        Roads layer, split at junctions (:func:`node_roads`), in a projected CRS.

    Returns
    -------
    networkx.MultiGraph

    Examples
    --------
    >>> roads = gpd.GeoDataFrame(
    ...     {"road_id": ["a", "b"], "free_speed_kmh": [30.0, 30.0],
    ...      "road_class": ["street", "alley"], "bridge": [False, False]},
    ...     geometry=[LineString([(0, 0), (5, 0)]), LineString([(5, 0), (5, 8)])],
    ...     crs="EPSG:32648")
    >>> g = road_graph(roads)
    >>> g.number_of_nodes(), g.number_of_edges(), nx.is_connected(g)
    (3, 2, True)
    """
    graph = nx.MultiGraph()
    for row in roads.itertuples(index=False):
        geom = row.geometry
        a = _key(*geom.coords[0])
        b = _key(*geom.coords[-1])
        graph.add_edge(
            a,
            b,
            key=row.road_id,
            length_m=float(geom.length),
            free_speed_kmh=float(row.free_speed_kmh),
            road_class=row.road_class,
            bridge=bool(row.bridge),
        )
    return graph
