"""Readers for LISFLOOD-FP's input and output files, so its published test cases run here.

Formats (LISFLOOD-FP 8 user manual):

- ESRI ASCII grid (``.asc``, ``.dem``, ``.dem.raw``, optionally gzipped): a header of
  ``ncols nrows xllcorner|xllcenter yllcorner|yllcenter cellsize [NODATA_value]`` and the rows,
  north first. :func:`read_ascii_grid` gives a DataArray with cell-centre ``x``/``y``.
- ``.bci`` boundary conditions: one per line, ``N|E|S|W start end KIND [value|series]`` for a
  stretch of an edge (start/end are x for N/S, y for E/W, in map units), or
  ``P x y KIND [value|series]`` for a point. KIND is ``FREE``, ``HFIX``, ``HVAR``, ``QFIX`` or
  ``QVAR``; discharges are per unit width (m²/s).
- ``.bdy`` time series: a comment line, then blocks of ``name`` / ``count units`` / ``count``
  rows of ``value time`` (units ``seconds``, ``minutes``, ``hours`` or ``days``).
- ``.stage`` control points: a count, then ``x y`` rows.
- ``.par`` parameters: ``key value`` lines and bare flags, ``#`` comments.
- ``.stage`` output (``resroot.stage``): depth or level over time at the control points.

:func:`lisflood_inflows` turns the discharge conditions into the point inflows
``FloodModel.add_inflow`` takes.
"""

from __future__ import annotations

import gzip
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np
import pandas as pd
import xarray as xr

from hydro._errors import HydroError

__all__ = [
    "BoundaryCondition",
    "lisflood_inflows",
    "read_ascii_grid",
    "read_bci",
    "read_bdy",
    "read_par",
    "read_stage_output",
    "read_stage_points",
    "write_ascii_grid",
]

Where = Literal["north", "south", "east", "west", "point"]
Kind = Literal["FREE", "HFIX", "HVAR", "QFIX", "QVAR"]

_EDGES: dict[str, Where] = {"N": "north", "S": "south", "E": "east", "W": "west", "P": "point"}
_KINDS = ("FREE", "HFIX", "HVAR", "QFIX", "QVAR")
_TIME_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}


def _read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise HydroError(f"{path}: no such file")
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                return fh.read()
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HydroError(f"{path}: cannot read it as text ({exc})") from exc


def _lines(path: str | Path) -> list[str]:
    """Non-empty lines, ``#`` comments removed."""
    out = []
    for raw in _read_text(path).splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def read_ascii_grid(
    path: str | Path, *, name: str = "elevation", units: str = "m", crs: object | None = None
) -> xr.DataArray:
    """Read an ESRI ASCII grid (optionally ``.gz``) as a DataArray on cell centres.

    Parameters
    ----------
    path
        The grid file (``.asc``, ``.dem``, ``.dem.raw``, ``.gz`` of any of them).
    name, units
        Name and ``units`` attribute of the result.
    crs
        A CRS to attach (anything rioxarray's ``write_crs`` takes); none by default.

    Returns
    -------
    xarray.DataArray
        float64 over ``(y, x)``, row 0 north (``y`` descending), NODATA as NaN, coordinates in
        map units at cell centres.

    Raises
    ------
    HydroError
        A header key missing, a wrong number of values, unequal cell sizes.
    """
    text = _read_text(path)
    tokens = text.split()
    header: dict[str, float] = {}
    i = 0
    while i + 1 < len(tokens) and re.fullmatch(r"[A-Za-z_]+", tokens[i]):
        try:
            header[tokens[i].lower()] = float(tokens[i + 1])
        except ValueError as exc:
            raise HydroError(f"{path}: header {tokens[i]} has no number") from exc
        i += 2
    problems = [k for k in ("ncols", "nrows") if k not in header]
    if "cellsize" not in header and not ("dx" in header and "dy" in header):
        problems.append("cellsize")
    if not any(k in header for k in ("xllcorner", "xllcenter")):
        problems.append("xllcorner")
    if not any(k in header for k in ("yllcorner", "yllcenter")):
        problems.append("yllcorner")
    if problems:
        raise HydroError(f"{path}: not an ESRI ASCII grid, header lacks {', '.join(problems)}")
    ncols, nrows = int(header["ncols"]), int(header["nrows"])
    dx = header.get("cellsize", header.get("dx", 0.0))
    dy = header.get("cellsize", header.get("dy", 0.0))
    if dx != dy or dx <= 0:
        raise HydroError(f"{path}: cells must be square and > 0, got dx={dx}, dy={dy}")
    values = np.array(tokens[i:], dtype=np.float64)
    if values.size != ncols * nrows:
        raise HydroError(
            f"{path}: header says {nrows} x {ncols} = {nrows * ncols} values, found {values.size}"
        )
    grid = values.reshape(nrows, ncols)
    if "nodata_value" in header:
        grid[grid == header["nodata_value"]] = np.nan
    x0 = header["xllcenter"] if "xllcenter" in header else header["xllcorner"] + dx / 2
    y0 = header["yllcenter"] if "yllcenter" in header else header["yllcorner"] + dy / 2
    x = x0 + dx * np.arange(ncols)
    y = y0 + dy * np.arange(nrows)[::-1]
    da = xr.DataArray(
        grid,
        coords={"y": ("y", y, {"units": "m"}), "x": ("x", x, {"units": "m"})},
        dims=("y", "x"),
        name=name,
        attrs={"units": units, "source": str(path)},
    )
    if crs is not None:
        import rioxarray  # noqa: F401  (registers the .rio accessor)

        da = da.rio.write_crs(crs)
    return da


