"""Turn a scenario into model forcings: the resampled grid, rain, dam releases, boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import rioxarray  # noqa: F401  (registers the .rio accessor)
import xarray as xr

from twin._errors import TwinError
from twin._scenario_check import dem_cell_size_m, point_xy
from twin.scenario import DesignRain, GaugeRain, GridRain, Scenario

__all__ = [
    "Forcing",
    "PointInflow",
    "build_forcing",
    "design_hyetograph",
    "idw_weights",
    "raise_deep_bed",
    "resample_grid",
    "series_to_dataarray",
    "step_series",
]

#: Spacing (m) of the grid a spatially varying rain field is computed on; the model regrids it.
RAIN_GRID_M = 500.0
_EPS_S = 1.0  # a step hyetograph is given as two samples per block, 1 s apart at the edges
#: Time step (s) of the inflow hydrograph given to level-pool routing.
ROUTING_STEP_S = 900.0


@dataclass
class PointInflow:
    """A discharge (m³/s, number or DataArray over elapsed seconds) entering at x/y (m)."""

    name: str
    x: float
    y: float
    discharge: float | xr.DataArray


@dataclass
class Forcing:
    """Everything a flood model needs for one scenario."""

    elevation: xr.DataArray
    manning: float | xr.DataArray
    rain_mm_h: xr.DataArray | None = None
    rain_mean_total_mm: float = 0.0
    loss_mm_h: float = 0.0
    inflows: list[PointInflow] = field(default_factory=list)
    boundaries: list[tuple[str, str, float | xr.DataArray | None]] = field(default_factory=list)
    # rivers entering over an edge: (edge, discharge m³/s, stretch along the edge or None)
    edge_inflows: list[tuple[str, float | xr.DataArray, tuple[float, float] | None]] = field(
        default_factory=list
    )
    initial_depth: xr.DataArray | None = None
    # a hot start (depths and fluxes) from a saved hydro.FloodModel; wins over initial_depth
    initial_state: Any = None
    dam_operations: dict[str, pd.DataFrame] = field(default_factory=dict)
    # the sea held at a level (hydro's fixed-level cells): (cells, level m)
    fixed_level: tuple[xr.DataArray, float | xr.DataArray] | None = None
    solver: dict[str, float] = field(default_factory=dict)


def resample_grid(grid: xr.DataArray, resolution_m: float) -> xr.DataArray:
    """A (y, x) grid at ``resolution_m``: block means when the ratio to the grid's cell is a
    whole number (``coarsen``, the ragged edge trimmed), else an average reprojection."""
    cell = dem_cell_size_m(grid)
    ratio = resolution_m / cell
    if abs(ratio - 1.0) < 1e-6:
        return grid
    crs = grid.rio.crs
    if abs(ratio - round(ratio)) < 1e-6:
        k = round(ratio)
        out = grid.coarsen(x=k, y=k, boundary="trim").mean()
        out.attrs = dict(grid.attrs)
        out.name = grid.name
    else:
        out = _warp_average(grid, resolution_m)
    if crs is not None:
        out = out.rio.write_crs(crs)
    return out.astype(grid.dtype)


def _warp_average(grid: xr.DataArray, resolution_m: float) -> xr.DataArray:
    """Average reprojection onto square cells of ``resolution_m`` (same CRS and origin)."""
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.warp import reproject

    from twin.impact._grid import grid_transform

    src_transform = grid_transform(grid.to_dataset(name="v"))
    ny, nx = grid.shape
    width = int(abs(src_transform.a) * nx // resolution_m)
    height = int(abs(src_transform.e) * ny // resolution_m)
    left, top = src_transform.c, src_transform.f
    dst_transform = Affine(resolution_m, 0.0, left, 0.0, -resolution_m, top)
    values = np.full((height, width), np.nan, dtype="float64")
    crs = grid.rio.crs or "EPSG:32648"
    reproject(
        np.asarray(grid.values, dtype="float64"),
        values,
        src_transform=src_transform,
        src_crs=crs,
        dst_transform=dst_transform,
        dst_crs=crs,
        resampling=Resampling.average,
        src_nodata=np.nan,
        dst_nodata=np.nan,
    )
    x = left + resolution_m * (np.arange(width) + 0.5)
    y = top - resolution_m * (np.arange(height) + 0.5)
    return xr.DataArray(
        values, coords={"y": y, "x": x}, dims=("y", "x"), name=grid.name, attrs=dict(grid.attrs)
    )


def series_to_dataarray(
    series: list[tuple[float, float]], *, name: str, units: str, offset_h: float = 0.0
) -> xr.DataArray:
    """``[[hours, value], ...]`` as a DataArray over ``time`` in elapsed seconds."""
    hours = np.array([h for h, _ in series], dtype=float) + offset_h
    values = np.array([v for _, v in series], dtype=float)
    if hours.size == 1:
        hours = np.array([hours[0], hours[0] + 1.0])
        values = np.repeat(values, 2)
    return xr.DataArray(
        values,
        coords={"time": ("time", hours * 3600.0, {"units": "s"})},
        dims="time",
        name=name,
        attrs={"units": units},
    )


def step_series(
    edges_s: npt.NDArray[np.float64], values: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Sample points of a piecewise-constant series (block ``k`` over ``edges_s[k:k+2]``) for
    a consumer that interpolates linearly: two samples per block, 1 s apart at the edges."""
    t = [0.0] if edges_s[0] > 0 else []
    v = [0.0] if edges_s[0] > 0 else []
    for k, val in enumerate(values):
        t += [edges_s[k], edges_s[k + 1] - _EPS_S]
        v += [val, val]
    t.append(edges_s[-1])
    v.append(0.0)
    return np.asarray(t), np.asarray(v)


