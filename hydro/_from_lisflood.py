"""Build a :class:`~hydro.FloodModel` from a LISFLOOD-FP ``.par`` file (and run it).

What is read (LISFLOOD-FP 8 names, case-insensitive): ``DEMfile``; ``manningfile`` or
``fpfric``; ``bcifile`` and ``bdyfile``; ``startfile``; ``theta``; ``cfl``; ``sim_time`` and
``saveint`` (for :func:`run_lisflood`). Bookkeeping keys (``resroot``, ``dirroot``,
``massint``, ``initial_tstep``, ``stagefile``, ``elevoff``, ``depthoff``, ``acceleration``) are
accepted and do not change the model. Anything else, the sub-grid channel keys (``SGCwidth``,
``SGCbank``, ``SGCbed``, ``SGCn``) among them, is refused by name: hydro has no sub-grid
channels yet, and running a case without what its file asks for would give a wrong answer.

Boundary conditions (``.bci``): ``FREE`` (with its slope, if given), ``HFIX`` and ``HVAR`` set
their whole edge (one kind per edge); ``QFIX``/``QVAR`` on an edge stretch become a discharge
boundary over that stretch (the unit-width discharge times the stretch's length along the
grid edge), at a point an inflow times the cell size, as LISFLOOD-FP does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import xarray as xr

from hydro._errors import HydroError
from hydro.io_lisflood import BoundaryCondition, read_ascii_grid, read_bci, read_bdy, read_par

if TYPE_CHECKING:
    from hydro.model import FloodModel

__all__ = ["from_lisflood", "run_lisflood"]

_IGNORED = {
    "resroot", "dirroot", "massint", "initial_tstep", "stagefile", "elevoff", "depthoff",
    "acceleration", "sim_time", "saveint",
}  # fmt: skip
_READ = {"demfile", "manningfile", "fpfric", "bcifile", "bdyfile", "startfile", "theta", "cfl"}


def _file(par: dict[str, str | float | bool], key: str, base: Path) -> Path | None:
    value = par.get(key)
    if value is None:
        return None
    path = base / str(value)
    if not path.exists():
        raise HydroError(f"{key} {value!r}: no such file next to the .par ({path})")
    return path


def from_lisflood(cls: type[FloodModel], path: str | Path, dtype: str) -> FloodModel:
    """The model a ``.par`` file describes (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise HydroError(f"no LISFLOOD-FP parameter file at {path}")
    par = read_par(path)
    unknown = sorted(k for k in par if k not in _IGNORED | _READ)
    if unknown:
        sgc = [k for k in unknown if k.startswith("sgc")]
        hint = " (sub-grid channels are not supported yet)" if sgc else ""
        raise HydroError(f"{path.name}: options not supported here: {', '.join(unknown)}{hint}")
    base = path.parent
    dem_path = _file(par, "demfile", base)
    if dem_path is None:
        raise HydroError(f"{path.name}: needs DEMfile")
    dem = read_ascii_grid(dem_path)
    manning: float | xr.DataArray
    n_path = _file(par, "manningfile", base)
    if n_path is not None:
        manning = read_ascii_grid(n_path, name="manning", units="s m-1/3")
        manning = manning.assign_coords(x=dem["x"], y=dem["y"])
    elif isinstance(par.get("fpfric"), float):
        manning = float(par["fpfric"])
    else:
        raise HydroError(f"{path.name}: needs fpfric (a number) or manningfile")
    options: dict[str, float] = {}
    for key, name in (("theta", "theta"), ("cfl", "alpha")):
        if key in par:
            if not isinstance(par[key], float):
                raise HydroError(f"{path.name}: {key} must be a number, got {par[key]!r}")
            options[name] = float(par[key])
    model = cls(dem, manning=manning, dtype=dtype, **options)
    bci = _file(par, "bcifile", base)
    if bci is not None:
        bdy = _file(par, "bdyfile", base)
        _apply_bci(model, read_bci(bci), read_bdy(bdy) if bdy is not None else {})
    start = _file(par, "startfile", base)
    if start is not None:
        depth = read_ascii_grid(start, name="depth").assign_coords(x=dem["x"], y=dem["y"])
        model.set_initial_depth(depth.fillna(0.0))
    return model


def _series(
    bc: BoundaryCondition, series: dict[str, xr.DataArray], units: str
) -> float | xr.DataArray:
    if bc.kind in ("HFIX", "QFIX"):
        return float(bc.value or 0.0)
    if bc.series not in series:
        raise HydroError(
            f"{bc.kind} series {bc.series!r} is not in the .bdy file (it has {sorted(series)})"
        )
    return series[str(bc.series)].assign_attrs(units=units)


def _apply_bci(
    model: FloodModel, conditions: list[BoundaryCondition], series: dict[str, xr.DataArray]
) -> None:
    kinds: dict[str, str] = {}
    for bc in conditions:
        if bc.where == "point":
            if bc.kind not in ("QFIX", "QVAR"):
                raise HydroError(f"a point {bc.kind} condition is not supported (only QFIX/QVAR)")
            assert bc.x is not None and bc.y is not None
            q = _series(bc, series, "m3/s")
            width = model.grid.dx
            q = (q * width).assign_attrs(q.attrs) if isinstance(q, xr.DataArray) else q * width
            model.add_inflow(x=bc.x, y=bc.y, discharge=q)
            continue
        assert bc.start is not None and bc.end is not None
        along = model.grid.along(bc.where)
        half = 0.5 * model.grid.dx
        length = min(bc.end, along.max() + half) - max(bc.start, along.min() - half)
        if bc.kind in ("QFIX", "QVAR"):
            q = _series(bc, series, "m3/s")
            total = (
                (q * length).assign_attrs(q.attrs) if isinstance(q, xr.DataArray) else q * length
            )
            model.set_boundary(bc.where, "discharge", discharge=total, between=(bc.start, bc.end))
            continue
        kind = "free" if bc.kind == "FREE" else "level"
        if kinds.setdefault(bc.where, bc.kind) != bc.kind:
            raise HydroError(
                f"the {bc.where} edge has both {kinds[bc.where]} and {bc.kind}: one kind per edge"
            )
        if kind == "free":
            model.set_boundary(bc.where, "free", slope=bc.value)
        else:
            model.set_boundary(bc.where, "level", level=_series(bc, series, "m"))


def run_lisflood(path: str | Path, *, dtype: str = "float32") -> tuple[FloodModel, xr.Dataset]:
    """Build the model of a ``.par`` file and run it for its ``sim_time``, with snapshots every
    ``saveint`` seconds: ``(model, result)``."""
    from hydro.model import FloodModel

    par = read_par(path)
    until = par.get("sim_time")
    if not isinstance(until, float) or not until > 0:
        raise HydroError(f"{Path(path).name}: needs sim_time (s, > 0) to run")
    every = par.get("saveint")
    model = FloodModel.from_lisflood(path, dtype=dtype)
    result = model.run(until=until, output_every=every if isinstance(every, float) else None)
    return model, result
