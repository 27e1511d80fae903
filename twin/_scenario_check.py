"""Checks of a scenario against its city, and the city loading both the check and the run use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pyproj import CRS, Transformer

if TYPE_CHECKING:
    from twin.scenario import Scenario, _Located

__all__ = ["city_problems", "dem_cell_size_m", "load_city_cached", "point_xy"]

_CITY_CACHE: dict[tuple[str, float], Any] = {}


def load_city_cached(path: Path) -> Any:
    """``layers.load_city(path)``, kept while the package's ``city.toml`` is unchanged."""
    import layers

    path = Path(path).resolve()
    stamp = max((p.stat().st_mtime for p in path.glob("*") if p.is_file()), default=0.0)
    key = (str(path), stamp)
    if key not in _CITY_CACHE:
        _CITY_CACHE.clear()
        _CITY_CACHE[key] = layers.load_city(path)
    return _CITY_CACHE[key]


def point_xy(point: _Located, crs: CRS | str) -> tuple[float, float]:
    """A scenario point in the city's CRS (m)."""
    if point.x is not None and point.y is not None:
        return float(point.x), float(point.y)
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(point.lon, point.lat)
    return float(x), float(y)


def dem_cell_size_m(dem: Any) -> float:
    """The larger of the DEM's two cell sides (m)."""
    x = np.asarray(dem["x"], dtype=float)
    y = np.asarray(dem["y"], dtype=float)
    return max(abs(float(x[1] - x[0])), abs(float(y[1] - y[0])))


def _inside(dem: Any, x: float, y: float) -> bool:
    xs = np.asarray(dem["x"], dtype=float)
    ys = np.asarray(dem["y"], dtype=float)
    hx = abs(xs[1] - xs[0]) / 2
    hy = abs(ys[1] - ys[0]) / 2
    return bool(xs.min() - hx <= x <= xs.max() + hx and ys.min() - hy <= y <= ys.max() + hy)


def city_problems(scenario: Scenario, city: Any | None = None) -> list[str]:
    """Every problem of ``scenario`` against its city, one ``key: what is wrong`` line each."""
    problems: list[str] = []
    if city is None:
        try:
            path = scenario.city_path()
        except ValueError as exc:
            return [f"city: the city could not be prepared: {exc}"]
        if not path.is_dir():
            return [f"city: no city package at {path}"]
        try:
            city = load_city_cached(path)
        except ValueError as exc:
            return [f"city: the city package at {path} does not load: {exc}"]
    dem = city.dem
    cell = dem_cell_size_m(dem)
    if scenario.resolution_m < cell - 1e-6:
        problems.append(
            f"resolution_m: {scenario.resolution_m:g} m is finer than the DEM's {cell:g} m "
            "cells; use a resolution of at least the DEM's"
        )
    extent = min(dem.sizes["x"], dem.sizes["y"]) * cell
    if scenario.resolution_m * 3 > extent:
        problems.append(
            f"resolution_m: {scenario.resolution_m:g} m leaves fewer than 3 cells across the "
            f"{extent:g} m wide domain"
        )
    dam_ids = set(city.dams["dam_id"].astype(str)) if len(city.dams) else set()
    known = ", ".join(sorted(dam_ids)) or "none"
    for i, op in enumerate(scenario.dams):
        if op.dam_id not in dam_ids:
            problems.append(f"dams[{i}].dam_id: unknown dam {op.dam_id!r} (the city has {known})")
            continue
        row = city.dams.loc[city.dams["dam_id"].astype(str) == op.dam_id].iloc[0]
        if not _inside(dem, float(row["entry_x"]), float(row["entry_y"])):
            problems.append(f"dams[{i}]: the entry cell of dam {op.dam_id!r} is off the DEM")
    for i, inflow in enumerate(scenario.inflows):
        if inflow.dam_id is not None:
            if inflow.dam_id not in dam_ids:
                problems.append(
                    f"inflows[{i}].dam_id: unknown dam {inflow.dam_id!r} (the city has {known})"
                )
            continue
        x, y = point_xy(inflow, city.crs)
        if not _inside(dem, x, y):
            problems.append(f"inflows[{i}]: the point ({x:.0f}, {y:.0f}) m is off the DEM")
    rain = scenario.rain
    if rain is not None and rain.kind == "gauges":
        gauge_ids = set(city.gauges["gauge_id"].astype(str)) if len(city.gauges) else set()
        for i, g in enumerate(rain.gauges):
            if not g.has_point() and g.id not in gauge_ids:
                problems.append(
                    f"rain.gauges[{i}]: gauge {g.id!r} has no point and is not in the city's "
                    "gauges layer; give x/y or lon/lat"
                )
    if rain is not None and rain.kind == "grid":
        grid_path = scenario.resolve_path(rain.path)
        if not grid_path.is_file():
            problems.append(f"rain.path: no file at {grid_path}")
        else:
            import xarray as xr

            try:
                with xr.open_dataset(grid_path) as ds:
                    if rain.variable not in ds:
                        problems.append(
                            f"rain.variable: {rain.variable!r} not in {grid_path.name} "
                            f"(it has {', '.join(map(str, ds.data_vars))})"
                        )
                    elif set(ds[rain.variable].dims) != {"time", "y", "x"}:
                        problems.append(
                            f"rain.variable: {rain.variable!r} must have dims (time, y, x), "
                            f"has {ds[rain.variable].dims}"
                        )
            except (OSError, ValueError) as exc:
                problems.append(f"rain.path: {grid_path.name} does not open as NetCDF: {exc}")
    return problems