def write_ascii_grid(
    grid: xr.DataArray, path: str | Path, *, decimals: int = 3, nodata: float = -9999.0
) -> Path:
    """Write a ``(y, x)`` DataArray on cell centres as an ESRI ASCII grid (``.gz``: gzipped).

    Parameters
    ----------
    grid
        Regular square cells, any row order (written north first); NaN becomes ``nodata``.
    path
        Target file; a name ending in ``.gz`` is compressed.
    decimals
        Digits after the decimal point.
    nodata
        The NODATA value written for NaN.

    Returns
    -------
    pathlib.Path
        The path written. :func:`read_ascii_grid` reads it back to within ``10**-decimals``.
    """
    if grid.dims != ("y", "x"):
        raise HydroError(f"write_ascii_grid: expected dims ('y', 'x'), got {grid.dims}")
    grid = grid.sortby("y", ascending=False).sortby("x")
    x = np.asarray(grid["x"].values, dtype=float)
    y = np.asarray(grid["y"].values, dtype=float)
    dx = float(x[1] - x[0])
    dy = float(y[0] - y[1])
    if not (np.allclose(np.diff(x), dx) and np.allclose(-np.diff(y), dy) and abs(dx - dy) < 1e-9):
        raise HydroError("write_ascii_grid: cells must be regular and square")
    values = np.where(np.isnan(grid.values), nodata, np.round(grid.values, decimals))
    header = (
        f"ncols {x.size}\nnrows {y.size}\nxllcorner {float(x[0] - dx / 2)!r}\n"
        f"yllcorner {float(y[-1] - dy / 2)!r}\ncellsize {dx!r}\nNODATA_value {nodata:g}\n"
    )
    body = "\n".join(
        " ".join(f"{v:.{decimals}f}".rstrip("0").rstrip(".") for v in row) for row in values
    )
    path = Path(path)
    text = header + body + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class BoundaryCondition:
    """One line of a ``.bci`` file.

    Attributes
    ----------
    where
        ``"north"``, ``"south"``, ``"east"``, ``"west"`` (a stretch of that edge) or
        ``"point"``.
    kind
        ``"FREE"``, ``"HFIX"``, ``"HVAR"``, ``"QFIX"`` or ``"QVAR"``.
    start, end
        For an edge: the stretch along it (x for north/south, y for east/west), map units.
    x, y
        For a point: its coordinates.
    value
        The fixed level (m), unit-width discharge (m²/s) or free-outflow slope; ``None`` if
        not given.
    series
        Name of the ``.bdy`` series for ``HVAR``/``QVAR``.
    """

    where: Where
    kind: Kind
    start: float | None = None
    end: float | None = None
    x: float | None = None
    y: float | None = None
    value: float | None = None
    series: str | None = None


