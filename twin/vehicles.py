"""How fast each kind of vehicle can move through flood water.

Cars (and ambulances) follow the depth-disruption function of Pregnolato et al. (2017,
Transportation Research Part D 55, 67-81): the safe speed (km/h) at depth ``w`` (mm) is
``v = 0.0009 w^2 - 0.5529 w + 86.9448``, capped by the road's free speed and zero from
300 mm. Stated thresholds for the others (documented defaults, change them per team):

- rescue trucks (high clearance): the car curve stretched so that it reaches zero at 0.4 m,
  i.e. the speed at depth ``d`` is that of a car at ``d * 0.3/0.4``;
- boats: need at least 0.5 m of water; 12 km/h in still water, no travel where the current
  is over 3 m/s.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "BOAT_MAX_CURRENT_MS",
    "BOAT_MIN_DEPTH_M",
    "BOAT_SPEED_KMH",
    "CAR_MAX_DEPTH_M",
    "TRUCK_MAX_DEPTH_M",
    "Vehicle",
    "road_speed_kmh",
]

Vehicle = Literal["car", "ambulance", "truck", "boat"]

CAR_MAX_DEPTH_M = 0.3
TRUCK_MAX_DEPTH_M = 0.4
BOAT_MIN_DEPTH_M = 0.5
BOAT_SPEED_KMH = 12.0
BOAT_MAX_CURRENT_MS = 3.0


def _pregnolato_kmh(depth_m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    w = depth_m * 1000.0
    v = 0.0009 * w**2 - 0.5529 * w + 86.9448
    return np.where(depth_m >= CAR_MAX_DEPTH_M, 0.0, v)


def road_speed_kmh(
    vehicle: Vehicle,
    depth_m: npt.ArrayLike,
    free_speed_kmh: npt.ArrayLike,
    *,
    current_ms: npt.ArrayLike = 0.0,
) -> npt.NDArray[np.float64]:
    """Safe speed of ``vehicle`` on a road segment under ``depth_m`` of water.

    Parameters
    ----------
    vehicle
        ``"car"``, ``"ambulance"``, ``"truck"`` or ``"boat"``.
    depth_m
        Water depth on the segment (m); NaN is read as dry.
    free_speed_kmh
        Speed on the dry road (km/h); ignored for boats.
    current_ms
        Flow speed (m/s); only boats care.

    Returns
    -------
    numpy.ndarray
        Speed in km/h; 0 means impassable.

    Examples
    --------
    >>> road_speed_kmh("car", [0.0, 0.1, 0.3], 50.0).round(1).tolist()
    [50.0, 40.7, 0.0]
    >>> road_speed_kmh("boat", [0.2, 0.8], 50.0).tolist()
    [0.0, 12.0]
    """
    d = np.nan_to_num(np.asarray(depth_m, dtype=float), nan=0.0).clip(min=0.0)
    free = np.asarray(free_speed_kmh, dtype=float)
    if vehicle == "boat":
        cur = np.asarray(current_ms, dtype=float)
        ok = (d >= BOAT_MIN_DEPTH_M) & (np.nan_to_num(cur) <= BOAT_MAX_CURRENT_MS)
        return np.where(ok, BOAT_SPEED_KMH, 0.0) + np.zeros_like(free)
    if vehicle in ("car", "ambulance"):
        return np.minimum(free, _pregnolato_kmh(d))
    if vehicle == "truck":
        return np.minimum(free, _pregnolato_kmh(d * (CAR_MAX_DEPTH_M / TRUCK_MAX_DEPTH_M)))
    raise ValueError(f"unknown vehicle {vehicle!r}; use car, ambulance, truck or boat")
