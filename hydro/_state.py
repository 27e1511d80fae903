"""Save and load a whole FloodModel (grid, forcings, state) to one ``.npz`` file.

Arrays go in as they are (exact, any dtype, no pickle); the rest as one JSON document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from hydro._errors import HydroError
from hydro._fixed import FixedLevel
from hydro._forcing import Series
from hydro._infiltration import CurveNumber, GreenAmpt

if TYPE_CHECKING:
    from hydro.model import FloodModel

__all__ = ["load_state", "save_state"]

_FORMAT = "hydro.FloodModel state 1"


def _put_series(arrays: dict[str, np.ndarray], key: str, s: Series) -> dict[str, Any]:
    arrays[f"{key}.values"] = s.values
    if s.times is not None:
        arrays[f"{key}.times"] = s.times
    return {"key": key, "timed": s.times is not None}


def _get_series(arrays: Any, meta: dict[str, Any]) -> Series:
    key = meta["key"]
    times = arrays[f"{key}.times"] if meta["timed"] else None
    return Series(values=arrays[f"{key}.values"], times=times)


def save_state(model: FloodModel, path: Path) -> None:
    """Write ``model`` to ``path`` (numpy ``.npz``)."""
    f = model._forcings
    elev = model._elevation
    arrays: dict[str, np.ndarray] = {
        "elevation": np.asarray(elev.values),
        "x": np.asarray(elev["x"].values),
        "y": np.asarray(elev["y"].values),
        "manning_squared": model._n2,
        "h": model._h,
        "qx": model._qx,
        "qy": model._qy,
        "max_h": model._max_h,
        "max_v": model._max_v,
        "arrival": model._arrival,
    }
    meta: dict[str, Any] = {
        "format": _FORMAT,
        "dtype": str(model.dtype),
        "theta": model.theta,
        "friction": model.friction,
        "alpha": model.alpha,
        "flow_depth": model.flow_depth,
        "arrival_depth": model.arrival_depth,
        "speed_depth": model.speed_depth,
        "max_dt": model.max_dt,
        "max_depth": model.max_depth,
        "t": model._t,
        "steps": model._steps,
        "start": None if model._start is None else str(model._start),
        "crs": None if elev.rio.crs is None else elev.rio.crs.to_wkt(),
        "elevation_attrs": {k: v for k, v in elev.attrs.items() if isinstance(v, (str, int))},
        "balance": {
            k: v.tolist() if isinstance(v, np.ndarray) else v
            for k, v in vars(model._balance).items()
        },
        "rain": [_put_series(arrays, f"rain{i}", s) for i, s in enumerate(f.rain)],
        "loss": [_put_series(arrays, f"loss{i}", s) for i, s in enumerate(f.loss)],
        "inflows": [
            {"x": q.x, "y": q.y, **_put_series(arrays, f"inflow{i}", q.discharge)}
            for i, q in enumerate(f.inflows)
        ],
        "stretches": [
            {
                "edge": st.edge,
                "start": st.start,
                "end": st.end,
                **_put_series(arrays, f"stretch{i}", st.discharge),
            }
            for i, st in enumerate(f.stretches)
        ],
        "fixed": [],
        "structures": [
            {"key": f"structure{i}", "crest": float(w.crest[0]), "coeff": w.coeff}
            for i, w in enumerate(f.structures)
        ],
        "boundaries": {},
        "rain_grid": None,
        "loss_grid": f.loss_grid is not None,
    }
    if f.infiltration is not None:
        meta["infiltration"] = type(f.infiltration).__name__
        for name, value in vars(f.infiltration).items():
            arrays[f"infiltration.{name}"] = value
    for i, w in enumerate(f.structures):
        arrays[f"structure{i}.vertices"] = w.vertices
    for i, fx in enumerate(f.fixed):
        arrays[f"fixed{i}.cells"] = fx.cells
        meta["fixed"].append(_put_series(arrays, f"fixed{i}", fx.level))
    for edge, b in f.boundaries.items():
        entry: dict[str, Any] = {"kind": b.kind, "slope": b.slope, "level": None}
        if b.level is not None:
            entry["level"] = _put_series(arrays, f"level_{edge}", b.level)
        meta["boundaries"][edge] = entry
    if f.rain_grid is not None:
        arrays["rain_grid.grids"] = f.rain_grid.grids
        if f.rain_grid.times is not None:
            arrays["rain_grid.times"] = f.rain_grid.times
        meta["rain_grid"] = {"timed": f.rain_grid.times is not None}
    if f.loss_grid is not None:
        arrays["loss_grid"] = f.loss_grid
    arrays["meta"] = np.array(json.dumps(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]


def load_state(cls: type[FloodModel], path: Path) -> FloodModel:
    """Read a model written by :func:`save_state`."""
    from hydro.model import _Boundary, _Inflow, _RainGrid

    if not path.exists():
        raise HydroError(f"no model state at {path}")
    with np.load(path, allow_pickle=False) as arrays:
        try:
            meta = json.loads(str(arrays["meta"]))
        except KeyError as err:
            raise HydroError(f"{path} is not a hydro.FloodModel state file") from err
        if meta.get("format") != _FORMAT:
            raise HydroError(f"{path}: unknown state format {meta.get('format')!r}")
        elev = xr.DataArray(
            arrays["elevation"],
            coords={"y": arrays["y"], "x": arrays["x"]},
            dims=("y", "x"),
            attrs=meta["elevation_attrs"],
        )
        if meta["crs"] is not None:
            elev = elev.rio.write_crs(meta["crs"])
        # the model keeps only n² (in its dtype): restored exactly below
        n2 = arrays.get("manning_squared")
        n_values = np.sqrt(n2.astype(np.float64)) if n2 is not None else arrays["manning"]
        n = xr.DataArray(n_values, coords=elev.coords, dims=("y", "x"))
        model = cls(
            elev,
            manning=n,
            dtype=meta["dtype"],
            theta=meta["theta"],
            friction=meta.get("friction", "1d"),
            alpha=meta["alpha"],
            flow_depth=meta["flow_depth"],
            arrival_depth=meta["arrival_depth"],
            speed_depth=meta.get("speed_depth", meta["flow_depth"]),
            max_dt=meta["max_dt"],
            max_depth=meta["max_depth"],
        )
        for name, attr in (
            ("h", "_h"),
            ("qx", "_qx"),
            ("qy", "_qy"),
            ("max_h", "_max_h"),
            ("max_v", "_max_v"),
            ("arrival", "_arrival"),
        ):
            getattr(model, attr)[...] = arrays[name]
        if n2 is not None:
            model._n2[...] = n2
        model._t = float(meta["t"])
        model._steps = int(meta["steps"])
        model._start = None if meta["start"] is None else np.datetime64(meta["start"], "ns")
        for k, v in meta["balance"].items():
            setattr(model._balance, k, np.array(v) if isinstance(v, list) else float(v))
        f = model._forcings
        f.rain = [_get_series(arrays, m) for m in meta["rain"]]
        f.loss = [_get_series(arrays, m) for m in meta["loss"]]
        f.inflows = []
        for m in meta["inflows"]:
            cell = model.grid.cell_of(m["x"], m["y"])
            assert cell is not None
            f.inflows.append(_Inflow(m["x"], m["y"], cell[0], cell[1], _get_series(arrays, m)))
        f.stretches = []
        for m in meta.get("stretches", []):
            # the same call as the saved model's, so the same cells
            model._add_stretch(m["edge"], 0.0, (m["start"], m["end"]))
            f.stretches[-1].discharge = _get_series(arrays, m)
        f.fixed = [
            FixedLevel(arrays[f"{m['key']}.cells"], _get_series(arrays, m))
            for m in meta.get("fixed", [])
        ]
        kind = meta.get("infiltration")
        if kind is not None:
            infil: CurveNumber | GreenAmpt = (
                CurveNumber.__new__(CurveNumber)
                if kind == "CurveNumber"
                else GreenAmpt.__new__(GreenAmpt)
            )
            for key in arrays.files:
                if key.startswith("infiltration."):
                    setattr(infil, key.split(".", 1)[1], arrays[key])
            f.infiltration = infil
        for m in meta.get("structures", []):
            model.add_structure(arrays[f"{m['key']}.vertices"], m["crest"], coeff=m["coeff"])
        for edge, entry in meta["boundaries"].items():
            level = None if entry["level"] is None else _get_series(arrays, entry["level"])
            f.boundaries[edge] = _Boundary(kind=entry["kind"], level=level, slope=entry["slope"])
        if meta["rain_grid"] is not None:
            times = arrays["rain_grid.times"] if meta["rain_grid"]["timed"] else None
            f.rain_grid = _RainGrid(times=times, grids=arrays["rain_grid.grids"])
        if meta["loss_grid"]:
            f.loss_grid = arrays["loss_grid"]
    return model
