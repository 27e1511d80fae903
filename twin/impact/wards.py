"""Impact of a flood on wards: people exposed by depth and hazard, flooded area, arrival.

How people are spread over a ward
---------------------------------
A ward's ``population`` is shared out over its cells of the flood grid (cell centre inside the
ward polygon) in proportion to a weight of where people live
(:func:`twin.impact.people_weights`): the city's population raster when it has one, else 1 on
its built-up land cells, else 1 on its land cells, never on permanent water (sea, lagoon,
river). A ward with no weight at all spreads its people over all its cells (the layers checker
reports such a ward as a problem, so a checked city never gets there); a ward smaller than one
cell puts everybody in the cell under its representative point. A count is the sum of people
over the cells that pass a test.

Thresholds
----------
- depth classes use the maximum depth over the run: more than 0.1, 0.5, 1 and 2 m (cumulative:
  a person in 1.5 m of water counts in the first three);
- hazard classes use the Defra FD2321 rating ``d*(v+0.5)+DF`` (:mod:`hydro.hazard`) at each
  output time, and a cell's class is the highest over the run; the three counts are exclusive
  (each person in exactly one class, class 0 "low" not reported);
- a cell is *flooded* when its maximum depth passes :data:`FLOODED_DEPTH_M` (0.1 m).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from hydro.hazard import LandUse, hazard_class, hazard_rating
from twin._errors import TwinError
from twin.impact._grid import (
    arrival_seconds,
    cell_index,
    cell_size_m,
    rasterize_index,
    to_timestamp,
)

__all__ = [
    "DEPTH_CLASSES_M",
    "FLOODED_DEPTH_M",
    "max_hazard_class",
    "people_per_cell",
    "ward_impact",
]

#: Depth thresholds (m) of the people-exposed classes (strictly more than).
DEPTH_CLASSES_M: tuple[float, ...] = (0.1, 0.5, 1.0, 2.0)
#: A cell is flooded when its maximum depth is more than this (m).
FLOODED_DEPTH_M = 0.1

_HAZARD_COLUMNS = {1: "people_hazard_some", 2: "people_hazard_most", 3: "people_hazard_all"}


def depth_column(threshold_m: float) -> str:
    """Column name of a depth class, e.g. ``people_depth_gt_0_5m``."""
    return "people_depth_gt_" + f"{threshold_m:g}".replace(".", "_") + "m"


def people_per_cell(
    wards: gpd.GeoDataFrame,
    result: xr.Dataset,
    *,
    built_up: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """People in each cell of the flood grid and the ward row each cell belongs to.

    Parameters
    ----------
    wards
        Ward polygons with a ``population`` column, in the grid's CRS.
    result
        Anything with the flood grid's ``x``/``y`` cell-centre coordinates (m).
    built_up
        (y, x) weights of where people live on the same grid: a boolean grid of built-up
        cells (uniform over them), or floats such as :func:`twin.impact.people_weights`
        (people in proportion); None: every cell counts the same.

    Returns
    -------
    people, ward_row
        Float (y, x) people per cell (summing to the total population) and the int32 (y, x)
        ward row of each cell (-1 outside every ward).

    Examples
    --------
    >>> import geopandas as gpd, numpy as np, xarray as xr
    >>> from shapely.geometry import box
    >>> grid = xr.Dataset(coords={"x": [5.0, 15.0, 25.0], "y": [15.0, 5.0]})
    >>> wards = gpd.GeoDataFrame({"population": [60]}, geometry=[box(0, 0, 30, 20)])
    >>> people, _ = people_per_cell(wards, grid, built_up=[[1, 1, 0], [0, 0, 0]])
    >>> people.tolist()
    [[30.0, 30.0, 0.0], [0.0, 0.0, 0.0]]
    """
    if "population" not in wards.columns:
        raise TwinError("wards need a 'population' column to count people exposed")
    ward_row = rasterize_index(wards, result)
    shape = ward_row.shape
    weight = None
    if built_up is not None:
        weight = np.nan_to_num(np.asarray(built_up, dtype=float)).clip(min=0.0)
        if weight.shape != shape:
            raise TwinError(f"built_up grid has shape {weight.shape}; the flood grid is {shape}")
    people = np.zeros(shape, dtype=float)
    pop = pd.to_numeric(wards["population"], errors="coerce").fillna(0).to_numpy(dtype=float)
    for i in range(len(wards)):
        cells = ward_row == i
        if weight is not None:
            w = np.where(cells, weight, 0.0)
            total = w.sum()
            if total > 0:
                people += pop[i] * w / total
                continue
        n = int(cells.sum())
        if n == 0:
            geom = wards.geometry.iloc[i]
            if geom is None or geom.is_empty:
                continue
            pt = geom.representative_point()
            r, c, ok = cell_index(result, [pt.x], [pt.y])
            if ok[0]:
                people[r[0], c[0]] += pop[i]
            continue
        people[cells] += pop[i] / n
    return people, ward_row


def max_hazard_class(result: xr.Dataset, *, land_use: LandUse = "urban") -> npt.NDArray[np.int8]:
    """Highest hazard class (0-3) of each cell over the output times of ``result``."""
    out = np.zeros((result.sizes["y"], result.sizes["x"]), dtype=np.int8)
    depth = result["depth"]
    speed = result["speed"]
    for k in range(result.sizes["time"]):
        d = np.nan_to_num(np.asarray(depth.isel(time=k).values, dtype=float))
        v = np.nan_to_num(np.asarray(speed.isel(time=k).values, dtype=float))
        np.maximum(out, hazard_class(hazard_rating(d, v, land_use=land_use)), out=out)
    return out


def ward_impact(
    result: xr.Dataset,
    wards: gpd.GeoDataFrame,
    *,
    built_up: npt.ArrayLike | None = None,
    start: pd.Timestamp | None = None,
    land_use: LandUse = "urban",
) -> gpd.GeoDataFrame:
    """People exposed, flooded area, maximum depth and earliest arrival for each ward.

    Parameters
    ----------
    result
        Flood result with ``depth``, ``speed`` (time, y, x), ``max_depth`` and
        ``arrival_time`` (y, x) on x/y cell-centre coordinates (m).
    wards
        Ward polygons (``ward_id``, ``name``, ``population``) in the result's CRS.
    built_up
        Boolean (y, x) grid of built-up cells; people are spread over them (module notes).
    start
        Start of the run (tz-aware), to give arrival times as ISO UTC strings as well.
    land_use
        Dominant land use for the hazard rating's debris factor.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ward, geometry kept, with ``people_depth_gt_0_1m`` ... ``_2m``,
        ``people_hazard_some``/``_most``/``_all``, ``hazard_class_max``, ``flooded_area_km2``,
        ``max_depth_m``, ``arrival_s`` (seconds after the start, NaN if dry) and
        ``arrival_time`` (ISO UTC or None). People are rounded to whole persons.
    """
    people, ward_row = people_per_cell(wards, result, built_up=built_up)
    max_depth = np.nan_to_num(np.asarray(result["max_depth"].values, dtype=float))
    arrival = arrival_seconds(result, start)
    hazard = max_hazard_class(result, land_use=land_use)
    dx, dy = cell_size_m(result)
    cell_km2 = dx * dy / 1e6

    rows = []
    for i in range(len(wards)):
        cells = ward_row == i
        rec: dict[str, object] = {}
        for thr in DEPTH_CLASSES_M:
            rec[depth_column(thr)] = float(people[cells & (max_depth > thr)].sum())
        for cls, col in _HAZARD_COLUMNS.items():
            rec[col] = float(people[cells & (hazard == cls)].sum())
        rec["hazard_class_max"] = int(hazard[cells].max()) if cells.any() else 0
        rec["flooded_area_km2"] = float((cells & (max_depth > FLOODED_DEPTH_M)).sum() * cell_km2)
        rec["max_depth_m"] = float(max_depth[cells].max()) if cells.any() else 0.0
        arr = arrival[cells]
        arr = arr[np.isfinite(arr)]
        rec["arrival_s"] = float(arr.min()) if arr.size else float("nan")
        rec["arrival_time"] = to_timestamp(start, rec["arrival_s"])  # type: ignore[arg-type]
        rows.append(rec)
    table = pd.DataFrame(rows, index=wards.index)
    people_cols = [depth_column(t) for t in DEPTH_CLASSES_M] + list(_HAZARD_COLUMNS.values())
    table[people_cols] = table[people_cols].round().astype("int64")
    keep = [c for c in ("ward_id", "name", "name_ascii", "population") if c in wards.columns]
    out = pd.concat([wards[keep], table], axis=1)
    return gpd.GeoDataFrame(out, geometry=wards.geometry, crs=wards.crs)