def read_bci(path: str | Path) -> list[BoundaryCondition]:
    """Read a ``.bci`` boundary-condition file.

    Returns
    -------
    list of BoundaryCondition
        In file order.

    Raises
    ------
    HydroError
        An unknown edge letter or kind, a missing number or series name (with the line).
    """
    out: list[BoundaryCondition] = []
    for n, line in enumerate(_lines(path), start=1):
        parts = line.split()
        where = _EDGES.get(parts[0].upper())
        if where is None or len(parts) < 4:
            raise HydroError(f"{path}, line {n} {line!r}: expected 'N|E|S|W|P a b KIND [value]'")
        kind_text = parts[3].upper()
        if kind_text not in _KINDS:
            raise HydroError(f"{path}, line {n}: unknown kind {parts[3]!r}, not one of {_KINDS}")
        kind = cast(Kind, kind_text)
        try:
            a, b = float(parts[1]), float(parts[2])
        except ValueError as exc:
            raise HydroError(f"{path}, line {n}: coordinates must be numbers") from exc
        value: float | None = None
        series: str | None = None
        if kind in ("HVAR", "QVAR"):
            if len(parts) < 5:
                raise HydroError(f"{path}, line {n}: {kind} needs the name of a .bdy series")
            series = parts[4]
        elif len(parts) >= 5:
            try:
                value = float(parts[4])
            except ValueError as exc:
                raise HydroError(f"{path}, line {n}: {kind} value must be a number") from exc
        elif kind in ("HFIX", "QFIX"):
            raise HydroError(f"{path}, line {n}: {kind} needs a value")
        if where == "point":
            out.append(BoundaryCondition(where, kind, x=a, y=b, value=value, series=series))
        else:
            out.append(
                BoundaryCondition(
                    where,
                    kind,
                    start=min(a, b),
                    end=max(a, b),
                    value=value,
                    series=series,
                )
            )
    return out


def read_bdy(path: str | Path) -> dict[str, xr.DataArray]:
    """Read a ``.bdy`` file of named time series.

    Returns
    -------
    dict of str to xarray.DataArray
        Each series over ``time`` in elapsed seconds, named as in the file. Values keep the
        file's units (m²/s for discharges, m for levels); the ``units`` attribute is left to
        the caller, who knows which condition uses the series.

    Raises
    ------
    HydroError
        A block shorter than its count, unknown time units, unsorted times.
    """
    lines = _lines(path)
    raw = _read_text(path).splitlines()
    # The first line of a .bdy is a free comment even without '#'.
    if raw and lines and lines[0] == raw[0].split("#", 1)[0].strip():
        lines = lines[1:]
    out: dict[str, xr.DataArray] = {}
    i = 0
    while i < len(lines):
        name = lines[i].split()[0]
        if i + 1 >= len(lines):
            raise HydroError(f"{path}: series {name!r} has no 'count units' line")
        head = lines[i + 1].split()
        try:
            count = int(head[0])
        except ValueError as exc:
            raise HydroError(f"{path}: series {name!r}: expected 'count units'") from exc
        unit = head[1].lower() if len(head) > 1 else "seconds"
        if unit not in _TIME_UNITS:
            raise HydroError(
                f"{path}: series {name!r}: time units {unit!r} not one of {list(_TIME_UNITS)}"
            )
        rows = lines[i + 2 : i + 2 + count]
        if len(rows) < count:
            raise HydroError(f"{path}: series {name!r} promises {count} rows, has {len(rows)}")
        try:
            table = np.array([[float(v) for v in r.split()[:2]] for r in rows], dtype=float)
        except ValueError as exc:
            raise HydroError(f"{path}: series {name!r}: rows must be 'value time'") from exc
        t = table[:, 1] * _TIME_UNITS[unit]
        if count > 1 and not np.all(np.diff(t) >= 0):
            raise HydroError(f"{path}: series {name!r}: times must not decrease")
        out[name] = xr.DataArray(
            table[:, 0],
            coords={"time": ("time", t, {"units": "s", "long_name": "elapsed time"})},
            dims="time",
            name=name,
        )
        i += 2 + count
    return out


def read_stage_points(path: str | Path) -> pd.DataFrame:
    """Read a ``.stage`` file of control points.

    Returns
    -------
    pandas.DataFrame
        Columns ``x`` and ``y`` (map units), index ``point`` numbered from 1 as LISFLOOD-FP does.
    """
    lines = _lines(path)
    try:
        count = int(lines[0].split()[0])
        xy = np.array([[float(v) for v in ln.split()[:2]] for ln in lines[1 : 1 + count]])
    except (IndexError, ValueError) as exc:
        raise HydroError(f"{path}: expected a count, then 'x y' rows") from exc
    if xy.shape != (count, 2):
        raise HydroError(f"{path}: promises {count} points, has {len(xy)}")
    return pd.DataFrame(
        {"x": xy[:, 0], "y": xy[:, 1]}, index=pd.RangeIndex(1, count + 1, name="point")
    )


