"""Ward polygons of the demo city, grown from the published ward centres.

The shapes are a power diagram (a Voronoi diagram weighted by each ward's published area)
of all 40 ward-level centres, so that a ward whose centre lies outside the domain still
claims its share of the land; only the wards whose centre lies inside the domain are kept,
clipped to the domain and to the land (the sea belongs to no ward). Populations are the
published ones; ``area_km2`` is the area of the polygon drawn here, ``area_published_km2``
the published one.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from rasterio import features

from layers._demo_facts import WARDS
from layers._demo_terrain import CRS_EPSG, Terrain, to_utm
from layers._text import to_ascii
from layers.grids import grid_transform, new_grid

__all__ = ["build_wards"]

# Weight of a centre, as a share of the squared radius of a disc of the published area:
# enough for a large commune to push its border out, not so much that it swallows the
# centre of a small neighbour (checked below).
_WEIGHT = 0.5


def build_wards(terrain: Terrain) -> gpd.GeoDataFrame:
    """Wards whose published centre lies in the domain, with real names and populations.

    Parameters
    ----------
    terrain
        The demo terrain (domain, shore).

    Returns
    -------
    geopandas.GeoDataFrame
        The ``wards`` layer (EPSG:32648), ids ``W01``... in the order of the published list.
    """
    domain = terrain.domain
    X, Y = domain.xy
    best = np.full(X.shape, np.inf)
    label = np.full(X.shape, -1, dtype="int32")
    centres = [to_utm(lon, lat) for *_, lon, lat in WARDS]
    for i, ((wx, wy), (*_, area_km2, _pop, _lon, _lat)) in enumerate(
        zip(centres, WARDS, strict=True)
    ):
        power = (X - wx) ** 2 + (Y - wy) ** 2 - _WEIGHT * area_km2 * 1e6 / np.pi
        closer = power < best
        best[closer] = power[closer]
        label[closer] = i
    label[terrain.shore_distance(X, Y) > 0] = -1
    box = domain.box()
    kept = [i for i, (x, y) in enumerate(centres) if box.contains(shapely.Point(x, y))]
    grid = new_grid(label, x0=domain.x0, y0=domain.y0, cell_m=domain.cell_m, crs=None, name="l")
    pieces: dict[int, list[shapely.Geometry]] = {i: [] for i in kept}
    for geojson, value in features.shapes(
        label, mask=np.isin(label, kept), transform=grid_transform(grid), connectivity=4
    ):
        pieces[int(value)].append(shapely.geometry.shape(geojson))
    polygons = [shapely.union_all(pieces[i]) for i in kept]
    # Simplify the 30 m stair steps while keeping shared borders shared.
    polygons = list(shapely.coverage_simplify(np.array(polygons, dtype=object), tolerance=45.0))
    rows = []
    for k, (i, poly) in enumerate(zip(kept, polygons, strict=True)):
        kind, name, area_km2, population, _lon, _lat = WARDS[i]
        if not poly.contains(shapely.Point(centres[i])):
            raise AssertionError(f"ward {name}: its centre fell outside its polygon")
        rows.append(
            {
                "ward_id": f"W{k + 1:02d}",
                "name": name,
                "name_ascii": to_ascii(name),
                "kind": kind,
                "population": int(population),
                "area_km2": round(poly.area / 1e6, 3),
                "full_name": ("Phường " if kind == "phuong" else "Xã ") + name,
                "area_published_km2": float(area_km2),
                "geometry": shapely.set_precision(poly, 0.01),
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=f"EPSG:{CRS_EPSG}")
