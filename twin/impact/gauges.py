"""Modelled river levels at the gauges, against their alarm levels (BĐ1-BĐ3).

Which cell is the gauge
-----------------------
A gauge stands on a bank; the cell under its point may be dry land. The modelled level is read
from the *wettest* cell (largest maximum depth over the run) within :data:`GAUGE_SEARCH_M` (or
1.5 cells, whichever is larger) of the gauge, which on a river is the channel next to it. Where
that cell has less than 0.01 m of water the level is unknown (NaN).

Datum
-----
The level is the water-surface elevation minus the gauge zero: ``level_m = wse - datum_m``.
Vietnam's published gauge readings (Kim Long, Phú Ốc) are metres above the national height
datum (Hòn Dấu, mean sea level), the same datum as the demo DEM's heights, so the gauge zero is
0 m unless the gauges layer carries a ``datum_m`` column. With it the modelled levels compare
directly with the published alarm levels (Kim Long BĐ1 1.0, BĐ2 2.0, BĐ3 3.5 m).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import xarray as xr

from twin.impact._grid import cell_size_m, elapsed_seconds, to_timestamp

__all__ = ["GAUGE_SEARCH_M", "GAUGE_ZERO_M", "gauge_levels", "gauge_summary"]

#: Radius (m) searched around a gauge for its river cell.
GAUGE_SEARCH_M = 100.0
#: Default gauge zero (m above the DEM datum).
GAUGE_ZERO_M = 0.0
_WET_M = 0.01
_ALARMS = ("alarm1_m", "alarm2_m", "alarm3_m")


def _gauge_cell(result: xr.Dataset, x: float, y: float) -> tuple[int, int] | None:
    xs = np.asarray(result["x"], dtype=float)
    ys = np.asarray(result["y"], dtype=float)
    dx, dy = cell_size_m(result)
    radius = max(GAUGE_SEARCH_M, 1.5 * max(dx, dy))
    cols = np.flatnonzero(np.abs(xs - x) <= radius)
    rows = np.flatnonzero(np.abs(ys - y) <= radius)
    if cols.size == 0 or rows.size == 0:
        return None
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    near = (xs[cc] - x) ** 2 + (ys[rr] - y) ** 2 <= radius**2
    if not near.any():
        return None
    md = np.nan_to_num(np.asarray(result["max_depth"].values, dtype=float))[rr, cc]
    md = np.where(near, md, -1.0)
    k = np.unravel_index(int(np.argmax(md)), md.shape)
    return int(rr[k]), int(cc[k])


def gauge_levels(
    result: xr.Dataset,
    gauges: gpd.GeoDataFrame,
    *,
    start: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Modelled level at each river gauge at each output time, with its alarm levels.

    Parameters
    ----------
    result
        Flood result with ``wse`` and ``depth`` over (time, y, x) and ``max_depth``.
    gauges
        Gauge points (``gauge_id``, ``name``, ``kind``, ``alarm1_m`` ... ``alarm3_m``, optional
        ``datum_m``). Rain gauges (``kind == "rain"``) and gauges off the grid are left out.
    start
        Start of the run (tz-aware), for the ``time`` column.

    Returns
    -------
    pandas.DataFrame
        Long table: ``gauge_id``, ``name``, ``time`` (ISO UTC or None), ``elapsed_s``,
        ``level_m``, ``alarm1_m``, ``alarm2_m``, ``alarm3_m``, ``alarm_reached`` (0-3).
    """
    t_s = elapsed_seconds(result, start)
    wse = result["wse"]
    depth = result["depth"]
    frames = []
    for _, g in gauges.iterrows():
        if str(g.get("kind", "river")) == "rain" or g.geometry is None:
            continue
        cell = _gauge_cell(result, g.geometry.x, g.geometry.y)
        if cell is None:
            continue
        r, c = cell
        datum = float(g.get("datum_m", GAUGE_ZERO_M))
        datum = GAUGE_ZERO_M if not np.isfinite(datum) else datum
        w = np.asarray(wse.isel(y=r, x=c).values, dtype=float)
        d = np.asarray(depth.isel(y=r, x=c).values, dtype=float)
        level = np.where(d >= _WET_M, w - datum, np.nan)
        alarms = [float(g.get(a, np.nan)) for a in _ALARMS]
        reached = np.zeros(level.size, dtype=np.int64)
        for k, a in enumerate(alarms, start=1):
            reached = np.where(np.isfinite(a) & (level >= a), k, reached)
        frames.append(
            pd.DataFrame(
                {
                    "gauge_id": g["gauge_id"],
                    "name": g.get("name", g["gauge_id"]),
                    "time": [to_timestamp(start, s) for s in t_s],
                    "elapsed_s": t_s,
                    "level_m": level,
                    "alarm1_m": alarms[0],
                    "alarm2_m": alarms[1],
                    "alarm3_m": alarms[2],
                    "alarm_reached": reached,
                }
            )
        )
    if not frames:
        cols = ["gauge_id", "name", "time", "elapsed_s", "level_m", *_ALARMS, "alarm_reached"]
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)


def gauge_summary(levels: pd.DataFrame) -> pd.DataFrame:
    """Peak level of each gauge and the first time each alarm level is passed.

    Returns
    -------
    pandas.DataFrame
        ``gauge_id``, ``name``, ``peak_level_m``, ``peak_s``, ``alarm_reached`` and
        ``passed_bd1_s``/``passed_bd2_s``/``passed_bd3_s`` (NaN if never).

    Examples
    --------
    >>> import pandas as pd
    >>> lv = pd.DataFrame({"gauge_id": "KL", "name": "Kim Long", "elapsed_s": [0.0, 600, 1200],
    ...     "level_m": [0.5, 2.2, 1.5], "alarm1_m": 1.0, "alarm2_m": 2.0, "alarm3_m": 3.5,
    ...     "alarm_reached": [0, 2, 1]})
    >>> gauge_summary(lv)[["peak_level_m", "passed_bd1_s", "passed_bd2_s"]].iloc[0].tolist()
    [2.2, 600.0, 600.0]
    """
    rows = []
    for gid, g in levels.groupby("gauge_id", sort=True):
        lv = g["level_m"].to_numpy(dtype=float)
        t = g["elapsed_s"].to_numpy(dtype=float)
        has = np.isfinite(lv).any()
        k = int(np.nanargmax(lv)) if has else 0
        rec = {
            "gauge_id": gid,
            "name": g["name"].iloc[0],
            "peak_level_m": float(lv[k]) if has else np.nan,
            "peak_s": float(t[k]) if has else np.nan,
            "alarm_reached": int(g["alarm_reached"].max()),
        }
        for i, col in enumerate(_ALARMS, start=1):
            a = float(g[col].iloc[0])
            hit = np.flatnonzero(np.isfinite(lv) & (lv >= a)) if np.isfinite(a) else np.array([])
            rec[f"passed_bd{i}_s"] = float(t[hit[0]]) if hit.size else np.nan
        rows.append(rec)
    return pd.DataFrame(rows)
