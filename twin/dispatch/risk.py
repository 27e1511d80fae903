"""Risk to a caller from a flood result: depth, speed and hazard now, the forecast peak, time
until "danger for most", and whether the water is rising.

A :class:`FloodState` wraps the flood result (an ``xarray.Dataset`` with ``depth`` and
``speed`` over ``(time, y, x)``, as :meth:`hydro.FloodModel.run` or a nowcast writes it) and
the moment called *now*. Values at *now* are interpolated linearly between output steps; the
forecast is every output step after *now*. Everything is vectorised over points, so re-ranking
a thousand calls is a handful of NumPy gathers.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from hydro import hazard_class, hazard_rating
from hydro.hazard import HAZARD_CLASS_NAMES
from twin._errors import TwinError
from twin._time import as_utc
from twin.runs.files import open_result as open_flood

__all__ = ["DANGER_CLASS", "TREND_RATE_M_PER_H", "FloodState", "PointRisk", "assess_points"]

#: Hazard class that counts as danger: 2 = "danger for most" (Defra FD2321).
DANGER_CLASS = 2
#: |d depth / dt| under this (m/h) is "steady".
TREND_RATE_M_PER_H = 0.02

_TOKENS = itertools.count(1)
FloatArray = npt.NDArray[np.float64]


class FloodState:
    """A flood result and the moment *now* within it.

    Parameters
    ----------
    ds
        Dataset with ``depth`` (m) and ``speed`` (m/s) over ``(time, y, x)``; ``time`` in
        seconds (float) or ``datetime64``. A path to a NetCDF file or a Zarr store also works.
    now
        The present: a timezone-aware ``datetime`` (for datetime64 times), seconds since the
        first output (for float times), or None: the ``now`` / ``issued_at`` attribute when the
        dataset has one, else the wall clock for datetime64 times and the first output for
        float times. Clamped into the time range.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> d = np.zeros((3, 2, 2), "float32"); d[2] = 1.0
    >>> ds = xr.Dataset({"depth": (("time", "y", "x"), d), "speed": (("time", "y", "x"), 0 * d)},
    ...                 coords={"time": [0.0, 3600.0, 7200.0], "y": [15.0, 5.0], "x": [5.0, 15.0]})
    >>> fs = FloodState(ds, now=0.0)
    >>> fs.assess(5.0, 5.0).time_to_danger_s
    7200.0
    """

    def __init__(self, ds: xr.Dataset | str | Path, *, now: datetime | float | None = None) -> None:
        if not isinstance(ds, xr.Dataset):
            ds = open_flood(ds)
        missing = [v for v in ("depth", "speed") if v not in ds]
        if missing or "time" not in ds.dims:
            raise TwinError(
                f"flood result lacks {missing or ['a time dimension']}: give a Dataset with depth "
                "and speed over (time, y, x)"
            )
        time = ds["time"].values
        self.origin: datetime | None = None
        if np.issubdtype(time.dtype, np.datetime64):
            t0 = time[0].astype("datetime64[us]").astype(datetime).replace(tzinfo=UTC)
            self.origin = t0
            self.times_s = (time - time[0]).astype("timedelta64[ms]").astype(np.float64) / 1e3
        else:
            self.times_s = np.asarray(time, dtype=np.float64)
        if self.times_s.size == 0 or np.any(np.diff(self.times_s) <= 0):
            raise TwinError("flood result time must be non-empty and strictly increasing")
        self.now_s = self._resolve_now(now, ds.attrs)
        # steps before the one at (or just before) now are never read: leave them on disk
        k = int(np.searchsorted(self.times_s, self.now_s, side="right")) - 1
        k = max(0, min(k, self.times_s.size - 2))
        self.times_s = self.times_s[k:]
        self.depth = _load(ds["depth"], k)
        self.speed = _load(ds["speed"], k)
        self.x = np.asarray(ds["x"].values, dtype=np.float64)
        self.y = np.asarray(ds["y"].values, dtype=np.float64)
        self.dx = float(abs(self.x[1] - self.x[0])) if self.x.size > 1 else 1.0
        self.dy = float(abs(self.y[1] - self.y[0])) if self.y.size > 1 else 1.0
        self.token = next(_TOKENS)  # identifies this state in graph caches

    def _resolve_now(self, now: datetime | float | None, attrs: dict[str, Any]) -> float:
        if now is None:
            for key in ("now", "issued_at", "nowcast_time"):
                if key in attrs:
                    now = _parse_now(attrs[key])
                    break
        if now is None:
            now = datetime.now(UTC) if self.origin is not None else float(self.times_s[0])
        if isinstance(now, datetime):
            if self.origin is None:
                raise TwinError("now is a datetime but the flood result's time is in seconds")
            if now.tzinfo is None:
                raise TwinError("now must be timezone-aware (UTC)")
            now = (now - self.origin).total_seconds()
        return float(np.clip(float(now), self.times_s[0], self.times_s[-1]))

    def to_datetime(self, t_s: float) -> datetime | None:
        """The UTC datetime of ``t_s`` seconds, when the result has real times."""
        if self.origin is None or not np.isfinite(t_s):
            return None
        return self.origin + timedelta(seconds=float(t_s))

    def cells(
        self, xs: npt.ArrayLike, ys: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """Row and column of the cell holding each point, and whether it is on the grid."""
        xs = np.atleast_1d(np.asarray(xs, dtype=np.float64))
        ys = np.atleast_1d(np.asarray(ys, dtype=np.float64))
        ix = np.rint((xs - self.x[0]) / (self.x[-1] - self.x[0] or 1.0) * (self.x.size - 1))
        iy = np.rint((ys - self.y[0]) / (self.y[-1] - self.y[0] or 1.0) * (self.y.size - 1))
        inside = (ix >= 0) & (ix < self.x.size) & (iy >= 0) & (iy < self.y.size)
        inside &= np.isfinite(xs) & np.isfinite(ys)
        ix = np.where(inside, ix, 0).astype(np.intp)
        iy = np.where(inside, iy, 0).astype(np.intp)
        return iy, ix, inside

    def at_now(self, field: npt.NDArray[Any]) -> FloatArray:
        """``field`` (time, ...) interpolated to *now*."""
        k = int(np.searchsorted(self.times_s, self.now_s, side="right") - 1)
        k = min(max(k, 0), self.times_s.size - 1)
        if k == self.times_s.size - 1:
            return np.asarray(field[k], dtype=np.float64)
        w = (self.now_s - self.times_s[k]) / (self.times_s[k + 1] - self.times_s[k])
        return (1.0 - w) * field[k].astype(np.float64) + w * field[k + 1].astype(np.float64)

    def window(self, horizon_s: float | None) -> npt.NDArray[np.intp]:
        """Output steps strictly after *now* and up to *now* + ``horizon_s`` (None: all)."""
        end = np.inf if horizon_s is None else self.now_s + horizon_s
        return np.flatnonzero((self.times_s > self.now_s) & (self.times_s <= end))

    def assess(self, x: float, y: float) -> PointRisk:
        """Risk at one point; see :func:`assess_points`."""
        return PointRisk.from_arrays(self, assess_points(self, [x], [y]), 0)


@dataclass(frozen=True)
class PointRisk:
    """Risk at one place.

    Times are seconds after *now* (``inf`` when it does not happen in the forecast);
    ``*_at`` are UTC datetimes when the flood result has real times.
    """

    on_grid: bool
    depth_m: float
    speed_ms: float
    hazard_rating: float
    hazard_class: int
    hazard_name: str
    peak_depth_m: float
    peak_class: int
    peak_in_s: float
    peak_at: datetime | None
    time_to_danger_s: float
    danger_at: datetime | None
    trend: str
    trend_m_per_h: float

    @classmethod
    def from_arrays(cls, fs: FloodState | None, a: dict[str, Any], i: int) -> PointRisk:
        """Row ``i`` of the arrays of :func:`assess_points`."""
        peak_in = float(a["peak_in_s"][i])
        ttd = float(a["time_to_danger_s"][i])
        now = fs.now_s if fs is not None else 0.0
        return cls(
            on_grid=bool(a["on_grid"][i]),
            depth_m=round(float(a["depth_m"][i]), 3),
            speed_ms=round(float(a["speed_ms"][i]), 3),
            hazard_rating=round(float(a["hazard_rating"][i]), 3),
            hazard_class=int(a["hazard_class"][i]),
            hazard_name=HAZARD_CLASS_NAMES[int(a["hazard_class"][i])],
            peak_depth_m=round(float(a["peak_depth_m"][i]), 3),
            peak_class=int(a["peak_class"][i]),
            peak_in_s=peak_in,
            peak_at=fs.to_datetime(now + peak_in) if fs is not None else None,
            time_to_danger_s=ttd,
            danger_at=fs.to_datetime(now + ttd) if fs is not None else None,
            trend=str(a["trend"][i]),
            trend_m_per_h=round(float(a["trend_m_per_h"][i]), 3),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO strings, inf as None)."""
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, datetime):
                out[k] = v.isoformat()
            elif isinstance(v, float) and not np.isfinite(v):
                out[k] = None
        return out


