"""Dams: level-pool routing of a reservoir, or a release taken straight from a dam's sensor.

A reservoir is a storage–level table, a spillway with the weir rating ``Q = C·L·H^1.5``
(``H`` = level − crest, zero below the crest), gates that open part of the spillway width,
and a turbine outflow. :meth:`Reservoir.route` takes an inflow hydrograph and returns the level,
storage and release over time by the storage-indication (modified Puls) method: trapezoidal in
time, implicit in the outflow, hence stable for any step, and mass-conserving to round-off.

Either the routed release or a measured outflow (:func:`measured_release`) becomes a point
inflow of the flood model with :func:`release_hydrograph`::

    model.add_inflow(x=dam.entry_x, y=dam.entry_y, discharge=release_hydrograph(routed))
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from hydro._errors import HydroError

__all__ = ["Reservoir", "measured_release", "release_hydrograph"]

_RELEASE_ATTRS = {
    "units": "m3 s-1",
    "long_name": "dam release (spillway, gates and turbines)",
}
_INFLOW_ATTRS = {"units": "m3 s-1", "long_name": "inflow to the reservoir"}


def _as_float_list(values: Sequence[float] | str, name: str, problems: list[str]) -> list[float]:
    """Read a table column given as numbers or as a JSON list string (the dams layer's form)."""
    if isinstance(values, str):
        try:
            values = json.loads(values)
        except json.JSONDecodeError:
            problems.append(f"{name} is not a JSON list of numbers: {values!r}")
            return []
    try:
        out = [float(v) for v in values]
    except (TypeError, ValueError):
        problems.append(f"{name} must be a list of numbers, got {values!r}")
        return []
    return out


@dataclass(frozen=True)
class Reservoir:
    """A reservoir routed by level-pool routing.

    Parameters
    ----------
    storage_levels_m
        Water levels of the storage table (m above datum), strictly increasing. A JSON list
        string (the form of the dams layer) is accepted too.
    storage_volumes_m3
        Storage at each level (m³), strictly increasing. Between rows the table is interpolated
        linearly (monotone both ways, so level→storage and storage→level are exact inverses);
        above the last row the last surface area is kept.
    spillway_crest_m
        Spillway crest level (m above datum).
    spillway_width_m
        Total crest width of the spillway (m); with gates, the sum of all gate bays.
    discharge_coeff
        Weir coefficient ``C`` of ``Q = C·L·H^1.5`` in SI units (m^0.5/s): about 1.7 for a
        broad crest, 2.1–2.2 for an ogee crest.
    gate_count
        Number of equal gate bays across the spillway; 0 for an ungated (free) spillway.
    name
        A label carried into the results.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> res = Reservoir(
    ...     storage_levels_m=[0.0, 10.0], storage_volumes_m3=[0.0, 1.0e7],
    ...     spillway_crest_m=5.0, spillway_width_m=20.0, discharge_coeff=2.0,
    ... )
    >>> t = np.arange(0.0, 48 * 3600.0 + 1, 3600.0)
    >>> inflow = xr.DataArray(np.full(t.size, 100.0), coords={"time": t}, dims="time")
    >>> out = res.route(inflow, initial_level_m=5.0)
    >>> round(float(out.level_m[-1]), 3)  # towards crest + (100 / (2·20))^(2/3) = 6.842
    6.842
    """

    storage_levels_m: Sequence[float] | str
    storage_volumes_m3: Sequence[float] | str
    spillway_crest_m: float
    spillway_width_m: float
    discharge_coeff: float = 1.7
    gate_count: int = 0
    name: str = ""
    _levels: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _volumes: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        problems: list[str] = []
        levels = _as_float_list(self.storage_levels_m, "storage_levels_m", problems)
        volumes = _as_float_list(self.storage_volumes_m3, "storage_volumes_m3", problems)
        if levels and volumes:
            if len(levels) != len(volumes):
                problems.append(
                    f"storage_levels_m has {len(levels)} rows but storage_volumes_m3 has "
                    f"{len(volumes)}: give one volume per level"
                )
            elif len(levels) < 2:
                problems.append("the storage table needs at least two rows (level, volume)")
            if not all(math.isfinite(v) for v in levels + volumes):
                problems.append("the storage table holds NaN or infinite values: remove them")
            elif any(b <= a for a, b in pairwise(levels)):
                problems.append(f"storage_levels_m must increase strictly, got {levels}")
            elif any(b <= a for a, b in pairwise(volumes)):
                problems.append(
                    f"storage_volumes_m3 must increase strictly with level, got {volumes}"
                )
            elif volumes[0] < 0:
                problems.append(f"storage_volumes_m3 must be >= 0, got {volumes[0]}")
        for label, value in (
            ("spillway_crest_m", self.spillway_crest_m),
            ("spillway_width_m", self.spillway_width_m),
            ("discharge_coeff", self.discharge_coeff),
        ):
            if not isinstance(value, int | float) or not math.isfinite(value):
                problems.append(f"{label} must be a finite number, got {value!r}")
        if isinstance(self.spillway_width_m, int | float) and self.spillway_width_m < 0:
            problems.append(f"spillway_width_m must be >= 0 m, got {self.spillway_width_m}")
        if isinstance(self.discharge_coeff, int | float) and self.discharge_coeff < 0:
            problems.append(f"discharge_coeff must be >= 0, got {self.discharge_coeff}")
        if (
            not isinstance(self.gate_count, int | np.integer)
            or isinstance(self.gate_count, bool)
            or self.gate_count < 0
        ):
            problems.append(f"gate_count must be a whole number >= 0, got {self.gate_count!r}")
        if problems:
            raise HydroError("Reservoir: " + "; ".join(problems))
        object.__setattr__(self, "_levels", tuple(levels))
        object.__setattr__(self, "_volumes", tuple(volumes))

    @classmethod
    def from_dam(cls, dam: Mapping[str, Any]) -> Reservoir:
        """Build a reservoir from one row of the city's ``dams`` layer.

        Parameters
        ----------
        dam
            A mapping (a GeoDataFrame row works) with ``storage_levels_m``,
            ``storage_volumes_m3`` (JSON list strings or lists), ``spillway_crest_m``,
            ``spillway_width_m``, ``discharge_coeff``, ``gate_count`` and optionally
            ``name`` or ``dam_id``.

        Returns
        -------
        Reservoir
        """
        missing = [
            key
            for key in (
                "storage_levels_m",
                "storage_volumes_m3",
                "spillway_crest_m",
                "spillway_width_m",
                "discharge_coeff",
                "gate_count",
            )
            if key not in dam
        ]
        if missing:
            raise HydroError(f"Reservoir.from_dam: the dam record lacks {', '.join(missing)}")
        return cls(
            storage_levels_m=dam["storage_levels_m"],
            storage_volumes_m3=dam["storage_volumes_m3"],
            spillway_crest_m=float(dam["spillway_crest_m"]),
            spillway_width_m=float(dam["spillway_width_m"]),
            discharge_coeff=float(dam["discharge_coeff"]),
            gate_count=int(dam["gate_count"]),
            name=str(dam.get("name", dam.get("dam_id", ""))),
        )

    # -- the table -------------------------------------------------------------------------

    def storage_m3(self, level_m: float) -> float:
        """Storage (m³) at a water level (m), interpolated linearly in the table.

        Raises
        ------
        HydroError
            If the level lies below the table's first row.
        """
        lv, vol = self._levels, self._volumes
        if not level_m >= lv[0]:
            raise HydroError(
                f"level {level_m} m is below the storage table, which starts at {lv[0]} m: "
                "extend the table down or start from a higher level"
            )
        i = min(bisect_right(lv, level_m), len(lv) - 1)
        return vol[i - 1] + (level_m - lv[i - 1]) * (vol[i] - vol[i - 1]) / (lv[i] - lv[i - 1])

    def level_m(self, storage_m3: float) -> float:
        """Water level (m) at a storage (m³): the exact inverse of :meth:`storage_m3`."""
        lv, vol = self._levels, self._volumes
        if not storage_m3 >= vol[0]:
            raise HydroError(
                f"storage {storage_m3} m³ is below the storage table, which starts at {vol[0]} m³"
            )
        i = min(bisect_right(vol, storage_m3), len(vol) - 1)
        return lv[i - 1] + (storage_m3 - vol[i - 1]) * (lv[i] - lv[i - 1]) / (vol[i] - vol[i - 1])

    def _area_m2(self, storage_m3: float) -> float:
        """Surface area dS/dh (m²) of the table segment holding this storage."""
        lv, vol = self._levels, self._volumes
        i = min(max(bisect_right(vol, storage_m3), 1), len(vol) - 1)
        return (vol[i] - vol[i - 1]) / (lv[i] - lv[i - 1])

    def spillway_m3s(self, level_m: float, gates_open: float | None = None) -> float:
        """Spillway release (m³/s) at a level: ``C·L·H^1.5`` above the crest.

        Parameters
        ----------
        level_m
            Water level (m).
        gates_open
            Number of gate bays open (0 to ``gate_count``, fractions allowed: a bay half open
            counts as half its width). ``None``: all open. Ignored for an ungated spillway.
        """
        head = level_m - self.spillway_crest_m
        if head <= 0.0:
            return 0.0
        return self.discharge_coeff * self._width_m(gates_open) * head**1.5

    def _width_m(self, gates_open: float | None) -> float:
        if self.gate_count == 0 or gates_open is None:
            return float(self.spillway_width_m)
        return float(self.spillway_width_m) * gates_open / self.gate_count

    # -- routing ---------------------------------------------------------------------------

    def route(
        self,
        inflow: xr.DataArray | np.ndarray | Sequence[float],
        *,
        time_s: np.ndarray | Sequence[float] | None = None,
        initial_level_m: float | None = None,
        gates_open: float | xr.DataArray | None = None,
        turbine_m3s: float | xr.DataArray = 0.0,
        max_step_s: float = 60.0,
    ) -> xr.Dataset:
        """Route an inflow hydrograph through the reservoir (level-pool, modified Puls).

        Parameters
        ----------
        inflow
            Inflow (m³/s) over ``time``: a DataArray with a ``time`` coordinate in elapsed
            seconds or datetimes, or a 1-D array with ``time_s``. Linear between samples.
        time_s
            Times (s) of a NumPy inflow; not allowed with a DataArray.
        initial_level_m
            Level at the first time (m); default the spillway crest.
        gates_open
            Gate bays open: a number, or a DataArray over ``time`` (same kind of time as the
            inflow) whose values hold until the next entry (an operations log). Default: all
            open. Must lie in 0..``gate_count``.
        turbine_m3s
            Turbine (and other outlet) release, m³/s: a number or a DataArray over ``time``,
            linear between samples. Reduced where the reservoir would fall below the table's
            lowest storage.
        max_step_s
            Longest internal step (s); the inflow's own spacing is used when shorter.

        Returns
        -------
        xarray.Dataset
            On the inflow's ``time``: ``level_m`` (m), ``storage_m3`` (m³), ``release_m3s``
            (spillway + turbine), ``spillway_m3s``, ``turbine_m3s`` and ``inflow_m3s`` (m³/s).
            Attributes ``volume_in_m3``, ``volume_released_m3``, ``storage_change_m3`` and
            ``volume_error_m3`` (storage change − (in − released), round-off only).

        Raises
        ------
        HydroError
            NaN or negative inflow, unsorted times, a level below the table, gate openings
            outside 0..gate_count, a negative turbine release, a non-positive step.
        """
        problems: list[str] = []
        time_coord, t_s, q_in = _read_series(inflow, "inflow", time_s, problems)
        if not max_step_s > 0:
            problems.append(f"max_step_s must be > 0, got {max_step_s}")
        h0 = self.spillway_crest_m if initial_level_m is None else float(initial_level_m)
        if not math.isfinite(h0) or h0 < self._levels[0]:
            problems.append(
                f"initial_level_m {h0} m is below the storage table (starts at "
                f"{self._levels[0]} m) or not a number: give a level inside the table"
            )
        gate_fn = self._gate_schedule(gates_open, time_coord, problems)
        turb_fn = _forcing_schedule(turbine_m3s, "turbine_m3s", time_coord, problems)
        if problems:
            raise HydroError(f"Reservoir.route{self._label()}: " + "; ".join(problems))

        n = t_s.size
        level = np.empty(n)
        storage = np.empty(n)
        spill = np.empty(n)
        turbine = np.empty(n)
        s = self.storage_m3(h0)
        storage[0], level[0] = s, h0
        o_spill = self.spillway_m3s(h0, gate_fn(t_s[0]))
        spill[0] = o_spill
        turbine[0] = self._turbine_at_storage(s, turb_fn(t_s[0]))
        vol_in = 0.0
        vol_out = 0.0
        for k in range(1, n):
            t0, t1 = t_s[k - 1], t_s[k]
            sub = max(1, math.ceil((t1 - t0) / max_step_s - 1e-9))
            dt = (t1 - t0) / sub
            for j in range(sub):
                ta, tb = t0 + j * dt, t0 + (j + 1) * dt
                ia = q_in[k - 1] + (q_in[k] - q_in[k - 1]) * (ta - t0) / (t1 - t0)
                ib = q_in[k - 1] + (q_in[k] - q_in[k - 1]) * (tb - t0) / (t1 - t0)
                gate_b = gate_fn(tb)
                turb = 0.5 * (turb_fn(ta) + turb_fn(tb))
                rhs = s + 0.5 * dt * (ia + ib - o_spill)
                s_new, turb = self._solve_step(rhs, dt, gate_b, turb)
                o_new = self.spillway_m3s(self.level_m(s_new), gate_b)
                vol_in += 0.5 * dt * (ia + ib)
                vol_out += 0.5 * dt * (o_spill + o_new) + dt * turb
                s, o_spill = s_new, o_new
            storage[k] = s
            level[k] = self.level_m(s)
            spill[k] = o_spill
            turbine[k] = turb
        return self._dataset(time_coord, q_in, level, storage, spill, turbine, vol_in, vol_out)

    def _solve_step(
        self, rhs: float, dt: float, gates_open: float | None, turbine: float
    ) -> tuple[float, float]:
        """Solve ``S + dt/2·O(S) = rhs − dt·T`` for the new storage ``S`` (safeguarded Newton).

        ``f(S) = S + dt/2·O(S)`` increases with ``S``, so the root is bracketed by the table's
        lowest storage and ``rhs``; Newton steps that leave the bracket fall back to bisection.
        Returns the storage and the turbine release actually drawn.
        """
        s_min = self._volumes[0]
        crest = self.spillway_crest_m
        coef = self.discharge_coeff * self._width_m(gates_open)

        def residual(s: float) -> tuple[float, float]:
            head = self.level_m(s) - crest
            if head <= 0.0:
                return s, 1.0
            area = self._area_m2(s)
            return s + 0.5 * dt * coef * head**1.5, 1.0 + 0.75 * dt * coef * head**0.5 / area

        target = rhs - dt * turbine
        f_lo, _ = residual(s_min)
        if target <= f_lo:
            # the turbine would empty the table: draw only what is there
            turbine = max(0.0, (rhs - f_lo) / dt)
            return s_min, turbine
        lo, hi = s_min, max(target, s_min)
        s = min(max(target - 0.5 * dt * self.spillway_m3s(self.level_m(hi), gates_open), lo), hi)
        for _ in range(100):
            f, df = residual(s)
            g = f - target
            if g > 0:
                hi = s
            else:
                lo = s
            if abs(g) <= 1e-12 * max(1.0, abs(target)) or hi - lo <= 1e-12 * max(1.0, hi):
                break
            s_next = s - g / df
            s = s_next if lo < s_next < hi else 0.5 * (lo + hi)
        return s, turbine

    def _turbine_at_storage(self, storage: float, turbine: float) -> float:
        return 0.0 if storage <= self._volumes[0] else turbine

    def _gate_schedule(
        self, gates_open: float | xr.DataArray | None, time_coord: Any, problems: list[str]
    ) -> Any:
        if gates_open is None:
            return lambda _t: None
        if self.gate_count == 0:
            problems.append("gates_open given but the spillway has no gates (gate_count is 0)")
            return lambda _t: None
        if isinstance(gates_open, xr.DataArray):
            t_g, v_g = _series_seconds(gates_open, "gates_open", time_coord, problems)
        else:
            t_g, v_g = np.array([0.0]), np.array([float(gates_open)])
        if v_g.size and (np.any(~np.isfinite(v_g)) or v_g.min() < 0 or v_g.max() > self.gate_count):
            problems.append(
                f"gates_open must lie in 0..{self.gate_count} (gate_count), got "
                f"{v_g.min() if v_g.size else ''}..{v_g.max() if v_g.size else ''}"
            )

        def hold(t: float) -> float:
            i = max(int(np.searchsorted(t_g, t, side="right")) - 1, 0)
            return float(v_g[i])

        return hold

    def _label(self) -> str:
        return f" ({self.name})" if self.name else ""

    def _dataset(
        self,
        time_coord: Any,
        q_in: np.ndarray,
        level: np.ndarray,
        storage: np.ndarray,
        spill: np.ndarray,
        turbine: np.ndarray,
        vol_in: float,
        vol_out: float,
    ) -> xr.Dataset:
        change = float(storage[-1] - storage[0])
        ds = xr.Dataset(
            {
                "level_m": ("time", level, {"units": "m", "long_name": "reservoir water level"}),
                "storage_m3": ("time", storage, {"units": "m3", "long_name": "reservoir storage"}),
                "release_m3s": ("time", spill + turbine, dict(_RELEASE_ATTRS)),
                "spillway_m3s": (
                    "time",
                    spill,
                    {"units": "m3 s-1", "long_name": "spillway and gate release"},
                ),
                "turbine_m3s": (
                    "time",
                    turbine,
                    {"units": "m3 s-1", "long_name": "turbine and outlet release"},
                ),
                "inflow_m3s": ("time", q_in, dict(_INFLOW_ATTRS)),
            },
            coords={"time": time_coord},
        )
        ds.attrs.update(
            {
                "title": f"level-pool routing{self._label()}",
                "method": "storage indication (modified Puls), trapezoidal in time",
                "spillway_crest_m": float(self.spillway_crest_m),
                "spillway_width_m": float(self.spillway_width_m),
                "discharge_coeff": float(self.discharge_coeff),
                "gate_count": int(self.gate_count),
                "volume_in_m3": float(vol_in),
                "volume_released_m3": float(vol_out),
                "storage_change_m3": change,
                "volume_error_m3": float(change - (vol_in - vol_out)),
            }
        )
        return ds


# -- time series helpers -------------------------------------------------------------------


def _read_series(
    series: Any, label: str, time_s: Any, problems: list[str]
) -> tuple[Any, np.ndarray, np.ndarray]:
    """Return (the time coordinate to echo, elapsed seconds, values) of a hydrograph."""
    if isinstance(series, pd.Series):
        index = series.index
        if isinstance(index, pd.DatetimeIndex) and index.tz is not None:
            index = index.tz_convert("UTC").tz_localize(None)
        series = xr.DataArray(series.to_numpy(), coords={"time": index.to_numpy()}, dims="time")
    if isinstance(series, xr.DataArray):
        if time_s is not None:
            problems.append(f"time_s is only for a NumPy {label}: the DataArray has its own time")
        if series.dims != ("time",) or "time" not in series.coords:
            problems.append(f"{label} must be 1-D over a 'time' coordinate, got dims {series.dims}")
            return np.zeros(1), np.zeros(1), np.zeros(1)
        time_coord = series["time"].values
        t_s = _elapsed_seconds(time_coord, time_coord, label, problems)
        values = np.asarray(series.values, dtype=float)
    else:
        values = np.asarray(series, dtype=float)
        if time_s is None:
            problems.append(f"a NumPy {label} needs time_s (seconds) or a DataArray over 'time'")
            return np.zeros(1), np.zeros(1), np.zeros(1)
        t_s = np.asarray(time_s, dtype=float)
        time_coord = t_s
        if values.ndim != 1 or t_s.shape != values.shape:
            problems.append(f"{label} and time_s must be 1-D of the same length")
            return np.zeros(1), np.zeros(1), np.zeros(1)
    if values.size < 2:
        problems.append(f"{label} needs at least two time samples")
    if np.any(~np.isfinite(values)):
        bad = np.flatnonzero(~np.isfinite(values))
        problems.append(
            f"{label} holds NaN or infinite values at {bad.size} samples (first index "
            f"{int(bad[0])}): fill the gaps (e.g. interpolate_na) before routing"
        )
    elif np.any(values < 0):
        problems.append(f"{label} must be >= 0 m³/s, got a minimum of {values.min()}")
    if t_s.size >= 2 and not np.all(np.diff(t_s) > 0):
        problems.append(f"{label} times must increase strictly")
    return time_coord, t_s, values


def _elapsed_seconds(values: np.ndarray, ref: np.ndarray, label: str, problems: list[str]) -> Any:
    """Seconds since ``ref[0]``; both datetimes or both numbers."""
    is_dt = np.issubdtype(values.dtype, np.datetime64)
    ref_dt = np.issubdtype(ref.dtype, np.datetime64)
    if is_dt != ref_dt:
        problems.append(
            f"{label} time is {'datetime' if is_dt else 'seconds'} but the inflow's is "
            f"{'datetime' if ref_dt else 'seconds'}: use the same kind of time"
        )
        return np.zeros(values.shape)
    if is_dt:
        return (values - ref[0]) / np.timedelta64(1, "s")
    if not np.issubdtype(values.dtype, np.number):
        problems.append(f"{label} time must be seconds (numbers) or datetimes")
        return np.zeros(values.shape)
    return values.astype(float) - float(ref[0])


def _series_seconds(
    series: xr.DataArray, label: str, time_coord: Any, problems: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    if series.dims != ("time",) or "time" not in series.coords:
        problems.append(f"{label} must be a number or 1-D over a 'time' coordinate")
        return np.array([0.0]), np.array([0.0])
    t = _elapsed_seconds(series["time"].values, np.asarray(time_coord), label, problems)
    v = np.asarray(series.values, dtype=float)
    if t.size > 1 and not np.all(np.diff(t) > 0):
        problems.append(f"{label} times must increase strictly")
    return np.asarray(t, dtype=float), v


def _forcing_schedule(
    value: float | xr.DataArray, label: str, time_coord: Any, problems: list[str]
) -> Any:
    if isinstance(value, xr.DataArray):
        t_f, v_f = _series_seconds(value, label, time_coord, problems)
    else:
        t_f, v_f = np.array([0.0]), np.array([float(value)])
    if np.any(~np.isfinite(v_f)) or np.any(v_f < 0):
        problems.append(f"{label} must be finite and >= 0 m³/s")
    if t_f.size == 1:
        const = float(v_f[0])
        return lambda _t: const
    return lambda t: float(np.interp(t, t_f, v_f))


def measured_release(outflow: xr.DataArray | pd.Series, *, name: str = "") -> xr.Dataset:
    """Turn a dam's measured outflow (m³/s over time) into the shape :meth:`Reservoir.route` gives.

    Parameters
    ----------
    outflow
        Measured release (m³/s) over ``time`` (elapsed seconds or datetimes): a DataArray, or
        a pandas Series indexed by time.
    name
        The dam's label, kept in the attributes.

    Returns
    -------
    xarray.Dataset
        ``release_m3s`` over ``time``; ``level_m``, ``storage_m3`` and ``inflow_m3s`` are NaN
        (not known from an outflow gauge).

    Raises
    ------
    HydroError
        NaN or negative values, unsorted times, fewer than two samples.
    """
    problems: list[str] = []
    time_coord, _t, q = _read_series(outflow, "measured outflow", None, problems)
    if problems:
        raise HydroError("measured_release: " + "; ".join(problems))
    nan = np.full(q.shape, np.nan)
    ds = xr.Dataset(
        {
            "level_m": ("time", nan, {"units": "m", "long_name": "reservoir water level"}),
            "storage_m3": ("time", nan.copy(), {"units": "m3", "long_name": "reservoir storage"}),
            "release_m3s": ("time", q, dict(_RELEASE_ATTRS)),
            "inflow_m3s": ("time", nan.copy(), dict(_INFLOW_ATTRS)),
        },
        coords={"time": time_coord},
    )
    ds.attrs.update({"title": f"measured dam release {name}".strip(), "method": "measured"})
    return ds


def release_hydrograph(release: xr.Dataset | xr.DataArray | pd.Series) -> xr.DataArray:
    """The release as an inflow hydrograph for ``FloodModel.add_inflow(discharge=...)``.

    Parameters
    ----------
    release
        A Dataset from :meth:`Reservoir.route` or :func:`measured_release` (its
        ``release_m3s`` is taken), or a measured outflow (DataArray over ``time`` or pandas
        Series), m³/s.

    Returns
    -------
    xarray.DataArray
        ``discharge`` (m³/s, float64) over ``time``, the time kind of the input kept.

    Examples
    --------
    >>> import xarray as xr
    >>> q = xr.DataArray([0.0, 250.0, 100.0], coords={"time": [0.0, 3600.0, 7200.0]}, dims="time")
    >>> release_hydrograph(q).attrs["units"]
    'm3 s-1'
    """
    if isinstance(release, xr.Dataset):
        if "release_m3s" not in release:
            raise HydroError(
                "release_hydrograph: the Dataset has no release_m3s; give the result of "
                "Reservoir.route or measured_release"
            )
        series: Any = release["release_m3s"]
    else:
        series = release
    problems: list[str] = []
    time_coord, _t, q = _read_series(series, "release", None, problems)
    if problems:
        raise HydroError("release_hydrograph: " + "; ".join(problems))
    return xr.DataArray(
        q,
        coords={"time": time_coord},
        dims="time",
        name="discharge",
        attrs={"units": "m3 s-1", "long_name": "dam release entering the flood domain"},
    )