def design_hyetograph(rain: DesignRain) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Block edges (s after the run's start) and intensities (mm/h) of a design storm.

    Intensities are for a total of 1 mm (multiply by the total), except for the
    ``hyetograph`` shape which gives its own intensities.

    Examples
    --------
    >>> from twin.scenario import DesignRain
    >>> edges, i = design_hyetograph(DesignRain(kind="design", total_mm=1, hours=2,
    ...                                         shape="triangular", step_minutes=30))
    >>> (edges / 3600).tolist(), i.round(3).tolist()
    ([0.0, 0.5, 1.0, 1.5, 2.0], [0.25, 0.75, 0.75, 0.25])
    >>> float((i * 0.5).sum())  # mm
    1.0
    """
    t0 = rain.start_hour * 3600.0
    if rain.shape == "hyetograph":
        assert rain.hyetograph_mm_h is not None
        vals = np.asarray(rain.hyetograph_mm_h, dtype=float)
        edges = t0 + np.linspace(0.0, rain.hours * 3600.0, vals.size + 1)
        return edges, vals
    n = max(round(rain.hours * 60.0 / rain.step_minutes), 1)
    edges_h = np.linspace(0.0, rain.hours, n + 1)
    # integrate a unit shape at one-minute resolution inside each block
    fine = np.linspace(0.0, rain.hours, n * 60 + 1)
    mid = (fine[:-1] + fine[1:]) / 2
    peak = rain.peak_fraction * rain.hours
    if rain.shape == "uniform":
        shape = np.ones_like(mid)
    elif rain.shape == "triangular":
        shape = np.where(mid <= peak, mid / peak, (rain.hours - mid) / (rain.hours - peak))
    else:  # chicago (Keifer and Chu 1957), b = 10 min, c = 0.7, tau in minutes from the peak
        b, c = 10.0, 0.7
        r = rain.peak_fraction
        tau = np.where(mid <= peak, (peak - mid) / r, (mid - peak) / (1 - r)) * 60.0
        shape = ((1 - c) * tau + b) / (tau + b) ** (1 + c)
    per_block = shape.reshape(n, 60).sum(axis=1)
    per_block = per_block / per_block.sum()  # mm per block, total 1 mm
    block_h = rain.hours / n
    return t0 + edges_h * 3600.0, per_block / block_h


def idw_weights(
    src_x: npt.ArrayLike,
    src_y: npt.ArrayLike,
    dst_x: npt.ArrayLike,
    dst_y: npt.ArrayLike,
    *,
    power: float = 2.0,
) -> npt.NDArray[np.float64]:
    """Inverse-distance weights (n_dst, n_src), each row summing to 1.

    A destination on a source point takes that source's value.

    Examples
    --------
    >>> idw_weights([0, 10], [0, 0], [0, 5], [0, 0]).round(2).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    sx = np.asarray(src_x, dtype=float)[None, :]
    sy = np.asarray(src_y, dtype=float)[None, :]
    dx = np.asarray(dst_x, dtype=float).ravel()[:, None]
    dy = np.asarray(dst_y, dtype=float).ravel()[:, None]
    dist = np.hypot(dx - sx, dy - sy)
    on = dist < 1e-6
    w = np.where(on, 1.0, 1.0 / np.maximum(dist, 1e-6) ** power)
    w = np.where(on.any(axis=1, keepdims=True), on.astype(float), w)
    return np.asarray(w / w.sum(axis=1, keepdims=True), dtype=float)


def rain_grid_coords(elevation: xr.DataArray) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (x ascending, y descending) of the coarse grid a rain field lives on:
    :data:`RAIN_GRID_M` apart, or an eighth of a small domain, never finer than its cells."""
    x = np.asarray(elevation["x"], dtype=float)
    y = np.asarray(elevation["y"], dtype=float)
    extent = min(np.ptp(x), np.ptp(y))
    step = max(dem_cell_size_m(elevation), min(RAIN_GRID_M, extent / 8.0))
    gx = np.arange(x.min(), x.max() + step, step)
    gy = np.arange(y.max(), y.min() - step, -step)
    return gx, gy


def _design_rain(rain: DesignRain, elevation: xr.DataArray, crs: Any) -> tuple[xr.DataArray, float]:
    edges, unit = design_hyetograph(rain)
    t, v = step_series(edges, unit)
    time = {"time": ("time", t, {"units": "s"})}
    if rain.points is None:
        total = 1.0 if rain.shape == "hyetograph" else float(rain.total_mm or 0.0)
        da = xr.DataArray(v * total, coords=time, dims="time")
        mean_total = float((unit * np.diff(edges) / 3600.0).sum() * total)
    else:
        pts = [point_xy(p, crs) for p in rain.points]
        totals = np.array([p.total_mm for p in rain.points], dtype=float)
        gx, gy = rain_grid_coords(elevation)
        xx, yy = np.meshgrid(gx, gy)
        w = idw_weights([p[0] for p in pts], [p[1] for p in pts], xx, yy, power=rain.idw_power)
        field_mm = (w @ totals).reshape(xx.shape)
        da = xr.DataArray(
            v[:, None, None] * field_mm[None, :, :],
            coords={**time, "y": gy, "x": gx},
            dims=("time", "y", "x"),
        )
        mean_total = float(field_mm.mean())
    da.name = "rain"
    da.attrs["units"] = "mm h-1"
    return da, mean_total


def gauge_rain_field(
    gauge_xy: list[tuple[float, float]],
    times_s: npt.NDArray[np.float64],
    intensity_mm_h: npt.NDArray[np.float64],
    elevation: xr.DataArray,
    *,
    power: float = 2.0,
) -> xr.DataArray:
    """Rain (mm/h) over (time, y, x) on the rain grid from gauge intensities (time, gauge)
    by inverse distance weighting; a NaN reading drops that gauge at that time."""
    gx, gy = rain_grid_coords(elevation)
    xx, yy = np.meshgrid(gx, gy)
    w = idw_weights([p[0] for p in gauge_xy], [p[1] for p in gauge_xy], xx, yy, power=power)
    vals = np.asarray(intensity_mm_h, dtype=float)
    ok = np.isfinite(vals)
    num = np.nan_to_num(vals) @ w.T  # (time, cells)
    den = ok.astype(float) @ w.T
    field_ = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return xr.DataArray(
        field_.reshape(times_s.size, gy.size, gx.size),
        coords={"time": ("time", times_s, {"units": "s"}), "y": gy, "x": gx},
        dims=("time", "y", "x"),
        name="rain",
        attrs={"units": "mm h-1"},
    )


def _gauge_rain(rain: GaugeRain, city: Any, elevation: xr.DataArray) -> tuple[xr.DataArray, float]:
    xy = []
    for g in rain.gauges:
        if g.has_point():
            xy.append(point_xy(g, city.crs))
        else:
            row = city.gauges.loc[city.gauges["gauge_id"].astype(str) == g.id].iloc[0]
            xy.append((float(row.geometry.x), float(row.geometry.y)))
    t0 = rain.start_hour * 3600.0
    step = min(g.interval_minutes for g in rain.gauges) * 60.0
    end = max(len(g.mm) * g.interval_minutes * 60.0 for g in rain.gauges)
    edges = t0 + np.arange(0.0, end + step / 2, step)
    blocks = np.zeros((edges.size - 1, len(rain.gauges)))
    for j, g in enumerate(rain.gauges):
        dt = g.interval_minutes * 60.0
        own = np.asarray(g.mm, dtype=float) / (dt / 3600.0)
        k = np.clip(((edges[:-1] - t0) // dt).astype(int), 0, None)
        blocks[:, j] = np.where(k < own.size, own[np.minimum(k, own.size - 1)], 0.0)
    t, _ = step_series(edges, blocks[:, 0])
    values = np.vstack([step_series(edges, blocks[:, j])[1] for j in range(blocks.shape[1])]).T
    da = gauge_rain_field(xy, t, values, elevation, power=rain.idw_power)
    mean_total = float(da.mean(("y", "x")).integrate("time") / 3600.0)
    return da, mean_total


def _grid_rain(rain: GridRain, scenario: Scenario) -> tuple[xr.DataArray, float]:
    with xr.open_dataset(scenario.resolve_path(rain.path)) as ds:
        da = ds[rain.variable].load()
    units = str(da.attrs.get("units", "mm h-1")).replace(" ", "").lower()
    if units not in ("mmh-1", "mm/h", "mm/hr", "mmhr-1"):
        raise TwinError(f"rain.path: {rain.variable} is in {units!r}; give mm/h ('mm h-1')")
    t = da["time"].values
    if np.issubdtype(t.dtype, np.datetime64):
        secs = t.astype("datetime64[ns]") - scenario.start_utc.tz_localize(None).to_datetime64()
        secs = secs / np.timedelta64(1, "s")
    else:
        secs = np.asarray(t, dtype=float) * 3600.0
    da = da.assign_coords(time=("time", np.asarray(secs, dtype=float), {"units": "s"}))
    mean_total = float(da.mean(("y", "x")).integrate("time") / 3600.0)
    da.attrs["units"] = "mm h-1"
    return da, mean_total


def _dam_release(
    op: Any, dam: Any, scenario: Scenario, engine: Any
) -> tuple[xr.DataArray, pd.DataFrame]:
    import hydro

    if op.mode == "schedule":
        da = series_to_dataarray(op.release_m3s, name="release", units="m3 s-1")
        t = np.asarray(da["time"].values, dtype=float)
        q = np.asarray(da.values, dtype=float)
        if t[-1] < scenario.duration_s:  # the model holds the last value to the end
            t, q = np.append(t, scenario.duration_s), np.append(q, q[-1])
        return da, pd.DataFrame({"elapsed_s": t, "release_m3s": q})
    if op.mode == "routing":
        coarse = series_to_dataarray(op.inflow_m3s, name="inflow", units="m3 s-1")
        # routed on a 15-minute grid over the run, so the release has that resolution too
        t_end = max(scenario.duration_s, float(coarse["time"][-1]))
        t = np.arange(0.0, t_end + ROUTING_STEP_S / 2, ROUTING_STEP_S)
        inflow = xr.DataArray(
            np.interp(t, coarse["time"].values, coarse.values),
            coords={"time": ("time", t, {"units": "s"})},
            dims="time",
            attrs={"units": "m3 s-1"},
        )
        gates: float | xr.DataArray | None
        if isinstance(op.gates_open, list):
            gates = series_to_dataarray(op.gates_open, name="gates", units="1")
        else:
            gates = op.gates_open
        try:
            routed = hydro.Reservoir.from_dam(dam).route(
                inflow,
                initial_level_m=op.initial_level_m,
                gates_open=gates,
                turbine_m3s=op.turbine_m3s,
            )
        except hydro.HydroError as exc:
            raise TwinError(f"dams: routing of {op.dam_id!r} failed: {exc}") from None
        table = pd.DataFrame(
            {
                "elapsed_s": np.asarray(routed["time"].values, dtype=float),
                "release_m3s": routed["release_m3s"].values,
                "level_m": routed["level_m"].values,
            }
        )
        return hydro.release_hydrograph(routed), table
    from twin._sensor_forcing import dam_release_from_sensors

    return dam_release_from_sensors(
        engine, op.dam_id, scenario.start_utc, scenario.start_utc + scenario.duration
    )


def onto_grid(x: float, y: float, grid: xr.DataArray) -> tuple[float, float]:
    """A point moved onto the grid's outer cells if it lies in the strip that coarsening
    trimmed off (the points were checked against the DEM before)."""
    xs = np.asarray(grid["x"], dtype=float)
    ys = np.asarray(grid["y"], dtype=float)
    return float(np.clip(x, xs.min(), xs.max())), float(np.clip(y, ys.min(), ys.max()))


def raise_deep_bed(elevation: xr.DataArray, min_bed_m: float | None) -> xr.DataArray:
    """The bed raised to ``min_bed_m`` where it is lower (None: unchanged).

    A deep sea beyond a level boundary only stores water at the boundary's level, yet its
    depth sets the explicit solver's time step (``dt ~ dx / sqrt(g h)``); a shallow sea
    floor changes neither the level nor the flood on land, and the run takes fewer steps.
    """
    if min_bed_m is None:
        return elevation
    out = elevation.clip(min=min_bed_m)
    out.attrs = dict(elevation.attrs)
    return out


def build_forcing(scenario: Scenario, city: Any, *, engine: Any = None) -> Forcing:
    """All model inputs of ``scenario`` over ``city``: grid, rain, inflows, boundaries, water.

    ``engine`` is the database with the dam sensors' readings (dams in mode ``sensors``).

    Raises
    ------
    TwinError
        When an input cannot be built (a rain file in other units, a routing that fails).
    """
    elevation = raise_deep_bed(resample_grid(city.dem, scenario.resolution_m), scenario.min_bed_m)
    if scenario.manning is not None:
        manning: float | xr.DataArray = float(scenario.manning)
    else:
        manning = resample_grid(city.manning, scenario.resolution_m)
        manning = manning.assign_coords(x=elevation["x"], y=elevation["y"])
    forcing = Forcing(
        elevation=elevation,
        manning=manning,
        loss_mm_h=scenario.loss_mm_h,
        solver=scenario.solver.options(),
    )
    rain = scenario.rain
    if isinstance(rain, DesignRain):
        forcing.rain_mm_h, forcing.rain_mean_total_mm = _design_rain(rain, elevation, city.crs)
    elif isinstance(rain, GaugeRain):
        forcing.rain_mm_h, forcing.rain_mean_total_mm = _gauge_rain(rain, city, elevation)
    elif isinstance(rain, GridRain):
        forcing.rain_mm_h, forcing.rain_mean_total_mm = _grid_rain(rain, scenario)
    dams = city.dams.set_index(city.dams["dam_id"].astype(str), drop=False)
    for op in scenario.dams:
        dam = dams.loc[op.dam_id]
        release, table = _dam_release(op, dam, scenario, engine)
        forcing.dam_operations[op.dam_id] = table
        x, y = onto_grid(float(dam["entry_x"]), float(dam["entry_y"]), elevation)
        forcing.inflows.append(PointInflow(f"dam {op.dam_id}", x, y, release))
    for i, inflow in enumerate(scenario.inflows):
        if inflow.dam_id is not None:
            dam = dams.loc[inflow.dam_id]
            x, y = float(dam["entry_x"]), float(dam["entry_y"])
        else:
            x, y = point_xy(inflow, city.crs)
        q: float | xr.DataArray = (
            series_to_dataarray(inflow.discharge_m3s, name="inflow", units="m3 s-1")
            if isinstance(inflow.discharge_m3s, list)
            else float(inflow.discharge_m3s)
        )
        x, y = onto_grid(x, y, elevation)
        forcing.inflows.append(PointInflow(inflow.name or f"inflow {i}", x, y, q))
    for b in scenario.boundaries:
        if b.kind == "discharge":
            assert b.discharge_m3s is not None
            q_edge: float | xr.DataArray = (
                series_to_dataarray(b.discharge_m3s, name="inflow", units="m3 s-1")
                if isinstance(b.discharge_m3s, list)
                else float(b.discharge_m3s)
            )
            forcing.edge_inflows.append((b.edge, q_edge, b.between_m))
            continue
        level: float | xr.DataArray | None = (
            series_to_dataarray(b.level_m, name="level", units="m")
            if isinstance(b.level_m, list)
            else b.level_m
        )
        forcing.boundaries.append((b.edge, b.kind, level))
    level_edges = [(e, v) for e, k, v in forcing.boundaries if k == "level" and v is not None]
    if scenario.sea_below_m is not None and level_edges:
        import hydro

        sea = hydro.connected_below(
            elevation, scenario.sea_below_m, edges=[e for e, _ in level_edges]
        )
        forcing.fixed_level = (sea, level_edges[0][1])
    init = scenario.initial
    if init.water_level_m is not None or init.depth_m > 0:
        depth = xr.zeros_like(elevation, dtype=float) + init.depth_m
        if init.water_level_m is not None:
            fill = (init.water_level_m - elevation).clip(min=0.0)
            if level_edges:  # the lagoon and the rivers joined to it, not every hollow
                import hydro

                body = hydro.connected_below(
                    elevation, init.water_level_m, edges=[e for e, _ in level_edges]
                )
                fill = fill.where(body.values, 0.0)
            depth = depth + fill
        depth.attrs = {"units": "m"}
        forcing.initial_depth = depth.astype(elevation.dtype)
    return forcing


def apply_forcing(model: Any, forcing: Forcing) -> None:
    """Hand every forcing to a :class:`hydro.FloodModel`."""
    if forcing.rain_mm_h is not None:
        model.add_rain(forcing.rain_mm_h)
    if forcing.loss_mm_h > 0:
        model.add_loss(forcing.loss_mm_h)
    for inflow in forcing.inflows:
        model.add_inflow(x=inflow.x, y=inflow.y, discharge=inflow.discharge)
    for edge, kind, level in forcing.boundaries:
        if kind == "level":
            model.set_boundary(edge, kind, level=level)
        else:
            model.set_boundary(edge, kind)
    for edge, q_edge, between in forcing.edge_inflows:
        model.set_boundary(edge, "discharge", discharge=q_edge, between=between)
    if forcing.fixed_level is not None:
        model.set_fixed_level(*forcing.fixed_level)
    if forcing.initial_state is not None:
        model.set_initial_state(forcing.initial_state)
    elif forcing.initial_depth is not None:
        model.set_initial_depth(forcing.initial_depth)
