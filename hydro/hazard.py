"""Flood hazard to people: the Defra / Environment Agency hazard rating (FD2320/FD2321).

``HR = d * (v + 0.5) + DF`` with depth ``d`` in metres, speed ``v`` in m/s and the debris
factor ``DF`` from depth, speed and the dominant land use (FD2321 guidance, table 3.1):

============================  =================  ========  =====
depth                          pasture / arable   woodland  urban
============================  =================  ========  =====
0 < d <= 0.25 m                0                  0         0
0.25 < d <= 0.75 m             0                  0.5       1
d > 0.75 m or v > 2 m/s        0.5                1         1
============================  =================  ========  =====

Classes: HR < 0.75 low; 0.75 <= HR < 1.25 danger for some (children, the elderly);
1.25 <= HR <= 2.0 danger for most; HR > 2.0 danger for all. Dry cells (depth 0) rate 0.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import numpy as np
import xarray as xr

from hydro._errors import HydroError

__all__ = [
    "HAZARD_CLASS_NAMES",
    "HAZARD_CLASS_THRESHOLDS",
    "debris_factor",
    "hazard_class",
    "hazard_rating",
]

ArrayT = TypeVar("ArrayT", np.ndarray, xr.DataArray)
LandUse = Literal["pasture", "woodland", "urban"]

#: Lower bounds of the classes "danger for some", "danger for most", "danger for all".
HAZARD_CLASS_THRESHOLDS: tuple[float, float, float] = (0.75, 1.25, 2.0)
#: Class code -> name; code 0 is "low" (this includes dry ground).
HAZARD_CLASS_NAMES: dict[int, str] = {
    0: "low",
    1: "danger for some",
    2: "danger for most",
    3: "danger for all",
}
_DF_TABLE: dict[str, tuple[float, float, float]] = {
    # (0-0.25 m, 0.25-0.75 m, >0.75 m or v>2 m/s)
    "pasture": (0.0, 0.0, 0.5),
    "woodland": (0.0, 0.5, 1.0),
    "urban": (0.0, 1.0, 1.0),
}


def debris_factor(depth_m: ArrayT, speed_ms: ArrayT, *, land_use: LandUse = "urban") -> ArrayT:
    """Debris factor DF of FD2321 for each cell.

    Parameters
    ----------
    depth_m, speed_ms
        Water depth (m) and depth-averaged speed (m/s), same shape.
    land_use
        Dominant land use: ``"pasture"``, ``"woodland"`` or ``"urban"``.

    Returns
    -------
    Same type and shape as ``depth_m``; 0 where dry.
    """
    if land_use not in _DF_TABLE:
        raise HydroError(f"land_use must be one of {sorted(_DF_TABLE)}, got {land_use!r}")
    shallow, middle, deep = _DF_TABLE[land_use]
    d = np.asarray(depth_m, dtype=float)
    v = np.asarray(speed_ms, dtype=float)
    df = np.where(d > 0.25, middle, shallow)
    df = np.where((d > 0.75) | ((v > 2.0) & (d > 0.0)), deep, df)
    df = np.where(d > 0.0, df, 0.0)
    return _like(depth_m, df)


def hazard_rating(depth_m: ArrayT, speed_ms: ArrayT, *, land_use: LandUse = "urban") -> ArrayT:
    """Hazard rating ``HR = d*(v + 0.5) + DF`` (dimensionless).

    Examples
    --------
    >>> import numpy as np
    >>> hazard_rating(np.array([0.0, 0.2, 0.5, 1.0]), np.array([0.0, 0.5, 1.0, 1.0]))
    array([0.  , 0.2 , 1.75, 2.5 ])
    """
    d = np.asarray(depth_m, dtype=float)
    v = np.asarray(speed_ms, dtype=float)
    if d.shape != v.shape:
        raise HydroError(f"depth and speed must have the same shape, got {d.shape} and {v.shape}")
    hr = d * (v + 0.5) + np.asarray(debris_factor(d, v, land_use=land_use))
    out = _like(depth_m, hr)
    if isinstance(out, xr.DataArray):
        out.name = "hazard_rating"
        out.attrs = {"units": "1", "long_name": "flood hazard rating d*(v+0.5)+DF (Defra FD2321)"}
    return out


def hazard_class(rating: ArrayT) -> ArrayT:
    """Class code of a hazard rating: 0 low, 1 danger for some, 2 for most, 3 for all.

    NaN ratings give class 0.

    Examples
    --------
    >>> import numpy as np
    >>> hazard_class(np.array([0.5, 0.75, 1.25, 2.0, 2.01]))
    array([0, 1, 2, 2, 3], dtype=int8)
    """
    hr = np.nan_to_num(np.asarray(rating, dtype=float), nan=0.0)
    some, most, all_ = HAZARD_CLASS_THRESHOLDS
    cls = np.select([hr > all_, hr >= most, hr >= some], [3, 2, 1], default=0).astype(np.int8)
    out = _like(rating, cls)
    if isinstance(out, xr.DataArray):
        out.name = "hazard_class"
        out.attrs = {
            "units": "1",
            "long_name": "flood hazard class (Defra FD2321)",
            "flag_values": np.array(list(HAZARD_CLASS_NAMES), dtype=np.int8),
            "flag_meanings": " ".join(n.replace(" ", "_") for n in HAZARD_CLASS_NAMES.values()),
        }
    return out


def _like(template: ArrayT, values: np.ndarray) -> ArrayT:
    if isinstance(template, xr.DataArray):
        return template.copy(data=values)
    return values