def read_par(path: str | Path) -> dict[str, str | float | bool]:
    """Read a ``.par`` parameter file.

    Returns
    -------
    dict
        Keys lower-cased; numbers as float, other values as str, bare flags
        (``acceleration``, ``elevoff``) as ``True``.
    """
    out: dict[str, str | float | bool] = {}
    for line in _lines(path):
        parts = line.split(None, 1)
        key = parts[0].lower()
        if len(parts) == 1:
            out[key] = True
            continue
        value = parts[1].strip()
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def read_stage_output(path: str | Path) -> xr.DataArray:
    """Read a LISFLOOD-FP ``.stage`` result: depth (or level) over time at the control points.

    Returns
    -------
    xarray.DataArray
        Over ``(time, point)``; ``time`` in seconds, ``point`` numbered from 1, with ``x``,
        ``y`` and ``elevation`` coordinates per point. Named ``depth`` (units m) when the
        header says depths, else ``wse``. ``-9999`` (outside the domain) becomes NaN.
    """
    lines = _read_text(path).splitlines()
    is_depth = bool(lines) and "depth" in lines[0].lower()
    info: list[list[float]] = []
    rows: list[list[float]] = []
    section = ""
    for line in lines[1:]:
        s = line.strip()
        low = s.lower()
        if not s:
            continue
        if low.startswith("stage information"):
            section = "info"
            continue
        if low.startswith("output") or low.startswith("time"):
            section = "data"
            continue
        try:
            numbers = [float(v) for v in s.replace(";", " ").split()]
        except ValueError as exc:
            raise HydroError(f"{path}: cannot read the line {s!r}") from exc
        (info if section == "info" else rows).append(numbers)
    if not info or not rows:
        raise HydroError(f"{path}: not a LISFLOOD-FP stage output (no point table or no data)")
    pts = np.array(info)
    data = np.array(rows)
    if data.shape[1] != pts.shape[0] + 1:
        raise HydroError(
            f"{path}: {pts.shape[0]} points but {data.shape[1] - 1} value columns per row"
        )
    values = data[:, 1:]
    values[values <= -9999] = np.nan
    point = pts[:, 0].astype(int)
    return xr.DataArray(
        values,
        coords={
            "time": ("time", data[:, 0], {"units": "s", "long_name": "elapsed time"}),
            "point": point,
            "x": ("point", pts[:, 1], {"units": "m"}),
            "y": ("point", pts[:, 2], {"units": "m"}),
            "elevation": ("point", pts[:, 3] if pts.shape[1] > 3 else np.full(point.size, np.nan)),
        },
        dims=("time", "point"),
        name="depth" if is_depth else "wse",
        attrs={
            "units": "m",
            "long_name": "water depth" if is_depth else "water surface elevation",
            "source": str(path),
        },
    )


