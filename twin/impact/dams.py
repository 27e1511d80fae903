"""Reservoir levels and releases of a run, against each dam's normal water level."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["dam_summary"]


def dam_summary(dams: gpd.GeoDataFrame, operations: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Peak reservoir level against the normal level, and the release, for each dam.

    Parameters
    ----------
    dams
        The dams layer (``dam_id``, ``name``, ``normal_level_m``).
    operations
        ``{dam_id: table}`` with ``elapsed_s``, ``release_m3s`` and, where the level is known
        (level-pool routing, dam sensors), ``level_m``.

    Returns
    -------
    pandas.DataFrame
        ``dam_id``, ``name``, ``normal_level_m``, ``peak_level_m``, ``above_normal_m``
        (positive: above the normal level; NaN if the level is not known), ``peak_release_m3s``
        and ``release_volume_m3`` (trapezoid rule) for the dams that were operated.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> dams = gpd.GeoDataFrame({"dam_id": ["TT"], "name": ["Tả Trạch"], "normal_level_m": [45.0]})
    >>> ops = {"TT": pd.DataFrame({"elapsed_s": [0.0, 3600.0], "release_m3s": [100.0, 300.0],
    ...                            "level_m": [45.0, 46.5]})}
    >>> dam_summary(dams, ops)[["above_normal_m", "release_volume_m3"]].iloc[0].tolist()
    [1.5, 720000.0]
    """
    rows = []
    for _, d in dams.iterrows():
        op = operations.get(str(d["dam_id"]))
        if op is None or op.empty:
            continue
        t = op["elapsed_s"].to_numpy(dtype=float)
        q = op["release_m3s"].to_numpy(dtype=float)
        level = op["level_m"].to_numpy(dtype=float) if "level_m" in op else np.full(t.size, np.nan)
        normal = float(d.get("normal_level_m", np.nan))
        peak = float(np.nanmax(level)) if np.isfinite(level).any() else np.nan
        rows.append(
            {
                "dam_id": str(d["dam_id"]),
                "name": d.get("name", d["dam_id"]),
                "normal_level_m": normal,
                "peak_level_m": peak,
                "above_normal_m": peak - normal,
                "peak_release_m3s": float(np.nanmax(q)) if q.size else np.nan,
                "release_volume_m3": float(np.trapezoid(q, t)) if q.size > 1 else 0.0,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "dam_id",
            "name",
            "normal_level_m",
            "peak_level_m",
            "above_normal_m",
            "peak_release_m3s",
            "release_volume_m3",
        ],
    )
