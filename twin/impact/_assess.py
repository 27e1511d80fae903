"""All impact tables of one flood result over one city, in one call."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from twin.impact._grid import to_timestamp
from twin.impact.dams import dam_summary
from twin.impact.gauges import gauge_levels, gauge_summary
from twin.impact.lights import circuits_to_switch_off, light_impact
from twin.impact.roads import cut_off_wards, road_impact
from twin.impact.wards import ward_impact

if TYPE_CHECKING:
    from layers import City

__all__ = ["BUILT_UP_CLASSES", "Impact", "assess_impact", "built_up_grid"]

#: Land-use names counted as built-up (where people live).
BUILT_UP_CLASSES = frozenset({"urban", "built", "built-up", "built_up", "residential"})


@dataclass
class Impact:
    """Every impact table of a run (see :func:`assess_impact`)."""

    wards: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    lights: gpd.GeoDataFrame
    circuits: pd.DataFrame
    gauges: pd.DataFrame
    gauge_summary: pd.DataFrame
    dams: pd.DataFrame
    totals: dict[str, Any] = field(default_factory=dict)


def built_up_grid(city: City, result: xr.Dataset) -> npt.NDArray[np.bool_] | None:
    """Built-up cells of the city's land-use grid on the flood grid (nearest cell), or None.

    A string land-use grid is built-up where its value is one of :data:`BUILT_UP_CLASSES`; an
    integer grid uses its ``flag_values``/``flag_meanings`` attributes to find those names, or
    else the codes of :data:`layers.grids.LANDUSE` (``urban`` = 2).
    """
    landuse = getattr(city, "landuse", None)
    if landuse is None:
        return None
    lu = landuse.sel(x=result["x"], y=result["y"], method="nearest")
    values = np.asarray(lu.values)
    if values.dtype.kind in "OUS":
        return np.isin(values.astype(str), list(BUILT_UP_CLASSES))
    meanings = str(landuse.attrs.get("flag_meanings", "")).split()
    flags = np.atleast_1d(landuse.attrs.get("flag_values", []))
    if not meanings:
        from layers.grids import LANDUSE

        flags, meanings = np.array(list(LANDUSE.values())), list(LANDUSE)
    codes = [f for f, m in zip(flags, meanings, strict=False) if m.lower() in BUILT_UP_CLASSES]
    if not codes:
        return None
    return np.isin(values, codes)


def assess_impact(
    city: City,
    result: xr.Dataset,
    *,
    start: pd.Timestamp | None = None,
    dam_operations: Mapping[str, pd.DataFrame] | None = None,
) -> Impact:
    """Impact of ``result`` on the city's wards, roads, lights, gauges and dams.

    Parameters
    ----------
    city
        A :class:`layers.City` (wards, roads, lights, gauges, dams, stations, shelters).
    result
        The flood result, on the city's CRS (any resolution).
    start
        Start of the run (tz-aware), for ISO times.
    dam_operations
        ``{dam_id: table}`` of the dams operated (see :func:`twin.impact.dam_summary`).

    Returns
    -------
    Impact
        With ``totals``: wards, population, people in > 0.1/0.5/1/2 m, people per hazard
        class, flooded area, roads cut per vehicle, wards cut off (ids), lights in water,
        broken lights in flooded streets, number of circuits to switch off.
    """
    wards = ward_impact(result, city.wards, built_up=built_up_grid(city, result), start=start)
    roads = road_impact(result, city.roads, start=start)
    targets = pd.concat([city.stations.geometry, city.shelters.geometry], ignore_index=True)
    for vehicle in ("car", "truck"):
        cut_off, reachable = cut_off_wards(roads, gpd.GeoSeries(targets), vehicle=vehicle)
        wards[f"cut_off_{vehicle}"] = [
            bool(cut_off.get(str(w), False)) for w in wards["ward_id"].astype(str)
        ]
        roads[f"reachable_{vehicle}"] = reachable
    lights = light_impact(result, city.lights, roads_impact=roads, start=start)
    circuits = circuits_to_switch_off(lights)
    levels = gauge_levels(result, city.gauges, start=start)
    summary = gauge_summary(levels)
    for col in ("peak_s", "passed_bd1_s", "passed_bd2_s", "passed_bd3_s"):
        if col in summary:
            summary[col.removesuffix("_s") + "_time"] = [
                to_timestamp(start, v) for v in summary[col]
            ]
    dams = dam_summary(city.dams, dam_operations or {})
    totals: dict[str, Any] = {
        "wards": len(wards),
        "population": int(wards["population"].sum()),
        "flooded_area_km2": float(wards["flooded_area_km2"].sum()),
        "max_depth_m": float(np.nan_to_num(result["max_depth"].max().item())),
        "roads_cut_car": int(roads["cut_car"].sum()),
        "roads_cut_truck": int(roads["cut_truck"].sum()),
        "wards_cut_off_car": sorted(wards.loc[wards["cut_off_car"], "ward_id"].astype(str)),
        "lights_in_water": int(lights["in_water"].sum()),
        "broken_lights_in_flooded_streets": int(lights["broken_in_flooded_street"].sum()),
        "circuits_to_switch_off": len(circuits),
    }
    for col in wards.columns:
        if col.startswith("people_"):
            totals[col] = int(wards[col].sum())
    return Impact(wards, roads, lights, circuits, levels, summary, dams, totals)
