"""The demo city's catchments: what drains to each dam and to each river entry on the edge.

Published (Vietnamese dam-safety handbook 2021 and news reports 2025): Tả Trạch's catchment
is 717 km² and Hương Điền's 707 km²; the five large reservoir catchments of the province
cover 2,345 km². Bình Điền's catchment is not in the sources at hand: 515 km² is assumed.
The two ungauged areas between the dams and the city (the Hương below Tả Trạch and Bình
Điền, the Bồ below Hương Điền) take the size of their synthetic polygons.

The polygons are synthetic: a wedge fanning out upstream from each dam with the catchment's
area, and for each ungauged area a hull between the dams and the river's entry into the
model. They stand for the real watersheds only in size and in where their water goes.

Runoff parameters (SCS Curve Number with a Clark unit hydrograph, ``hydro.runoff``) are a
**calibration of a synthetic demo, not a validation**: with the October 2025 scenario's rain
(450 mm in the city over 60 hours) times the ``rain_factor`` (the mountains got more rain
than the city: 2020's 6–10 October storm gave 600–1,200 mm over the province and 1,697 mm
at Bạch Mã), wet antecedent conditions (AMC III, after a week of rain) and the Clark
parameters below, Tả Trạch's modelled inflow over 26–28 October 2025 is close to the
published figures: a peak above 6,900 m³/s and 917 million m³ in (tests/twin/
test_catchment_runoff.py holds the figures). Curve numbers of 80–85 (AMC II) are those of
forested hill slopes on thin soils in hydrologic soil group C–D (NEH-4, table 9.1).
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity

from layers._demo_facts import DAMS

__all__ = ["CATCHMENTS", "build_catchments"]

#: (catchment_id, name, outlet_kind, dam_id (the outlet, or for an ungauged area the dam
#: whose river entry it shares), area_km2 or None: the polygon's own,
#: wedge bearing° from the dam (None: an ungauged hull), curve_number (AMC II), tc_h,
#: storage_h, rain_factor, baseflow_m3s)
CATCHMENTS: tuple[tuple[Any, ...], ...] = (
    ("ta-trach", "Tả Trạch", "dam", "ta-trach", 717.0, 165.0, 84.0, 6.0, 7.0, 2.75, 300.0),
    ("binh-dien", "Bình Điền", "dam", "binh-dien", 515.0, 245.0, 84.0, 6.0, 8.0, 2.4, 150.0),
    ("huong-dien", "Hương Điền", "dam", "huong-dien", 707.0, 290.0, 84.0, 7.0, 9.0, 2.2, 150.0),
    ("huong-local", "Hương, ungauged", "edge", "ta-trach", None, None, 82.0, 4.0, 5.0, 1.6, 30.0),
    ("bo-local", "Bồ, ungauged", "edge", "huong-dien", None, None, 82.0, 4.0, 5.0, 1.6, 20.0),
)  # fmt: skip

#: The river course each dam releases into (the ungauged areas drain to the same entry).
_CHANNEL = {str(d["dam_id"]): str(d["channel"]) for d in DAMS}
#: The dams upstream of each ungauged area.
_LOCAL_DAMS = {"huong-local": ("ta-trach", "binh-dien"), "bo-local": ("huong-dien",)}
_WEDGE_DEG = 80.0  # opening angle of a dam's synthetic catchment wedge


def _wedge(apex: tuple[float, float], bearing_deg: float, area_m2: float) -> shapely.Polygon:
    """A circular sector at ``apex`` opening towards ``bearing_deg`` with the given area."""
    half = math.radians(_WEDGE_DEG) / 2
    radius = math.sqrt(2.0 * area_m2 / (2 * half))
    centre = math.radians(bearing_deg)
    angles = np.linspace(centre - half, centre + half, 33)
    ring = [apex] + [
        (apex[0] + radius * math.sin(a), apex[1] + radius * math.cos(a)) for a in angles
    ]
    poly = shapely.Polygon(ring)
    # the arc's chords lose a little area: scale about the apex to the exact area
    factor = math.sqrt(area_m2 / poly.area)
    return affinity.scale(poly, factor, factor, origin=apex)


def build_catchments(
    dams: gpd.GeoDataFrame, extent: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """The demo's catchments layer, from its dams layer (positions and entry points).

    Parameters
    ----------
    dams
        The demo city's dams layer.
    extent
        The flood model's DEM ``(xmin, ymin, xmax, ymax)``: the ungauged areas stop at its
        edge (rain inside it falls on the 2D model itself).

    Returns
    -------
    geopandas.GeoDataFrame
        One polygon per catchment with the columns of ``layers._schema`` ``catchments``.
    """
    by_id = {str(r.dam_id): r for r in dams.itertuples()}
    taken = shapely.box(*extent)
    rows = []
    for cid, name, kind, outlet, area, bearing, cn, tc, storage, factor, base in CATCHMENTS:
        dam = by_id[outlet]
        if kind == "dam":
            geom = _wedge((dam.geometry.x, dam.geometry.y), bearing, area * 1e6)
        else:
            # between the dam(s) upstream and the river's entry, outside what is taken
            apexes = [(by_id[d].geometry.x, by_id[d].geometry.y) for d in _LOCAL_DAMS[cid]]
            hull = shapely.MultiPoint([*apexes, (dam.entry_x, dam.entry_y)]).convex_hull
            geom = hull.buffer(4_000.0).difference(taken)
            if geom.geom_type == "MultiPolygon":
                geom = max(geom.geoms, key=lambda g: g.area)
            area = round(geom.area / 1e6, 1)
        taken = taken.union(geom)
        rows.append(
            {
                "catchment_id": cid,
                "name": name,
                "outlet_kind": kind,
                "outlet_id": outlet if kind == "dam" else _CHANNEL[outlet],
                "area_km2": float(area),
                "runoff_model": "scs",
                "curve_number": cn,
                "amc": "III",
                "initial_abstraction_ratio": 0.2,
                "tc_h": tc,
                "storage_h": storage,
                "rain_factor": factor,
                "baseflow_m3s": base,
                "gr4h_x1_mm": np.nan,
                "gr4h_x2_mmh": np.nan,
                "gr4h_x3_mm": np.nan,
                "gr4h_x4_h": np.nan,
                "entry_x": float(dam.entry_x),
                "entry_y": float(dam.entry_y),
                "synthetic": "polygon; runoff parameters calibrated on October 2025 (demo)"
                + ("" if cid != "binh-dien" else "; area assumed"),
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=dams.crs)