def lisflood_inflows(
    conditions: Iterable[BoundaryCondition],
    series: Mapping[str, xr.DataArray],
    elevation: xr.DataArray,
    *,
    point_width_m: float | None = None,
) -> list[tuple[float, float, float | xr.DataArray]]:
    """The discharge conditions (``QFIX``/``QVAR``) as point inflows on a grid.

    An edge stretch is shared among the boundary cells it overlaps, each getting
    ``q × overlap length``; a point source gets ``q × point_width_m`` in the cell holding it
    (LISFLOOD-FP's rule, with its cell size as the width). Sources that fall in the same cell
    are summed. Level and free conditions are skipped (they are edge boundaries).

    Parameters
    ----------
    conditions
        From :func:`read_bci`.
    series
        From :func:`read_bdy`.
    elevation
        The model grid, ``(y, x)`` with regular cell-centre coordinates.
    point_width_m
        Width (m) a point source's unit-width discharge applies to: the cell size of the grid
        the case was written for. Default: this grid's cell size. Give it when running a case
        on a coarser or finer grid than its own, so the total inflow stays the same.

    Returns
    -------
    list of (x, y, discharge)
        Cell-centre coordinates and the discharge in m³/s (a number or a DataArray over
        ``time``), ready for ``FloodModel.add_inflow(x=, y=, discharge=)``.

    Raises
    ------
    HydroError
        A series name not in ``series``, a point outside the grid, a stretch that misses it.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> grid = xr.DataArray(np.zeros((4, 3)), coords={"y": [35.0, 25, 15, 5], "x": [5.0, 15, 25]},
    ...                     dims=("y", "x"))
    >>> bc = BoundaryCondition("west", "QFIX", start=10.0, end=30.0, value=2.0)
    >>> [(x, y, q) for x, y, q in lisflood_inflows([bc], {}, grid)]
    [(5.0, 25.0, 20.0), (5.0, 15.0, 20.0)]
    """
    x = np.asarray(elevation["x"].values, dtype=float)
    y = np.asarray(elevation["y"].values, dtype=float)
    if x.size < 2 or y.size < 2:
        raise HydroError("lisflood_inflows: the grid needs at least 2 x 2 cells")
    dx = abs(float(x[1] - x[0]))
    dy = abs(float(y[1] - y[0]))
    width = dx if point_width_m is None else float(point_width_m)
    if not width > 0:
        raise HydroError(f"point_width_m must be > 0 m, got {point_width_m}")
    merged: dict[tuple[float, float], float | xr.DataArray] = {}

    def put(cx: float, cy: float, q: float | xr.DataArray) -> None:
        key = (cx, cy)
        merged[key] = q if key not in merged else _add(merged[key], q)

    for bc in conditions:
        if bc.kind not in ("QFIX", "QVAR"):
            continue
        q: float | xr.DataArray
        if bc.kind == "QVAR":
            if bc.series not in series:
                raise HydroError(
                    f"QVAR series {bc.series!r} is not in the .bdy file (it has {sorted(series)})"
                )
            q = series[str(bc.series)]
        else:
            q = float(bc.value or 0.0)
        if bc.where == "point":
            assert bc.x is not None and bc.y is not None
            # LISFLOOD-FP's rule: count whole cells from the north-west corner, so a point on
            # a cell edge falls in the cell east / south of it
            ix = math.floor((bc.x - (x.min() - dx / 2)) / dx)
            iy = math.floor(((y.max() + dy / 2) - bc.y) / dy)
            if not (0 <= ix < x.size and 0 <= iy < y.size):
                raise HydroError(f"point inflow at ({bc.x}, {bc.y}) lies outside the grid")
            put(float(np.sort(x)[ix]), float(np.sort(y)[::-1][iy]), _scaled(q, width))
            continue
        assert bc.start is not None and bc.end is not None
        along, size = (x, dx) if bc.where in ("north", "south") else (y, dy)
        fixed = {"north": y.max(), "south": y.min(), "east": x.max(), "west": x.min()}[bc.where]
        lo = np.maximum(along - size / 2, bc.start)
        hi = np.minimum(along + size / 2, bc.end)
        overlap = np.clip(hi - lo, 0.0, None)
        hits = np.flatnonzero(overlap > 1e-9 * size)
        if hits.size == 0:
            raise HydroError(
                f"{bc.where} inflow stretch {bc.start}..{bc.end} misses the grid edge "
                f"({along.min() - size / 2}..{along.max() + size / 2})"
            )
        for k in hits:
            cx, cy = (along[k], fixed) if bc.where in ("north", "south") else (fixed, along[k])
            put(float(cx), float(cy), _scaled(q, float(overlap[k])))
    return [(cx, cy, q) for (cx, cy), q in merged.items()]


def _scaled(q: float | xr.DataArray, width_m: float) -> float | xr.DataArray:
    if isinstance(q, xr.DataArray):
        return (q * width_m).assign_attrs(units="m3 s-1", long_name="inflow discharge")
    return float(q * width_m)


def _add(a: float | xr.DataArray, b: float | xr.DataArray) -> float | xr.DataArray:
    if isinstance(a, xr.DataArray) and isinstance(b, xr.DataArray):
        times = np.union1d(a["time"].values, b["time"].values)
        total = a.interp(time=times) + b.interp(time=times)
        return total.assign_attrs(units="m3 s-1", long_name="inflow discharge")
    if isinstance(a, xr.DataArray):
        return (a + b).assign_attrs(a.attrs)
    if isinstance(b, xr.DataArray):
        return (b + a).assign_attrs(b.attrs)
    return a + b
