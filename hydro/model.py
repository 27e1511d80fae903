"""The flood model: a local-inertial 2D solver on a raster, driven by rain, rivers and dams.

The scheme is LISFLOOD-FP's ``acc`` solver (Bates, Horritt and Fewtrell 2010; with the
numerical diffusion of de Almeida, Bates, Freer and Souvignet 2012). On each cell face the
unit-width flux ``q`` (m²/s) is advanced explicitly with semi-implicit Manning friction::

    q_new = (q_theta - g h_f dt dη/dx) / (1 + g dt n² |q| / h_f^(7/3))
    q_theta = theta q + (1 - theta)/2 (q_left + q_right)        (same-direction neighbours)
    h_f = max(η_i, η_j) - max(z_i, z_j)                         (no flow where h_f < flow_depth)

and depths follow from the flux divergence plus rain, point inflows and losses. A cell never
gives more water than it holds: its outgoing fluxes are scaled down (not its depth clipped),
so the volume balance stays exact. The time step is ``dt = c dx / sqrt(g h_max)`` with the
Courant number ``c = min(alpha, sqrt(theta / 2))`` (:attr:`FloodModel.courant`), cut to land
exactly on output times and on ``until``. As in LISFLOOD-FP, a face whose theta-weighted flux
would run against the water-surface drop takes the plain update with its own old flux, and
friction acts on the norm of the flux vector (``friction="2d"``). The time loop itself is in
:mod:`hydro._loop`.

Cells must be square (|dx| = |dy|); resample a rectangular grid first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numba
import numpy as np
import xarray as xr

from hydro import _kernels as K  # noqa: N812
from hydro._errors import HydroError
from hydro._fixed import FixedLevel
from hydro._forcing import Series, as_rate_grid, as_series, parse_duration, to_seconds
from hydro._grid import Grid, field_on_grid, grid_from_elevation
from hydro._infiltration import CurveNumber, GreenAmpt
from hydro._loop import KIND_CODE, integrate
from hydro._result import build_result
from hydro._structures import WEIR_COEFF, Structure, snap_to_faces

__all__ = ["FloodModel"]

_SMALL_GRID = 32_768
EDGES = ("north", "south", "west", "east")
BoundaryKind = Literal["closed", "free", "level", "discharge"]


@dataclass
class _Boundary:
    kind: str = "closed"
    level: Series | None = None
    slope: float = -1.0


@dataclass
class _Inflow:
    x: float
    y: float
    row: int
    col: int
    discharge: Series


@dataclass
class _Stretch:
    """A discharge boundary: ``discharge`` enters through the cells ``cells`` along ``edge``."""

    edge: str
    start: float
    end: float
    cells: np.ndarray  # int64 indices along the edge
    discharge: Series


@dataclass
class _RainGrid:
    times: np.ndarray | None
    grids: np.ndarray  # (nt, ny, nx) m/s, float64
    seconds: np.ndarray | None = None


@dataclass
class _Balance:
    rain_m3: float = 0.0
    inflow_m3: float = 0.0
    outflow_m3: float = 0.0
    loss_m3: float = 0.0
    storage0_m3: float = 0.0
    # per edge code (first row ... last column): [volume in through its faces, volume out] (m³)
    edge_m3: np.ndarray = field(default_factory=lambda: np.zeros((4, 2)))
    # fixed-level cells: volume put in / taken out to hold their level (m³)
    fixed_in_m3: float = 0.0
    fixed_out_m3: float = 0.0
    # per edge code: volume in through its discharge stretches (m³)
    edge_discharge_m3: np.ndarray = field(default_factory=lambda: np.zeros(4))


@dataclass
class _Forcings:
    rain: list[Series] = field(default_factory=list)
    rain_grid: _RainGrid | None = None
    loss: list[Series] = field(default_factory=list)
    loss_grid: np.ndarray | None = None  # (ny, nx) m/s, float64
    inflows: list[_Inflow] = field(default_factory=list)
    stretches: list[_Stretch] = field(default_factory=list)
    fixed: list[FixedLevel] = field(default_factory=list)
    structures: list[Structure] = field(default_factory=list)
    infiltration: CurveNumber | GreenAmpt | None = None
    boundaries: dict[str, _Boundary] = field(
        default_factory=lambda: {e: _Boundary() for e in EDGES}
    )


class FloodModel:
    """A 2D flood model on the grid of an elevation raster.

    Parameters
    ----------
    elevation : xarray.DataArray (y, x)
        Bed elevation (m) on a regular grid of square cells, coordinates in metres (cell
        centres); the CRS (rioxarray) is carried into the results. No NaN.
    manning : float or xarray.DataArray (y, x)
        Manning's roughness n (s m^(-1/3)), a number or a grid on the elevation's grid; >= 0.
    dtype : {"float32", "float64"}
        Floating-point type of the state. float32 is about twice as fast; float64 for tests
        that need round-off below 1e-7.
    theta : float
        de Almeida's weighting (0 < theta <= 1); 1 is the plain Bates et al. (2010) scheme.
        As in LISFLOOD-FP, a face whose weighted update would run against the water-surface
        drop takes the plain update with its own old flux instead, which keeps 0.7 stable on
        steep ground and over deep water.
    friction : {"2d", "1d"}
        What the Manning friction of a face acts on: "2d" the norm of the flux vector,
        ``sqrt(q² + q̄⊥²)`` with ``q̄⊥`` the mean of the four transverse fluxes around the face
        (LISFLOOD-FP's 2D friction option); "1d" the face-normal flux ``|q|`` alone (the
        original scheme), which underestimates the friction of flow that crosses the grid at
        an angle. "2d" (the default): EA Test 4 at 10 m cells has its peak depths within
        1.1 % of LISFLOOD-FP's 1 m reference and depth RMSE <= 4.2 mm, against 1.7-6.2 % low
        and up to 13 mm with "1d"; it costs about 7 % more time per step (12 % more in the
        flux pass).
    alpha : float
        Courant number of the adaptive time step (0 < alpha <= 1), at most ``sqrt(theta / 2)``
        (0.59 at theta = 0.7; see :attr:`courant`): beyond that the odd-even mode of the
        theta scheme grows in deep, smooth water.
    flow_depth : float
        Threshold flow depth ``h_f`` (m) below which a face carries no flow.
    arrival_depth : float
        Depth (m) whose first crossing gives ``arrival_time``.
    speed_depth : float
        Cells shallower than this (m) report no speed. On steep ground a cell's first wet step
        has no friction yet (the semi-implicit term uses the previous flux), so films of a
        few millimetres would show spurious speeds of tens of m/s; the flow itself is
        unchanged (only ``speed`` and ``max_speed`` read this).
    max_dt : float
        Largest time step (s), used while the domain is (nearly) dry.
    max_depth : float
        A depth above this (m), or NaN, stops the run as unstable.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> x = np.arange(5) * 10.0 + 5
    >>> dem = xr.DataArray(np.zeros((5, 5)), coords={"y": x[::-1], "x": x}, dims=("y", "x"))
    >>> model = FloodModel(dem, manning=0.03, dtype="float64")
    >>> model.add_rain(36.0)  # mm/h
    >>> result = model.run(until=100)
    >>> round(float(result.depth.isel(time=-1).mean()), 6)  # 36 mm/h for 100 s
    0.001
    >>> abs(model.volume_balance["relative_error"]) < 1e-12
    True
    """

    def __init__(
        self,
        elevation: xr.DataArray,
        *,
        manning: float | xr.DataArray = 0.03,
        dtype: str = "float32",
        theta: float = 0.7,
        alpha: float = 0.7,
        friction: object = "2d",  # "2d" | "1d"; object while twin passes **dict[str, float]
        flow_depth: float = 1e-3,
        arrival_depth: float = 0.1,
        speed_depth: float = 0.01,
        max_dt: float = 10.0,
        max_depth: float = 1e4,
    ) -> None:
        problems = []
        if dtype not in ("float32", "float64"):
            problems.append(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        if not 0.0 < theta <= 1.0:
            problems.append(f"theta must be in (0, 1], got {theta}")
        if friction not in ("2d", "1d"):
            problems.append(f"friction must be '2d' or '1d', got {friction!r}")
        if not 0.0 < alpha <= 1.0:
            problems.append(f"alpha must be in (0, 1], got {alpha}")
        if not flow_depth > 0.0:
            problems.append(f"flow_depth must be > 0 m, got {flow_depth}")
        if not arrival_depth > 0.0:
            problems.append(f"arrival_depth must be > 0 m, got {arrival_depth}")
        if not speed_depth >= 0.0:
            problems.append(f"speed_depth must be >= 0 m, got {speed_depth}")
        if not max_dt > 0.0:
            problems.append(f"max_dt must be > 0 s, got {max_dt}")
        if problems:
            raise HydroError("; ".join(problems))
        self.grid: Grid
        self.grid, z = grid_from_elevation(elevation)
        self._elevation = elevation.transpose("y", "x")
        self.dtype = np.dtype(dtype)
        self.theta = float(theta)
        self.alpha = float(alpha)
        self.friction = str(friction)
        self.flow_depth = float(flow_depth)
        self.arrival_depth = float(arrival_depth)
        self.speed_depth = float(speed_depth)
        self.max_dt = float(max_dt)
        self.max_depth = float(max_depth)
        ny, nx = self.grid.shape
        dt_ = self.dtype
        self._z = z.astype(dt_)
        del z
        # only n² is kept, in the state's dtype (see manning_squared)
        n = self._manning_grid(manning)  # may be the caller's own array: not in place
        self._n2 = np.empty((ny, nx), dt_)
        np.multiply(n, n, out=self._n2)
        del n
        self._h = np.zeros((ny, nx), dt_)
        self._qx = np.zeros((ny, nx + 1), dt_)
        self._qy = np.zeros((ny + 1, nx), dt_)
        self._max_h = np.zeros((ny, nx), dt_)
        self._max_v = np.zeros((ny, nx), dt_)
        self._arrival = np.full((ny, nx), np.inf, dt_)
        self._t = 0.0
        self._steps = 0
        self._start: np.datetime64 | None = None
        self._forcings = _Forcings()
        self._balance = _Balance()

    @classmethod
    def from_lisflood(cls, path: str | Path, *, dtype: str = "float32") -> FloodModel:
        """The model a LISFLOOD-FP ``.par`` file describes: its DEM, friction, boundary
        conditions (``.bci`` / ``.bdy``), start depths, theta and Courant number.

        Options it cannot honour (sub-grid channels among them) are refused by name; see
        :mod:`hydro._from_lisflood`. :func:`hydro.run_lisflood` also runs it for the file's
        ``sim_time``.
        """
        from hydro._from_lisflood import from_lisflood

        return from_lisflood(cls, path, dtype)

    # ----------------------------------------------------------------- inputs
    def _manning_grid(self, manning: object) -> np.ndarray:
        ny, nx = self.grid.shape
        if isinstance(manning, xr.DataArray):
            n = field_on_grid(manning, self.grid, "manning")
        elif isinstance(manning, (int, float, np.integer, np.floating)) and not isinstance(
            manning, bool
        ):
            n = np.full((ny, nx), float(manning))
        else:
            raise HydroError(f"manning: expected a number or a DataArray, got {manning!r}")
        if not np.all(np.isfinite(n)):
            raise HydroError("manning: contains NaN or infinite values; fill them first")
        if np.any(n < 0):
            raise HydroError(f"manning: n must be >= 0 (smallest {n.min():g}); check the grid")
        return n

    def add_rain(self, rate: float | xr.DataArray) -> None:
        """Add rain over the domain.

        Parameters
        ----------
        rate : float or xarray.DataArray
            Rain rate in mm/h (or the DataArray's ``units``: "mm/h", "mm h-1", "m/s"): a
            number; a DataArray over ``time`` (uniform in space); or over ``(time, y, x)`` or
            ``(y, x)`` on any grid in the model's CRS (regridded to the model's cells). Times
            are elapsed seconds, or datetimes when the run is given ``start``; values are
            linear in time and held beyond the ends. Several calls add up (at most one grid).
        """
        got = as_rate_grid(rate, self.grid.x, self.grid.y, "rain", allow_time=True)
        if isinstance(got, Series):
            self._forcings.rain.append(got)
            return
        if self._forcings.rain_grid is not None:
            raise HydroError("rain: only one gridded rain field per model; add them up first")
        times, grids = got
        self._forcings.rain_grid = _RainGrid(times=times, grids=grids)

    def add_loss(self, rate: float | xr.DataArray) -> None:
        """Add a loss (infiltration, drainage) taken from the water on each cell.

        Parameters
        ----------
        rate : float or xarray.DataArray (y, x)
            Loss rate in mm/h (or the DataArray's ``units``), >= 0, constant in time; a grid
            is regridded to the model's cells. Never takes more water than a cell holds.
        """
        got = as_rate_grid(rate, self.grid.x, self.grid.y, "loss", allow_time=False)
        if isinstance(got, Series):
            if got.times is not None:
                raise HydroError("loss: must be constant in time; give a number or a grid")
            self._forcings.loss.append(got)
            return
        grid = got[1][0]
        lg = self._forcings.loss_grid
        self._forcings.loss_grid = grid if lg is None else lg + grid

    def _param_grid(self, value: float | xr.DataArray, what: str) -> np.ndarray:
        if isinstance(value, xr.DataArray):
            return field_on_grid(value, self.grid, what)
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return np.full(self.grid.shape, float(value))
        raise HydroError(f"{what}: expected a number or a (y, x) DataArray, got {value!r}")

    def _set_infiltration(self, model: CurveNumber | GreenAmpt) -> None:
        self._refuse_after_run("infiltration")
        if self._forcings.infiltration is not None:
            raise HydroError("infiltration: one method per model (Curve Number or Green-Ampt)")
        self._forcings.infiltration = model

    def add_infiltration_scs(
        self, curve_number: float | xr.DataArray, *, ia_ratio: float = 0.2
    ) -> None:
        """Infiltrate rain by the SCS Curve Number method (see :mod:`hydro._infiltration`).

        Parameters
        ----------
        curve_number : float or xarray.DataArray (y, x)
            CN (0 < CN <= 100) per cell, on the elevation's grid; :func:`hydro.per_class`
            makes one from a land-use grid.
        ia_ratio : float
            Initial abstraction as a fraction of the retention S (0.2, NRCS; 0.05 is also used).
        """
        cn = self._param_grid(curve_number, "curve number")
        self._set_infiltration(CurveNumber(cn, float(ia_ratio)))

    def add_infiltration_green_ampt(
        self,
        ksat_mm_h: float | xr.DataArray,
        suction_mm: float | xr.DataArray,
        moisture_deficit: float | xr.DataArray,
        *,
        initial_mm: float = 1.0,
    ) -> None:
        """Infiltrate ponded water by Green-Ampt (see :mod:`hydro._infiltration`).

        Parameters
        ----------
        ksat_mm_h, suction_mm, moisture_deficit : float or xarray.DataArray (y, x)
            Saturated conductivity (mm/h), wetting-front suction (mm) and moisture deficit
            (-, porosity minus initial water content) per cell (:func:`hydro.per_class`).
        initial_mm : float
            Depth taken as already infiltrated at the start (> 0; keeps ``f`` finite).
        """
        ks = self._param_grid(ksat_mm_h, "green-ampt ksat") * (1e-3 / 3600.0)
        psi = self._param_grid(suction_mm, "green-ampt suction") * 1e-3
        deficit = self._param_grid(moisture_deficit, "green-ampt moisture deficit")
        self._set_infiltration(GreenAmpt(ks, psi, deficit, float(initial_mm) * 1e-3))

    def add_inflow(self, *, x: float, y: float, discharge: float | xr.DataArray) -> None:
        """Add a point inflow (a river entering the domain, a dam release).

        Parameters
        ----------
        x, y : float
            Location (m, the elevation's CRS); the water enters the cell containing it.
        discharge : float or xarray.DataArray
            m³/s (or the DataArray's ``units``), >= 0: a number or a series over ``time``.
        """
        q = as_series(discharge, "discharge", "inflow discharge", nonnegative=True)
        cell = self.grid.cell_of(float(x), float(y))
        if cell is None:
            g = self.grid
            raise HydroError(
                f"inflow at x={x:g}, y={y:g} lies outside the grid (x {g.x.min():g}..{g.x.max():g}"
                f", y {g.y.min():g}..{g.y.max():g}); move it onto a cell of the domain"
            )
        self._forcings.inflows.append(_Inflow(float(x), float(y), cell[0], cell[1], q))

    def set_boundary(
        self,
        edge: str,
        kind: BoundaryKind,
        *,
        level: float | xr.DataArray | None = None,
        slope: float | None = None,
        discharge: float | xr.DataArray | None = None,
        between: tuple[float, float] | None = None,
    ) -> None:
        """Set the condition on one edge of the domain, or add a river entering through it.

        Parameters
        ----------
        edge : {"north", "south", "west", "east"}
        kind : {"closed", "free", "level", "discharge"}
            "closed": a wall (the default). "free": outflow at normal depth driven by
            ``slope``, or where it is not given by the local bed (or water-surface) slope
            towards the edge; water never enters. "level": the water level outside is
            ``level`` (m, a number or a series over ``time``); water flows in or out.
            "discharge": a river entering over the stretch ``between`` of the edge
            (LISFLOOD-FP's ``QFIX``/``QVAR`` on an edge): ``discharge`` is spread over the
            stretch's wet cells in proportion to their conveyance ``h^(5/3)`` (into its lowest
            cell while it is dry), and its faces let no water out. Each call adds a stretch;
            the rest of the edge keeps its own kind (closed unless set).
        level : float or xarray.DataArray, optional
            Water level (m) for "level"; must not lie below the lowest bed along the edge.
        slope : float, optional
            Friction slope (m/m, >= 0) for "free".
        discharge : float or xarray.DataArray, optional
            Total discharge (m³/s, >= 0, a number or a series over ``time``) for "discharge".
        between : (float, float), optional
            For "discharge": the stretch along the edge (x for north/south, y for west/east,
            m) whose cell centres take the water; default the whole edge. A stretch narrower
            than a cell takes the cell holding its middle.
        """
        if edge not in EDGES:
            raise HydroError(f"edge must be one of {EDGES}, got {edge!r}")
        if kind != "discharge" and kind not in KIND_CODE:
            kinds = (*KIND_CODE, "discharge")
            raise HydroError(f"boundary kind must be one of {kinds}, got {kind!r}")
        only = {"level": level, "slope": slope, "discharge": discharge, "between": between}
        allowed = {"level": ("level",), "free": ("slope",), "discharge": ("discharge", "between")}
        for name, value in only.items():
            if value is not None and name not in allowed.get(kind, ()):
                raise HydroError(f"{edge} boundary: {name}= does not apply to kind {kind!r}")
        if kind == "discharge":
            self._add_stretch(edge, discharge, between)
            return
        b = _Boundary(kind=kind)
        if kind == "level":
            if level is None:
                raise HydroError(f"{edge} boundary: kind 'level' needs level=... (m)")
            b.level = as_series(level, "level", f"{edge} boundary level", nonnegative=False)
            bed = self._edge_bed(edge)
            if b.level.minimum() < bed.min():
                raise HydroError(
                    f"{edge} boundary level {b.level.minimum():g} m lies below the lowest bed "
                    f"along that edge ({bed.min():g} m); give a level at or above the bed "
                    "(a dry edge is 'closed' or 'free')"
                )
        if kind == "free" and slope is not None:
            if not (np.isfinite(slope) and slope >= 0):
                raise HydroError(f"{edge} boundary: slope must be a number >= 0, got {slope}")
            b.slope = float(slope)
        self._forcings.boundaries[edge] = b

    def set_fixed_level(self, where: xr.DataArray, level: float | xr.DataArray) -> None:
        """Hold the water surface of the cells ``where`` at ``level``: a sea or a lagoon
        (SFINCS's mask value 2, LISFLOOD-FP's fixed-level cells).

        After every step their depth is put back to ``max(level - bed, 0)``; the volume that
        takes is counted in :attr:`volume_balance` (``fixed_level_in_m3`` / ``_out_m3``). They
        do not set the time step (see :mod:`hydro._fixed`), so a deep sea costs no more steps
        than the land beside it, and its bed need not be raised.

        Parameters
        ----------
        where : xarray.DataArray (y, x) of bool
            The cells, on the elevation's grid.
        level : float or xarray.DataArray
            Water level (m): a number or a series over ``time``.
        """
        self._refuse_after_run("set_fixed_level")
        if not isinstance(where, xr.DataArray):
            raise HydroError(
                f"fixed level: where must be a (y, x) DataArray of bool, got {where!r}"
            )
        mask = field_on_grid(where.astype(float), self.grid, "fixed level cells") != 0
        if not mask.any():
            raise HydroError("fixed level: no cell selected; where is False everywhere")
        series = as_series(level, "level", "fixed level", nonnegative=False)
        cells = np.flatnonzero(mask).astype(np.int64)
        taken = set()
        for fx in self._forcings.fixed:
            taken.update(fx.cells.tolist())
        if taken.intersection(cells.tolist()):
            raise HydroError("fixed level: some cells already have a fixed level; give each once")
        self._forcings.fixed.append(FixedLevel(cells, series))

    def add_structure(self, line: object, crest_m: float, *, coeff: float = WEIR_COEFF) -> None:
        """Add a levee, wall or embankment: a line that water crosses only above ``crest_m``.

        The line is snapped to the cell edges nearest to it (a continuous staircase of faces);
        across those faces water flows only where the higher water surface stands above the
        crest, as a broad-crested weir ``q = coeff · H^1.5`` per metre of crest with
        ``H`` = upstream level - crest, reduced by Villemonte's factor when the downstream
        water stands above the crest (see :mod:`hydro._structures`).

        Parameters
        ----------
        line : array-like (n, 2)
            Vertices ``(x, y)`` (m, the elevation's CRS), n >= 2.
        crest_m : float
            Crest level (m). Faces where the ground is at or above it are left as they are.
        coeff : float
            Weir coefficient (m^0.5/s); default (2/3)^1.5 · sqrt(g) = 1.70, a broad crest.
        """
        try:
            vertices = np.asarray(line, dtype=np.float64)
        except (TypeError, ValueError):
            raise HydroError(f"structure: line must be (x, y) vertices, got {line!r}") from None
        if vertices.ndim != 2 or vertices.shape[1] != 2 or vertices.shape[0] < 2:
            raise HydroError(
                f"structure: line must be at least two (x, y) vertices, got shape {vertices.shape}"
            )
        if not np.all(np.isfinite(vertices)):
            raise HydroError("structure: line vertices must be finite")
        if not math.isfinite(crest_m):
            raise HydroError(f"structure: crest_m must be a finite level (m), got {crest_m}")
        if not (math.isfinite(coeff) and coeff > 0):
            raise HydroError(f"structure: coeff must be > 0, got {coeff}")
        rows, cols, is_y = snap_to_faces(self.grid, vertices)
        crest = np.full(rows.size, float(crest_m))
        self._forcings.structures.append(Structure(vertices, rows, cols, is_y, crest, float(coeff)))

    def _add_stretch(
        self, edge: str, discharge: object, between: tuple[float, float] | None
    ) -> None:
        if discharge is None:
            raise HydroError(f"{edge} boundary: kind 'discharge' needs discharge=... (m³/s)")
        q = as_series(discharge, "discharge", f"{edge} boundary discharge", nonnegative=True)
        along = self.grid.along(edge)
        half = 0.5 * self.grid.dx
        lo_m, hi_m = float(along.min() - half), float(along.max() + half)
        if between is None:
            start, end = lo_m, hi_m
        else:
            try:
                start, end = sorted(float(v) for v in between)
            except (TypeError, ValueError):
                raise HydroError(
                    f"{edge} boundary: between must be two numbers (m along the edge), "
                    f"got {between!r}"
                ) from None
            if not (math.isfinite(start) and math.isfinite(end)):
                raise HydroError(f"{edge} boundary: between must be finite, got {between!r}")
        if end < lo_m or start > hi_m:
            raise HydroError(
                f"{edge} boundary: the stretch {start:g}..{end:g} m misses the edge "
                f"({lo_m:g}..{hi_m:g} m); give it in the elevation's CRS"
            )
        cells = np.flatnonzero((along >= start) & (along <= end)).astype(np.int64)
        if cells.size == 0:
            cells = np.array([int(np.argmin(np.abs(along - 0.5 * (start + end))))], np.int64)
        self._forcings.stretches.append(_Stretch(edge, start, end, cells, q))

    def _edge_bed(self, edge: str) -> np.ndarray:
        code = self.grid.edge_index[edge]
        z = self._z
        return [z[0, :], z[-1, :], z[:, 0], z[:, -1]][code].astype(np.float64)

    def _refuse_after_run(self, what: str) -> None:
        if self._steps or self._t:
            raise HydroError(f"{what}: the model has already run; make a new model")

    def set_initial_depth(self, depth: float | xr.DataArray) -> None:
        """Set the water depth (m, >= 0) before the first run: a number or a (y, x) grid."""
        self._refuse_after_run("set_initial_depth")
        if isinstance(depth, xr.DataArray):
            h = field_on_grid(depth, self.grid, "initial depth")
        elif isinstance(depth, (int, float, np.integer, np.floating)) and not isinstance(
            depth, bool
        ):
            h = np.full(self.grid.shape, float(depth))
        else:
            raise HydroError(f"initial depth: expected a number or a DataArray, got {depth!r}")
        if not np.all(np.isfinite(h)) or np.any(h < 0):
            raise HydroError("initial depth: must be finite and >= 0 everywhere")
        self._h[...] = h

    def set_initial_state(self, state: FloodModel) -> None:
        """Hot start: the water depths and the unit-width fluxes of ``state`` before the first run.

        ``state`` is another model on the same grid, typically ``FloodModel.load_state(path)``
        of an earlier run (LISFLOOD-FP's ``startfile`` and ``startq2d``). Unlike
        :meth:`set_initial_depth`, the water keeps moving as it was: no start-up wave while
        the fluxes build up again. Forcings, running maxima and arrival times are not taken
        over: this model's own forcings apply, and its maxima and arrival times start afresh.

        Raises
        ------
        HydroError
            If this model has already run, or ``state`` lies on another grid.
        """
        self._refuse_after_run("set_initial_state")
        if not isinstance(state, FloodModel):
            raise HydroError(f"initial state: expected a FloodModel, got {type(state).__name__}")
        mine, theirs = self._elevation, state._elevation
        same = mine.shape == theirs.shape and all(
            np.allclose(mine[c].values, theirs[c].values, rtol=0.0, atol=1e-6 * self.grid.dx)
            for c in ("y", "x")
        )
        if not same:
            raise HydroError(
                f"initial state: its grid ({theirs.shape[0]} x {theirs.shape[1]} cells from "
                f"x={float(theirs['x'][0]):g}, y={float(theirs['y'][0]):g}) is not this model's "
                f"({mine.shape[0]} x {mine.shape[1]} from x={float(mine['x'][0]):g}, "
                f"y={float(mine['y'][0]):g}); regrid its depth and use set_initial_depth"
            )
        h, qx, qy = state._h, state._qx, state._qy
        if not (np.all(np.isfinite(h)) and np.all(h >= 0)):
            raise HydroError("initial state: its depths must be finite and >= 0 everywhere")
        if not (np.all(np.isfinite(qx)) and np.all(np.isfinite(qy))):
            raise HydroError("initial state: its fluxes must be finite everywhere")
        self._h[...] = h
        self._qx[...] = qx
        self._qy[...] = qy

    # ----------------------------------------------------------------- state
    @property
    def courant(self) -> float:
        """The Courant number the time step uses: ``min(alpha, sqrt(theta / 2))``.

        ``sqrt(theta / 2)`` is the stability limit of the theta-weighted scheme in 2D without
        friction (von Neumann analysis of the linearised scheme: the odd-even mode grows
        beyond it, by a factor 2.3 per step at theta = alpha = 0.7); friction raises the limit,
        which is why shallow floodplain flows get away with more, but deep, smooth water
        (a lagoon, the sea) does not.
        """
        return min(self.alpha, math.sqrt(0.5 * self.theta))

    @property
    def time(self) -> float:
        """Model time: seconds elapsed since the start of the first run."""
        return self._t

    @property
    def depth(self) -> xr.DataArray:
        """The current water depth (m) as a (y, x) DataArray (a copy)."""
        return xr.DataArray(
            self._h.copy(),
            coords={"y": self._elevation["y"], "x": self._elevation["x"]},
            dims=("y", "x"),
            name="depth",
            attrs={"units": "m", "long_name": "water depth"},
        )

    @property
    def volume_balance(self) -> dict[str, float]:
        """Volumes (m³) since the start.

        ``rain_m3``, ``inflow_m3`` (point inflows and discharge boundaries), ``outflow_m3``
        (net, out through the edges' faces), ``loss_m3``, ``storage_change_m3``,
        ``error_m3 = storage change - (rain + inflow - outflow - loss)`` and
        ``relative_error`` = error / (initial storage + rain + inflow + boundary inflow,
        at least 1 µm of water over the domain); ``fixed_level_in_m3`` / ``_out_m3``: what
        the fixed-level cells (:meth:`set_fixed_level`) took in and gave to hold their level,
        counted in the error's sum as water from outside. Per edge, ``<edge>_in_m3`` and
        ``<edge>_out_m3`` (``north_in_m3``, ...): what entered (through its faces and its
        discharge stretches) and what left through it.
        """
        b = self._balance
        storage = K.depth_sum(self._h) * self.grid.cell_area
        change = storage - b.storage0_m3
        fixed_net = b.fixed_in_m3 - b.fixed_out_m3
        error = change - (b.rain_m3 + b.inflow_m3 - b.outflow_m3 - b.loss_m3 + fixed_net)
        gross = b.storage0_m3 + b.rain_m3 + b.inflow_m3 + float(b.edge_m3[:, 0].sum())
        gross += b.fixed_in_m3
        # a micrometre over the domain: below that, volumes are round-off of the depths
        gross = max(gross, 1e-6 * self._h.size * self.grid.cell_area)
        out = {
            "rain_m3": b.rain_m3,
            "inflow_m3": b.inflow_m3,
            "outflow_m3": b.outflow_m3,
            "loss_m3": b.loss_m3,
            "fixed_level_in_m3": b.fixed_in_m3,
            "fixed_level_out_m3": b.fixed_out_m3,
            "storage_change_m3": change,
            "error_m3": error,
            "relative_error": error / gross if gross > 0 else 0.0,
        }
        for edge in EDGES:
            code = self.grid.edge_index[edge]
            out[f"{edge}_in_m3"] = float(b.edge_m3[code, 0] + b.edge_discharge_m3[code])
            out[f"{edge}_out_m3"] = float(b.edge_m3[code, 1])
        return out

    def save_state(self, path: str | Path) -> None:
        """Write the whole model (grid, forcings, state, running maxima) to ``path`` (.npz).

        :meth:`load_state` gives back a model that continues exactly where this one stopped.
        """
        from hydro._state import save_state

        save_state(self, Path(path))

    @classmethod
    def load_state(cls, path: str | Path) -> FloodModel:
        """Read a model written by :meth:`save_state`."""
        from hydro._state import load_state

        return load_state(cls, Path(path))

    # ----------------------------------------------------------------- run
    def _elapsed(self, value: object, what: str) -> float:
        if isinstance(value, (np.datetime64, str)) or hasattr(value, "tzinfo"):
            if isinstance(value, str):
                try:
                    return parse_duration(value, what)
                except HydroError:
                    pass
            try:
                dt64 = _as_datetime64(value, what)
            except HydroError:
                raise HydroError(
                    f"{what}: cannot read {value!r} as seconds, a duration ('6h') or a date"
                ) from None
            if self._start is None:
                raise HydroError(f"{what}: a date needs run(start=...)")
            return float(to_seconds(np.array([dt64]), self._start, what)[0])
        return parse_duration(value, what)

    def run(
        self,
        until: float | str | np.datetime64,
        *,
        output_every: float | str | None = None,
        progress: Callable[[float], object] | None = None,
        start: object = None,
        threads: int | None = None,
    ) -> xr.Dataset:
        """Run the model from its current time to ``until``.

        Parameters
        ----------
        until : float, str or datetime
            End time: seconds since the start of the first run, a duration string ("6h"), or
            a date when ``start`` is known.
        output_every : float or str, optional
            Interval (s or "30min") of the snapshots; snapshots are at the current time, at
            every multiple of the interval and at ``until``. Default: current time and until.
        progress : callable, optional
            Called with the fraction done (0..1) as the run goes on, at least at every output.
        start : datetime-like, optional
            Date of model time 0. Forcing time coordinates may then be datetimes, and the
            result's ``time`` is datetime64. Fixed by the first run that gives it.
        threads : int, optional
            Number of threads for the kernels. Default: numba's current setting, or 1 on
            grids under 32,768 cells, where starting a thread costs more than a step.

        Returns
        -------
        xarray.Dataset
            ``depth``, ``wse``, ``speed`` (time, y, x); ``max_depth``, ``max_speed``,
            ``arrival_time`` (y, x), over all runs of this model so far; CF attributes;
            ``attrs`` with the solver parameters, ``steps`` and the volume balance.
        """
        if start is not None:
            s64 = _as_datetime64(start, "start")
            if self._start is not None and s64 != self._start:
                raise HydroError(
                    f"start: this model already started at {self._start}; omit start= or "
                    "give the same one"
                )
            self._start = s64
        until_s = self._elapsed(until, "until")
        t0 = self._t
        if not until_s > t0:
            raise HydroError(f"until ({until_s:g} s) must be later than the model time ({t0:g} s)")
        out_times = self._output_times(t0, until_s, output_every)
        self._resolve_forcings()
        max_threads = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
        if threads is not None and not 1 <= int(threads) <= max_threads:
            raise HydroError(f"threads must be 1..{max_threads}, got {threads}")
        previous_threads = numba.get_num_threads()
        if threads is None and self._h.size < _SMALL_GRID:
            threads = 1  # waking a second thread costs more than the step itself
        if threads is not None:
            numba.set_num_threads(int(threads))
        try:
            outputs, steps, wall = integrate(self, out_times, progress)
        finally:
            numba.set_num_threads(previous_threads)
        self.last_run_seconds = wall
        self.last_run_steps = steps
        return build_result(self, out_times, outputs, steps)

    def _output_times(self, t0: float, until: float, every: object) -> np.ndarray:
        if every is None:
            return np.array([t0, until])
        step = parse_duration(every, "output_every")
        if not step > 0:
            raise HydroError(f"output_every must be > 0 s, got {step:g}")
        k0 = math.floor(t0 / step) + 1
        k1 = math.ceil(until / step)
        inner = [k * step for k in range(k0, k1) if t0 < k * step < until]
        if len(inner) > 100_000:
            raise HydroError("output_every: more than 100000 snapshots; give a longer interval")
        return np.array([t0, *inner, until])

    def _resolve_forcings(self) -> None:
        f = self._forcings
        for s in f.rain:
            s.resolve(self._start, "rain")
        if f.rain_grid is not None and f.rain_grid.times is not None:
            sec = to_seconds(f.rain_grid.times, self._start, "rain")
            if sec.size > 1 and not np.all(np.diff(sec) > 0):
                raise HydroError("rain: the time coordinate must increase strictly")
            f.rain_grid.seconds = sec
        for inflow in f.inflows:
            inflow.discharge.resolve(self._start, "inflow discharge")
        for st in f.stretches:
            st.discharge.resolve(self._start, f"{st.edge} boundary discharge")
        for fx in f.fixed:
            fx.level.resolve(self._start, "fixed level")
        for edge, b in f.boundaries.items():
            if b.level is not None:
                b.level.resolve(self._start, f"{edge} boundary level")

    def _instability(self, t: float) -> HydroError:
        h = self._h
        bad = ~np.isfinite(h) | (h > self.max_depth)
        r, c = (int(v) for v in np.argwhere(bad)[0]) if bad.any() else (0, 0)
        x, y = self.grid.x[c], self.grid.y[r]
        return HydroError(
            f"the run went unstable at t={t:.3f} s in cell (row {r}, col {c}) at x={x:g}, "
            f"y={y:g} (depth {h[r, c]!r} m); lower alpha, use float64, or check the inputs "
            "(very steep walls, huge inflows)"
        )

    # ----------------------------------------------------------------- repr
    def __repr__(self) -> str:
        ny, nx = self.grid.shape
        return (
            f"FloodModel({ny}×{nx} cells of {self.grid.dx:g} m, {self.dtype}, t={self._t:g} s, "
            f"theta={self.theta}, alpha={self.alpha}, friction={self.friction!r})"
        )


def _as_datetime64(value: object, what: str) -> np.datetime64:
    import pandas as pd

    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as err:
        raise HydroError(f"{what}: cannot read {value!r} as a date") from err
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return np.datetime64(ts.to_datetime64(), "ns")
