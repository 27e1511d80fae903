"""The result Dataset of a run: snapshots, maxima, arrival times, CF attributes, CRS."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

if TYPE_CHECKING:
    from hydro.model import FloodModel

__all__ = ["COORD_ATTRS", "VARIABLE_ATTRS", "build_result"]

#: CF attributes of each result variable. "flood_water_thickness" and "flood_water_speed" are
#: CF standard names for water over normally dry land; the water-surface elevation is
#: "water_surface_height_above_reference_datum" (the datum is the elevation's).
VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    "depth": {
        "units": "m",
        "long_name": "water depth",
        "standard_name": "flood_water_thickness",
    },
    "wse": {
        "units": "m",
        "long_name": "water surface elevation (the bed where dry)",
        "standard_name": "water_surface_height_above_reference_datum",
    },
    "speed": {
        "units": "m s-1",
        "long_name": "depth-averaged flow speed (0 where shallower than speed_depth_m)",
        "standard_name": "flood_water_speed",
        "comment": "the cell's two x and two y face velocities (flux / flow depth of the face, "
        "as LISFLOOD-FP) averaged to the centre, over the step that ends at the snapshot",
    },
    "max_depth": {
        "units": "m",
        "long_name": "maximum water depth",
        "standard_name": "flood_water_thickness",
        "cell_methods": "time: maximum",
    },
    "max_speed": {
        "units": "m s-1",
        "long_name": "maximum depth-averaged flow speed",
        "standard_name": "flood_water_speed",
        "cell_methods": "time: maximum",
    },
    "arrival_time": {
        "units": "s",
        "long_name": "time since model start when the depth first exceeded the arrival depth "
        "(NaN: never)",
        # in the CF standard-name table since version 33 (the flood-simulation names)
        "standard_name": "time_when_flood_water_rises_above_threshold",
    },
}

#: CF attributes given to the x / y coordinates where the elevation's lack them.
COORD_ATTRS: dict[str, dict[str, str]] = {
    "x": {
        "standard_name": "projection_x_coordinate",
        "long_name": "x coordinate of projection (cell centre)",
        "units": "m",
        "axis": "X",
    },
    "y": {
        "standard_name": "projection_y_coordinate",
        "long_name": "y coordinate of projection (cell centre)",
        "units": "m",
        "axis": "Y",
    },
}

_NO_FILL = {"_FillValue": None}  # CF: coordinate variables hold no missing values


def _utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _version() -> str:
    try:
        return metadata.version("hue-twin")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_result(
    model: FloodModel, out_times: np.ndarray, outputs: dict[str, np.ndarray], steps: int
) -> xr.Dataset:
    """Assemble the Dataset of one run from the model and its snapshot arrays."""
    elev = model._elevation
    coords: dict[str, object] = {}
    for name in ("y", "x"):
        coord = elev[name].copy()
        for key, value in COORD_ATTRS[name].items():
            coord.attrs.setdefault(key, value)
        coords[name] = coord
    if model._start is not None:
        times = model._start + (out_times * 1e9).round().astype("timedelta64[ns]")
        time = xr.DataArray(
            times, dims="time", attrs={"standard_name": "time", "long_name": "time", "axis": "T"}
        )
    else:
        time = xr.DataArray(
            out_times.astype(np.float64),
            dims="time",
            attrs={"units": "s", "long_name": "time elapsed since the model start"},
        )
    coords["time"] = time
    dims3 = ("time", "y", "x")
    arrival = model._arrival.astype(np.float64)
    arrival[~np.isfinite(arrival)] = np.nan
    data = {
        "depth": (dims3, outputs["depth"]),
        "wse": (dims3, outputs["wse"]),
        "speed": (dims3, outputs["speed"]),
        "max_depth": (("y", "x"), model._max_h.copy()),
        "max_speed": (("y", "x"), model._max_v.copy()),
        "arrival_time": (("y", "x"), arrival),
    }
    ds = xr.Dataset(data, coords=coords)
    for name, attrs in VARIABLE_ATTRS.items():
        ds[name].attrs.update(attrs)
    datum = elev.attrs.get("vertical_datum") or elev.attrs.get("datum")
    ds["wse"].attrs["vertical_datum"] = str(datum) if datum else "that of the input elevation"
    ds["arrival_time"].attrs["comment"] = (
        f"threshold: flood_water_thickness {model.arrival_depth:g} m (attribute arrival_depth_m)"
    )
    balance = model.volume_balance
    ds.attrs.update(
        {
            "title": "hydro.FloodModel run",
            "Conventions": "CF-1.10",
            # CF 2.6.2: the audit trail, one line per program that made or changed the file
            "history": f"{_utc_now()} hydro.FloodModel.run (hue-twin {_version()})",
            "scheme": "local inertial (Bates et al. 2010; de Almeida et al. 2012)",
            "theta": model.theta,
            "alpha": model.alpha,
            "courant": model.courant,
            "friction": model.friction,
            "flow_depth_m": model.flow_depth,
            "arrival_depth_m": model.arrival_depth,
            "speed_depth_m": model.speed_depth,
            "max_dt_s": model.max_dt,
            "gravity_m_s2": 9.81,
            "dtype": str(model.dtype),
            "dx_m": model.grid.dx,
            "steps": int(steps),
            "total_steps": int(model._steps),
        }
    )
    if model._start is not None:
        ds.attrs["start"] = str(model._start)
        ds["arrival_time"].attrs["long_name"] += f" ({model._start})"
    ds.attrs.update({k: float(v) for k, v in balance.items()})
    crs = elev.rio.crs
    if crs is not None:
        ds = ds.rio.write_crs(crs)
    for name in ("x", "y", "time"):
        ds[name].encoding.update(_NO_FILL)
    return ds