def assess_points(
    fs: FloodState | None,
    xs: npt.ArrayLike,
    ys: npt.ArrayLike,
    *,
    danger_class: int = DANGER_CLASS,
) -> dict[str, npt.NDArray[Any]]:
    """Risk at many points at once.

    Parameters
    ----------
    fs
        The flood state; None means dry everywhere.
    xs, ys
        Positions in the city CRS (m); NaN for an unknown position (rated dry).

    Returns
    -------
    dict of arrays, one value per point
        ``on_grid``, ``depth_m``, ``speed_ms``, ``hazard_rating``, ``hazard_class`` (now);
        ``peak_depth_m``, ``peak_class``, ``peak_in_s`` (max over now and the forecast);
        ``time_to_danger_s`` (0 when already at class >= :data:`DANGER_CLASS`, inf when not
        reached); ``trend`` ("rising" / "falling" / "steady") and ``trend_m_per_h``.
    """
    xs = np.atleast_1d(np.asarray(xs, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(ys, dtype=np.float64))
    n = xs.size
    if fs is None:
        zeros = np.zeros(n)
        return {
            "on_grid": np.zeros(n, bool),
            "depth_m": zeros,
            "speed_ms": zeros,
            "hazard_rating": zeros,
            "hazard_class": np.zeros(n, np.int8),
            "peak_depth_m": zeros,
            "peak_class": np.zeros(n, np.int8),
            "peak_in_s": zeros,
            "time_to_danger_s": np.full(n, np.inf),
            "trend": np.full(n, "steady", dtype=object),
            "trend_m_per_h": zeros,
        }
    iy, ix, inside = fs.cells(xs, ys)
    d_series = np.where(inside, fs.depth[:, iy, ix], 0.0).astype(np.float64)  # (T, n)
    v_series = np.where(inside, fs.speed[:, iy, ix], 0.0).astype(np.float64)
    d_now = fs.at_now(d_series)
    v_now = fs.at_now(v_series)
    hr_now = hazard_rating(d_now, v_now)
    cls_now = hazard_class(hr_now)
    fut = fs.window(None)
    t_fut = fs.times_s[fut] - fs.now_s
    d_f = np.vstack([d_now[None, :], d_series[fut]])  # now first, then the forecast
    v_f = np.vstack([v_now[None, :], v_series[fut]])
    t_f = np.concatenate([[0.0], t_fut])
    cls_f = hazard_class(hazard_rating(d_f, v_f))
    k_peak = d_f.argmax(axis=0)
    cols = np.arange(n)
    danger = cls_f >= danger_class
    first = danger.argmax(axis=0)
    ttd = np.where(danger.any(axis=0), t_f[first], np.inf)
    if fut.size:
        rate = (d_series[fut[0]] - d_now) / max(t_fut[0], 1.0) * 3600.0
    elif fs.times_s.size > 1:
        rate = (d_series[-1] - d_series[-2]) / (fs.times_s[-1] - fs.times_s[-2]) * 3600.0
    else:
        rate = np.zeros(n)
    trend = np.where(
        rate > TREND_RATE_M_PER_H,
        "rising",
        np.where(rate < -TREND_RATE_M_PER_H, "falling", "steady"),
    ).astype(object)
    return {
        "on_grid": inside,
        "depth_m": d_now,
        "speed_ms": v_now,
        "hazard_rating": hr_now,
        "hazard_class": cls_now,
        "peak_depth_m": d_f[k_peak, cols],
        "peak_class": cls_f.max(axis=0),
        "peak_in_s": t_f[k_peak],
        "time_to_danger_s": ttd,
        "trend": trend,
        "trend_m_per_h": rate,
    }


def _load(var: xr.DataArray, first: int) -> npt.NDArray[np.float32]:
    """(time, y, x) float32 from step ``first`` on, NaN read as 0 (dry)."""
    values = np.asarray(var.transpose("time", "y", "x")[first:].values, dtype=np.float32)
    return np.nan_to_num(values, nan=0.0, copy=False)


def _parse_now(value: Any) -> datetime | float:
    if isinstance(value, int | float | np.number):
        return float(value)
    return as_utc(datetime.fromisoformat(str(value)), naive=UTC)
