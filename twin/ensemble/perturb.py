"""Apply a member's perturbations to the model forcing of the base scenario.

Working on the forcing (rather than on the scenario file) treats every kind of rain (design
storm, gauges, grid) and every dam mode (schedule, routing, sensors) the same way:

- ``rain_factor`` multiplies the rain rate everywhere and at every time, so the total too;
- ``rain_shift_h`` moves the rain in time: later (+) with no rain before it, or earlier (-)
  with the part before the start cut off;
- ``release_factor`` multiplies the discharge of every inflow that comes from a dam (the
  inflows named ``"dam ..."`` by :func:`twin._scenario_forcing.build_forcing`), not the river
  base flows;
- ``manning_factor`` multiplies Manning's n (a number or the grid).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import xarray as xr

from twin._scenario_forcing import Forcing
from twin.ensemble.spec import Member

__all__ = ["DAM_INFLOW_PREFIX", "perturb_forcing", "shift_in_time"]

#: Inflows whose name starts with this are dam releases.
DAM_INFLOW_PREFIX = "dam "


def perturb_forcing(forcing: Forcing, member: Member) -> Forcing:
    """A copy of ``forcing`` with the member's factors applied (the input is not changed).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from twin._scenario_forcing import Forcing, PointInflow
    >>> from twin.ensemble import Member
    >>> rain = xr.DataArray([10.0, 10.0, 0.0], coords={"time": [0.0, 3600.0, 3601.0]},
    ...                     dims="time", attrs={"units": "mm h-1"})
    >>> base = Forcing(elevation=xr.DataArray(np.zeros((2, 2)), dims=("y", "x")),
    ...                manning=0.03, rain_mm_h=rain,
    ...                inflows=[PointInflow("dam A", 0.0, 0.0, 100.0),
    ...                         PointInflow("river", 0.0, 0.0, 50.0)])
    >>> out = perturb_forcing(base, Member(index=1, rain_factor=2.0, release_factor=1.5,
    ...                                    manning_factor=0.5, rain_shift_h=1.0))
    >>> out.rain_mm_h.time.values.tolist(), out.rain_mm_h.values.tolist()
    ([0.0, 3599.0, 3600.0, 7200.0, 7201.0], [0.0, 0.0, 20.0, 20.0, 0.0])
    >>> [i.discharge for i in out.inflows], out.manning
    ([150.0, 50.0], 0.015)
    """
    rain = forcing.rain_mm_h
    if rain is not None:
        if member.rain_shift_h != 0.0:
            rain = shift_in_time(rain, member.rain_shift_h * 3600.0)
        if member.rain_factor != 1.0:
            rain = (rain * member.rain_factor).assign_attrs(rain.attrs)
    inflows = [
        dataclasses.replace(i, discharge=_scale(i.discharge, member.release_factor))
        if i.name.startswith(DAM_INFLOW_PREFIX) and member.release_factor != 1.0
        else i
        for i in forcing.inflows
    ]
    return dataclasses.replace(
        forcing,
        rain_mm_h=rain,
        rain_mean_total_mm=forcing.rain_mean_total_mm * member.rain_factor,
        inflows=inflows,
        manning=_scale(forcing.manning, member.manning_factor),
    )


def shift_in_time(series: xr.DataArray, shift_s: float) -> xr.DataArray:
    """Move a forcing over ``time`` (elapsed seconds from 0) by ``shift_s`` seconds.

    Later: zero until the first shifted sample (one second before it, so the model's linear
    interpolation does not ramp the rain in early). Earlier: the value at the start is
    interpolated and the samples before it dropped.
    """
    if "time" not in series.dims:
        return series
    t = np.asarray(series["time"].values, dtype=float) + shift_s
    moved = series.assign_coords(time=("time", t, series["time"].attrs))
    if shift_s > 0:
        lead_t = [0.0, t[0] - 1.0] if t[0] - 1.0 > 0 else [0.0]
        lead = xr.zeros_like(moved.isel(time=[0] * len(lead_t))).assign_coords(
            time=("time", lead_t, series["time"].attrs)
        )
        return xr.concat([lead, moved], dim="time").assign_attrs(series.attrs)
    if t[-1] <= 0:
        return (xr.zeros_like(moved.isel(time=[0, 0])).assign_coords(time=[0.0, 1.0])).assign_attrs(
            series.attrs
        )
    start = moved.interp(time=[0.0]) if t[0] < 0 else moved.isel(time=[])
    kept = moved.isel(time=np.flatnonzero(t > 0) if t[0] < 0 else slice(None))
    return xr.concat([start, kept], dim="time").assign_attrs(series.attrs)


def _scale(value: float | xr.DataArray, factor: float) -> float | xr.DataArray:
    if factor == 1.0:
        return value
    if isinstance(value, xr.DataArray):
        return (value * factor).assign_attrs(value.attrs)
    return float(value) * factor
