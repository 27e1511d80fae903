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

__all__ = ["BUILT_UP_CLASSES", "Impact", "assess_impact", "built_up_grid", "people_weights"]

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


def _water_grid(city: Any, result: xr.Dataset) -> npt.NDArray[np.bool_]:
    """Permanent water on the flood grid: land-use ``water``, else ground at or below 0 m."""
    landuse = getattr(city, "landuse", None)
    if landuse is not None:
        values = np.asarray(landuse.sel(x=result["x"], y=result["y"], method="nearest").values)
        if values.dtype.kind in "OUS":
            return np.isin(values.astype(str), ["water"])
        meanings = str(landuse.attrs.get("flag_meanings", "")).split()
        flags = np.atleast_1d(landuse.attrs.get("flag_values", []))
        if not meanings:
            from layers.grids import LANDUSE

            flags, meanings = np.array(list(LANDUSE.values())), list(LANDUSE)
        codes = [f for f, m in zip(flags, meanings, strict=False) if m.lower() == "water"]
        return np.isin(values, codes)
    dem = city.dem.sel(x=result["x"], y=result["y"], method="nearest").values
    return ~(np.asarray(dem, dtype=float) > 0.0)


def _flood_cell_of(fine: xr.DataArray, result: xr.Dataset) -> npt.NDArray[np.int64]:
    """Flat index of the flood cell holding each cell centre of ``fine`` (-1: outside)."""
    xs = np.asarray(result["x"], dtype=float)
    ys = np.asarray(result["y"], dtype=float)
    dx = float(xs[1] - xs[0]) if xs.size > 1 else 1.0
    dy = float(ys[0] - ys[1]) if ys.size > 1 else 1.0
    col = np.floor((np.asarray(fine["x"], dtype=float) - (xs[0] - dx / 2)) / dx).astype(int)
    row = np.floor(((ys[0] + dy / 2) - np.asarray(fine["y"], dtype=float)) / dy).astype(int)
    ok = (row[:, None] >= 0) & (row[:, None] < ys.size) & (col[None, :] >= 0)
    ok &= col[None, :] < xs.size
    return np.where(ok, row[:, None] * xs.size + col[None, :], -1)


def people_weights(city: Any, result: xr.Dataset) -> npt.NDArray[np.float64]:
    """Where people live on the flood grid: weights for :func:`twin.impact.people_per_cell`.

    The city's grids are counted into the flood cells that hold their cell centres. A flood
    cell is habitable when most of it is land, not permanent water (land-use ``water``;
    without land use, ground at or below 0 m): a coarse cell on a shore is under the sea's
    level even where its land part is not. For each ward, the first of these that gives it
    any weight: the ``population`` raster (people in the cell), its built-up land (area),
    its land (area). A ward left with no weight (all water: the layers checker reports it)
    is left to the fallback of :func:`~twin.impact.people_per_cell`.

    Parameters
    ----------
    city
        A :class:`layers.City`.
    result
        Anything on the flood grid (``x``/``y`` cell centres in the city's CRS).

    Returns
    -------
    numpy.ndarray
        Float (y, x) weights, 0 where nobody lives.
    """
    from twin.impact._grid import rasterize_index

    fine = city.dem
    shape = (len(result["y"]), len(result["x"]))
    size = shape[0] * shape[1]
    index = _flood_cell_of(fine, result)
    inside = index >= 0
    land_f = ~_water_grid(city, fine.to_dataset(name="z"))
    built_f = built_up_grid(city, fine.to_dataset(name="z"))

    def count(mask: npt.NDArray[np.bool_] | None, weights: Any = None) -> npt.NDArray[Any]:
        pick = inside if mask is None else inside & mask
        w = None if weights is None else np.asarray(weights, dtype=float)[pick]
        return np.bincount(index[pick], weights=w, minlength=size).reshape(shape)

    total = count(None)
    land = count(land_f)
    habitable = (total > 0) & (2 * land > total)
    built = count(land_f & built_f) * habitable if built_f is not None else None
    density = None
    population = getattr(city, "population", None)
    if population is not None:
        people = np.nan_to_num(np.asarray(population.values, dtype=float)).clip(0)
        density = count(land_f, people) * habitable
    land = land * habitable
    ward_row = rasterize_index(city.wards, result)
    weights = np.zeros(shape, dtype=float)
    for i in range(len(city.wards)):
        cells = ward_row == i
        for candidate in (density, built, land):
            if candidate is not None and candidate[cells].sum() > 0:
                weights[cells] = candidate[cells]
                break
    return weights


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
    wards = ward_impact(result, city.wards, built_up=people_weights(city, result), start=start)
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
