"""Impact of a flood on street lights: poles in water, circuits to switch off, broken lights.

A light *stands in water* when the maximum depth in the cell under its pole passes
:data:`LIGHT_WATER_DEPTH_M` (0.1 m: water over the base of the pole and its junction box is an
electrical danger to people wading by). Every circuit with at least one light in water is to be
switched off, from the first output time one of its lights is in water. A *flooded street* is a
road segment whose maximum depth passes the same 0.1 m; broken lights on flooded streets leave
people in dark water and go first on the repair list.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from twin.impact._grid import cell_index, elapsed_seconds, to_timestamp

__all__ = ["LIGHT_WATER_DEPTH_M", "circuits_to_switch_off", "light_impact"]

#: Depth at the pole (m) from which a light counts as standing in water.
LIGHT_WATER_DEPTH_M = 0.1


def light_impact(
    result: xr.Dataset,
    lights: gpd.GeoDataFrame,
    *,
    roads_impact: pd.DataFrame | None = None,
    start: pd.Timestamp | None = None,
) -> gpd.GeoDataFrame:
    """Depth at each light, whether it stands in water and since when.

    Parameters
    ----------
    result
        Flood result (``depth`` over time, ``max_depth``) on x/y cell centres (m).
    lights
        Light points (``light_id``, ``road_id``, ``circuit_id``, ``status``).
    roads_impact
        Output of :func:`twin.impact.road_impact`, to mark broken lights on flooded streets.
    start
        Start of the run (tz-aware), for ISO times next to the seconds.

    Returns
    -------
    geopandas.GeoDataFrame
        The light columns plus ``max_depth_m``, ``in_water`` (bool), ``in_water_from_s``,
        ``in_water_from`` (ISO UTC or None) and ``broken_in_flooded_street`` (bool).
    """
    t_s = elapsed_seconds(result, start)
    xs = lights.geometry.x.to_numpy()
    ys = lights.geometry.y.to_numpy()
    r, c, ok = cell_index(result, xs, ys)
    max_depth = np.nan_to_num(np.asarray(result["max_depth"].values, dtype=float))
    depth = np.nan_to_num(np.asarray(result["depth"].values, dtype=float))
    at_pole = np.where(ok, max_depth[r, c], np.nan)
    series = depth[:, r, c]
    wet = series > LIGHT_WATER_DEPTH_M
    first = np.where(wet.any(axis=0), t_s[np.argmax(wet, axis=0)], np.nan)
    in_water = ok & (at_pole > LIGHT_WATER_DEPTH_M)
    first = np.where(ok & wet.any(axis=0), first, np.nan)
    out = lights.copy()
    out["max_depth_m"] = at_pole
    out["in_water"] = in_water
    out["in_water_from_s"] = first
    out["in_water_from"] = [to_timestamp(start, s) for s in first]
    broken = np.zeros(len(lights), dtype=bool)
    if roads_impact is not None and "status" in lights.columns and "road_id" in lights.columns:
        flooded_roads = set(
            roads_impact.loc[roads_impact["max_depth_m"] > LIGHT_WATER_DEPTH_M, "road_id"]
        )
        broken = (
            (lights["status"].astype(str) == "broken") & lights["road_id"].isin(flooded_roads)
        ).to_numpy()
    out["broken_in_flooded_street"] = broken
    return out


def circuits_to_switch_off(lights_impact: pd.DataFrame) -> pd.DataFrame:
    """Circuits with at least one light in water, the earliest first.

    Returns
    -------
    pandas.DataFrame
        ``circuit_id``, ``lights_in_water``, ``lights_total``, ``switch_off_from_s``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"circuit_id": ["C1", "C1", "C2"], "in_water": [True, False, False],
    ...                   "in_water_from_s": [600.0, float("nan"), float("nan")]})
    >>> circuits_to_switch_off(t).to_dict("records")
    [{'circuit_id': 'C1', 'lights_in_water': 1, 'lights_total': 2, 'switch_off_from_s': 600.0}]
    """
    g = lights_impact.groupby("circuit_id", sort=True)
    table = pd.DataFrame(
        {
            "lights_in_water": g["in_water"].sum().astype("int64"),
            "lights_total": g.size().astype("int64"),
            "switch_off_from_s": g["in_water_from_s"].min(),
        }
    ).reset_index()
    table = table[table["lights_in_water"] > 0]
    return table.sort_values(["switch_off_from_s", "circuit_id"]).reset_index(drop=True)
