"""Reference cases of the flood model: the public benchmarks, set up and scored.

Each ``*_case`` function builds a ready-to-run :class:`hydro.FloodModel` and returns it with
what the result is compared against; the scoring helpers turn a run into error figures. The
test suite runs small versions; ``benchmarks/ea4.py``, ``ea5.py`` and ``macdonald.py`` run the
full ones.

- :func:`ea_test4_case`: UK Environment Agency 2D benchmark Test 4 (Néelz and Pender 2013),
  flood propagation over a flat plain from a 20 m breach; scored by :func:`score_points`
  against LISFLOOD-FP's 1 m local-inertial depths at six control points.
- :func:`ea_test5_case`: EA Test 5, a real valley flooded by a dam failure (3,000 m³/s peak).
- :func:`macdonald_1d_case`: MacDonald's steady 1D subcritical solution for a 1,000 m channel
  (SWASHES, Delestre et al. 2013, §3.1.1 long channel), computed here by quadrature.

Examples
--------
>>> sol = macdonald_1d(cell_m=50.0)
>>> round(float(sol.depth[-1]), 4)  # (4/g)^(1/3) (1 + exp(-16 (x/L - 1/2)^2) / 2) at x = 975
0.7516
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import xarray as xr
from scipy.integrate import quad

from hydro._errors import HydroError
from hydro.io_lisflood import BoundaryCondition, lisflood_inflows, read_ascii_grid

if TYPE_CHECKING:
    from hydro import FloodModel

__all__ = [
    "EA4_POINTS",
    "EA5_POINTS",
    "arrival_times",
    "checkerboard_m",
    "ea_test4_case",
    "ea_test4_inflow",
    "ea_test5_case",
    "ea_test5_inflow",
    "macdonald_1d",
    "macdonald_1d_case",
    "sample_points",
    "score_points",
]

GRAVITY = 9.81

#: EA Test 4 control points (x, y) in metres from the south-west corner of the plain.
EA4_POINTS = pd.DataFrame(
    {"x": [50.0, 100.0, 200.0, 300.0, 400.0, 300.0], "y": [1000.0] * 5 + [1300.0]},
    index=pd.RangeIndex(1, 7, name="point"),
)
#: EA Test 5 control points (x, y) in the DEM's coordinates.
EA5_POINTS = pd.DataFrame(
    {
        "x": [235200.0, 236700.0, 237800.0, 239400.0, 243300.0, 235700.0, 237700.0],
        "y": [832400.0, 833800.0, 835200.0, 838000.0, 840300.0, 832500.0, 835500.0],
    },
    index=pd.RangeIndex(1, 8, name="point"),
)


def _series(times_s: list[float], values: list[float], name: str) -> xr.DataArray:
    return xr.DataArray(
        np.asarray(values, dtype=float),
        coords={"time": ("time", np.asarray(times_s, dtype=float), {"units": "s"})},
        dims="time",
        name=name,
        attrs={"units": "m2 s-1", "long_name": "inflow per unit width"},
    )


def ea_test4_inflow() -> xr.DataArray:
    """EA Test 4 breach inflow per unit width (m²/s): 0 to 300 s, 1 at 3,600–14,400 s, 0 at 5 h."""
    return _series([0, 300, 3600, 14400, 18000], [0, 0, 1, 1, 0], "test4")


def ea_test5_inflow() -> xr.DataArray:
    """EA Test 5 inflow per unit width at each of its 20 breach points (m²/s), peak 15."""
    return _series([0, 300, 600, 1200, 6000, 108000], [0, 0, 15, 15, 0, 0], "test5")


def ea_test4_case(cell_m: float = 5.0, *, dtype: str = "float64") -> FloodModel:
    """EA Test 4: a flat 1,000 m × 2,000 m plain, n = 0.05, a 20 m breach on the west edge.

    The breach (y 990–1010 m) delivers :func:`ea_test4_inflow` × 20 m (20 m³/s peak), shared
    among the west-edge cells it overlaps; the north, south and east edges are free outflow as
    in LISFLOOD-FP's packaging. Run it to 18,000 s and score with :func:`score_points` against
    the reference series (``ea4-1m-acc.stage``) at :data:`EA4_POINTS`.

    Parameters
    ----------
    cell_m
        Cell size (m); must divide 1,000.
    dtype
        ``"float32"`` or ``"float64"``.
    """
    from hydro import FloodModel

    nx = round(1000.0 / cell_m)
    if not math.isclose(nx * cell_m, 1000.0):
        raise HydroError(f"cell_m must divide 1000 m, got {cell_m}")
    x = (np.arange(nx) + 0.5) * cell_m
    y = 2000.0 - (np.arange(2 * nx) + 0.5) * cell_m
    elevation = xr.DataArray(
        np.zeros((y.size, x.size)),
        coords={"y": y, "x": x},
        dims=("y", "x"),
        name="elevation",
        attrs={"units": "m"},
    )
    model = FloodModel(elevation, manning=0.05, dtype=dtype)
    breach = BoundaryCondition("west", "QVAR", start=990.0, end=1010.0, series="test4")
    for cx, cy, q in lisflood_inflows([breach], {"test4": ea_test4_inflow()}, elevation):
        model.add_inflow(x=cx, y=cy, discharge=q)
    for edge in ("north", "south", "east"):
        model.set_boundary(edge, "free")
    return model


def ea_test5_case(
    dem: xr.DataArray | str | Path, *, dtype: str = "float64", wall_m: float = 100.0
) -> FloodModel:
    """EA Test 5: the valley DEM, n = 0.04, 20 breach points of 15 m²/s × 10 m each.

    NODATA cells (outside the valley) become walls ``wall_m`` above the highest ground, so no
    water reaches them; the domain edges are closed. A DEM coarser or cropped from the 10 m
    original works: the breach points are placed by LISFLOOD-FP's rule and their discharge
    kept at 15 m²/s × 10 m each (3,000 m³/s in all).

    Parameters
    ----------
    dem
        The DEM as a DataArray or an ESRI ASCII grid path (``ea5-10m.dem.raw.gz``).
    dtype
        ``"float32"`` or ``"float64"``.
    wall_m
        Height of the walls above the highest valid ground (m).
    """
    from hydro import FloodModel

    grid = read_ascii_grid(dem) if isinstance(dem, str | Path) else dem
    if not bool(grid.notnull().any()):
        raise HydroError("ea_test5_case: the DEM holds no valid cell")
    elevation = grid.fillna(float(grid.max()) + wall_m).rename("elevation")
    model = FloodModel(elevation, manning=0.04, dtype=dtype)
    points = [
        BoundaryCondition(
            "point", "QVAR", x=232620.0 + 10.0 * k, y=830505.0 - 10.0 * k, series="test5"
        )
        for k in range(20)
    ]
    inflows = lisflood_inflows(points, {"test5": ea_test5_inflow()}, elevation, point_width_m=10)
    for cx, cy, q in inflows:
        model.add_inflow(x=cx, y=cy, discharge=q)
    return model


def macdonald_1d(
    cell_m: float = 5.0,
    *,
    discharge_m2s: float = 2.0,
    manning: float = 0.033,
    length_m: float = 1000.0,
) -> xr.Dataset:
    """MacDonald's steady 1D solution for the SWASHES long channel (subcritical, no rain).

    The depth is prescribed, ``h(x) = (4/g)^(1/3) (1 + ½ exp(−16 (x/L − ½)²))``, and the bed
    follows from the steady shallow-water equations with Manning friction:
    ``z(x) = ∫ₓᴸ (1 − q²/(g h³)) h' + n² q² / h^(10/3) dξ`` (so ``z(L) = 0``), evaluated by
    adaptive quadrature at each cell centre.

    Returns
    -------
    xarray.Dataset
        Over ``x`` (cell centres, m): ``bed`` (m), ``depth`` (m), ``wse`` (m).
    """
    if not (cell_m > 0 and discharge_m2s > 0 and manning > 0 and length_m > cell_m):
        raise HydroError("macdonald_1d: cell_m, discharge_m2s, manning, length_m must be > 0")
    n_cells = round(length_m / cell_m)
    x = (np.arange(n_cells) + 0.5) * cell_m
    h_c = (4.0 / GRAVITY) ** (1.0 / 3.0)

    def depth(s: float) -> float:
        return h_c * (1.0 + 0.5 * math.exp(-16.0 * (s / length_m - 0.5) ** 2))

    def slope(s: float) -> float:
        h = depth(s)
        dh = h_c * 0.5 * math.exp(-16.0 * (s / length_m - 0.5) ** 2)
        dh *= -32.0 * (s / length_m - 0.5) / length_m
        q2 = discharge_m2s**2
        return (1.0 - q2 / (GRAVITY * h**3)) * dh + manning**2 * q2 / h ** (10.0 / 3.0)

    bed = np.array([quad(slope, s, length_m, epsabs=1e-12, epsrel=1e-12)[0] for s in x])
    h = np.array([depth(s) for s in x])
    return xr.Dataset(
        {
            "bed": ("x", bed, {"units": "m", "long_name": "bed elevation"}),
            "depth": ("x", h, {"units": "m", "long_name": "analytic water depth"}),
            "wse": ("x", bed + h, {"units": "m", "long_name": "analytic water surface"}),
        },
        coords={"x": ("x", x, {"units": "m"})},
        attrs={"discharge_m2s": discharge_m2s, "manning": manning, "length_m": length_m},
    )


def macdonald_1d_case(
    cell_m: float = 5.0,
    *,
    rows: int = 3,
    dtype: str = "float64",
    bed: np.ndarray | None = None,
) -> tuple[FloodModel, xr.Dataset]:
    """The MacDonald channel as a strip ``rows`` cells wide: inflow west, free outflow east.

    ``q = 2 m²/s`` enters the west column (``q × cell_m`` m³/s in each of its cells), north,
    south and west are walls, east is free outflow; the channel starts dry. Run to steady
    state (a quarter of an hour at 5 m) and compare the centre row's ``wse`` with the
    solution's.

    Parameters
    ----------
    cell_m
        Cell size (m).
    rows
        Width of the strip in cells.
    dtype
        ``"float32"`` or ``"float64"``.
    bed
        Bed elevations (m) at the cell centres to use instead of the computed ones (e.g.
        another table of the same solution).

    Returns
    -------
    (FloodModel, xarray.Dataset)
        The model and :func:`macdonald_1d` on its grid.
    """
    from hydro import FloodModel

    sol = macdonald_1d(cell_m)
    z = sol.bed.values if bed is None else np.asarray(bed, dtype=float)
    if z.shape != sol.bed.shape:
        raise HydroError(f"bed must have {sol.sizes['x']} values (one per cell), got {z.shape}")
    y = (np.arange(rows)[::-1] + 0.5) * cell_m
    elevation = xr.DataArray(
        np.tile(z, (rows, 1)),
        coords={"y": y, "x": sol.x.values},
        dims=("y", "x"),
        name="elevation",
        attrs={"units": "m"},
    )
    model = FloodModel(elevation, manning=0.033, dtype=dtype)
    for cy in y:
        model.add_inflow(x=float(sol.x[0]), y=float(cy), discharge=2.0 * cell_m)
    model.set_boundary("east", "free")
    return model, sol


def sample_points(field: xr.DataArray, points: pd.DataFrame) -> xr.DataArray:
    """A field at control points, bilinear between cell centres (a point on a cell edge gets
    the mean of the cells beside it).

    Parameters
    ----------
    field
        Over ``(..., y, x)``.
    points
        Columns ``x`` and ``y``; its index becomes the ``point`` dimension.

    Returns
    -------
    xarray.DataArray
        Over ``(..., point)``.
    """
    idx = points.index.rename("point")
    out = field.interp(
        x=xr.DataArray(points["x"].to_numpy(), dims="point", coords={"point": idx}),
        y=xr.DataArray(points["y"].to_numpy(), dims="point", coords={"point": idx}),
    )
    return out.assign_attrs(field.attrs)


def arrival_times(series: xr.DataArray, threshold_m: float = 0.01) -> xr.DataArray:
    """First time each series passes ``threshold_m``, linear between samples; NaN if never.

    Parameters
    ----------
    series
        Depth over ``(time, point)``, ``time`` in seconds.
    threshold_m
        The depth that counts as arrival (m).
    """
    t = np.asarray(series["time"].values, dtype=float)
    values = np.asarray(series.transpose("time", ...).values, dtype=float)
    out = np.full(values.shape[1:], np.nan)
    for j in np.ndindex(*values.shape[1:]):
        v = values[(slice(None), *j)]
        above = np.flatnonzero(v > threshold_m)
        if above.size == 0:
            continue
        k = int(above[0])
        if k == 0:
            out[j] = t[0]
        else:
            out[j] = t[k - 1] + (threshold_m - v[k - 1]) * (t[k] - t[k - 1]) / (v[k] - v[k - 1])
    dims = [d for d in series.dims if d != "time"]
    return xr.DataArray(
        out,
        coords={d: series[d] for d in dims},
        dims=dims,
        attrs={"units": "s", "long_name": f"arrival time (depth > {threshold_m} m)"},
    )


def score_points(
    model_depth: xr.DataArray, reference_depth: xr.DataArray, *, threshold_m: float = 0.01
) -> pd.DataFrame:
    """Arrival time and peak depth of a run against a reference, per control point.

    Parameters
    ----------
    model_depth, reference_depth
        Depth (m) over ``(time, point)`` with the same ``point`` labels, ``time`` in seconds.
    threshold_m
        Arrival threshold (m).

    Returns
    -------
    pandas.DataFrame
        Indexed by point: ``arrival_s``, ``arrival_ref_s``, ``arrival_error_s``, ``peak_m``,
        ``peak_ref_m``, ``peak_error_m``, ``peak_rel_error``, and ``rmse_m`` (depth RMSE on
        the reference's times inside the run). Reference peaks are taken inside the run's
        time span, so a shortened run is scored fairly.
    """
    ref = reference_depth.sel(point=model_depth["point"].values)
    arr = arrival_times(model_depth, threshold_m)
    arr_ref = arrival_times(ref, threshold_m)
    t_end = float(model_depth["time"].max())
    common = ref.where(ref["time"] <= t_end + 1.0, drop=True)
    peak = model_depth.max("time")
    peak_ref = common.max("time")
    on_ref = model_depth.interp(time=common["time"].values)
    rmse = ((on_ref - common.values) ** 2).mean("time") ** 0.5
    out = pd.DataFrame(
        {
            "arrival_s": arr.values,
            "arrival_ref_s": arr_ref.values,
            "peak_m": peak.values,
            "peak_ref_m": peak_ref.values,
            "rmse_m": rmse.values,
        },
        index=pd.Index(model_depth["point"].values, name="point"),
    )
    out["arrival_error_s"] = out.arrival_s - out.arrival_ref_s
    out["peak_error_m"] = out.peak_m - out.peak_ref_m
    out["peak_rel_error"] = out.peak_error_m / out.peak_ref_m
    return out


def checkerboard_m(
    result: xr.Dataset, elevation: xr.DataArray, *, min_depth_m: float = 0.1
) -> float:
    """Largest odd-even (checkerboard) wiggle of the water surface in a run (m).

    For every snapshot and every cell that is wet (depth > ``min_depth_m``) together with its
    four neighbours: ``|η − mean of the neighbours' η|``; the largest value. A smooth flood
    gives a fraction of the bed's curvature (centimetres); an odd-even instability gives metres.

    Parameters
    ----------
    result
        A run's result (``depth`` over ``(time, y, x)``).
    elevation
        The bed (m) on the same grid; NaN counts as dry.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> bed = xr.DataArray(np.zeros((4, 4)), dims=("y", "x"))
    >>> wiggle = 1.0 + 0.5 * (np.indices((4, 4)).sum(axis=0) % 2)
    >>> checkerboard_m(xr.Dataset({"depth": (("time", "y", "x"), wiggle[None])}), bed)
    0.5
    """
    z = np.nan_to_num(np.asarray(elevation.values, dtype=float), nan=np.inf)
    worst = 0.0
    for depth in result["depth"].transpose("time", "y", "x").values:
        h = np.asarray(depth, dtype=float)
        eta = np.where(np.isfinite(z), z + h, 0.0)
        wet = (h > min_depth_m) & np.isfinite(z)
        inner = wet[1:-1, 1:-1] & wet[:-2, 1:-1] & wet[2:, 1:-1] & wet[1:-1, :-2] & wet[1:-1, 2:]
        if not inner.any():
            continue
        mean4 = 0.25 * (eta[:-2, 1:-1] + eta[2:, 1:-1] + eta[1:-1, :-2] + eta[1:-1, 2:])
        worst = max(worst, float(np.abs(eta[1:-1, 1:-1] - mean4)[inner].max()))
    return worst
