"""The files of a run: the folder's layout, writing it (all or nothing), reading it back.

A run's folder::

    flood.nc | flood.zarr      the flood result (depth, wse, speed over time; maxima, arrival)
    impact_wards.geojson       wards with people exposed, flooded area, max depth, arrival
    impact_roads.geojson       road segments: max depth, closing times, cut, reachable
    impact_lights.geojson      street lights: depth at the pole, in water, broken + flooded
    gauges.csv                 modelled level at each river gauge over time, alarm levels
    alerts/                    CAP 1.2 XML, one file per message
    map.html                   folium map: depth, wards by impact, cut roads, alerts
    summary.json               totals, timings, volume balance, gauges, dams, circuits
    scenario.json              the scenario as run (scenario runs)

GeoJSON is RFC 7946: WGS 84 lon/lat. Times are ISO 8601 UTC; ``*_s`` columns are seconds
after the start of the run. The folder is written beside its place (:func:`staging_dir`) and
put there whole (:func:`replace_dir`); ``summary.json`` is written once, last.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from layers.geojson import write_geojson
from twin._errors import TwinError
from twin.runs._json import jsonable

if TYPE_CHECKING:
    from layers import City
    from twin.impact import Impact

__all__ = [
    "RESULT_FILES",
    "SUMMARY_FILE",
    "open_result",
    "read_summary",
    "replace_dir",
    "result_path",
    "staging_dir",
    "write_outputs",
    "write_summary",
]

#: The names the flood result may have in a run's folder, in the order they are looked for.
RESULT_FILES = ("flood.nc", "flood.zarr")
SUMMARY_FILE = "summary.json"


def _with_datetimes(result: xr.Dataset, start: pd.Timestamp) -> xr.Dataset:
    """The result with ``time`` as UTC datetimes (as written to the file)."""
    t = result["time"].values
    if np.issubdtype(t.dtype, np.datetime64):
        return result
    origin = start.tz_convert("UTC").tz_localize(None)
    times = origin + pd.to_timedelta(np.asarray(t, dtype=float), unit="s")
    out = result.assign_coords(time=("time", times.values))
    out["time"].attrs = {"long_name": "time", "standard_name": "time"}
    out["time"].encoding["units"] = f"seconds since {origin.isoformat(sep=' ')}"
    out.attrs["start"] = start.tz_convert("UTC").isoformat()
    return out


def _netcdf_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes NetCDF and Zarr can hold (nested mappings as JSON text)."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, dict | list | tuple):
            out[k] = json.dumps(jsonable(v))
        elif isinstance(v, bool):
            out[k] = int(v)
        elif v is None:
            continue
        else:
            out[k] = v
    return out


def write_outputs(
    folder: Path,
    *,
    result: xr.Dataset,
    impact: Impact,
    city: City,
    start: pd.Timestamp,
    output_format: str,
    alerts: list[dict[str, Any]],
    alert_writer: Callable[[Path], list[str]] | None,
    title: str,
) -> list[str]:
    """Write every file of a run but its summary into ``folder`` (which must exist).

    Returns
    -------
    list of str
        The names in the folder, ``summary.json`` included (written by :func:`write_summary`).
    """
    from twin.maps import flood_map

    timed = _with_datetimes(result, start)
    for name in timed.data_vars:
        timed[name].encoding.pop("_FillValue", None)
    if output_format == "zarr":
        timed.drop_attrs(deep=False).assign_attrs(_netcdf_attrs(timed.attrs)).to_zarr(
            folder / "flood.zarr", mode="w", consolidated=True
        )
    else:
        timed.assign_attrs(_netcdf_attrs(timed.attrs)).to_netcdf(folder / "flood.nc")
    # RFC 7946: lon/lat, counter-clockwise exterior rings, no "crs" member.
    write_geojson(impact.wards, folder / "impact_wards.geojson")
    write_geojson(impact.roads, folder / "impact_roads.geojson")
    write_geojson(impact.lights, folder / "impact_lights.geojson")
    impact.gauges.to_csv(folder / "gauges.csv", index=False, float_format="%.3f")
    alerts_dir = folder / "alerts"
    alerts_dir.mkdir()
    if alert_writer is not None:
        alert_writer(alerts_dir)
    flood_map(
        result,
        impact.wards,
        impact.roads,
        crs=city.crs,
        alerts=alerts,
        lights=impact.lights,
        title=title,
        path=folder / "map.html",
    )
    return sorted({*(p.name for p in folder.iterdir()), SUMMARY_FILE})


def write_summary(folder: Path, summary: dict[str, Any]) -> None:
    """Write ``summary.json`` (once: the last file of a run)."""
    (folder / SUMMARY_FILE).write_text(
        json.dumps(jsonable(summary), indent=2, ensure_ascii=False), encoding="utf-8"
    )


def read_summary(folder: str | Path) -> dict[str, Any]:
    """The summary of the run in ``folder``.

    Raises
    ------
    TwinError
        When the folder has no readable ``summary.json``.
    """
    path = Path(folder) / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TwinError(
            f"cannot read the summary of run folder {Path(folder).name}: {exc}"
        ) from None
    if not isinstance(summary, dict):
        raise TwinError(f"summary.json of run folder {Path(folder).name} is not a JSON object")
    return summary


def result_path(folder: str | Path) -> Path | None:
    """The flood result in a run's folder (NetCDF or Zarr), or None when it has none."""
    for name in RESULT_FILES:
        path = Path(folder) / name
        if path.exists():
            return path
    return None


def open_result(path: str | Path) -> xr.Dataset:
    """Open a flood result (loaded in memory): a NetCDF file, a Zarr store, or a run's folder.

    Raises
    ------
    TwinError
        When the path does not exist or cannot be read.
    """
    path = Path(path)
    if path.is_dir() and path.suffix != ".zarr":
        path = result_path(path) or path  # a run's folder; else a Zarr store of another name
    if not path.exists():
        raise TwinError(f"flood result {path} does not exist: give a NetCDF file or Zarr store")
    try:
        if path.is_dir() or path.suffix == ".zarr":
            return xr.open_zarr(path).load()
        with xr.open_dataset(path) as ds:
            return ds.load()
    except (OSError, ValueError) as exc:
        raise TwinError(f"cannot read flood result {path}: {exc}") from exc


def staging_dir(out_dir: Path) -> Path:
    """A new empty folder beside ``out_dir`` to write a run into before it takes its place."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    tmp.chmod(0o755)
    return tmp


def replace_dir(tmp: Path, out_dir: Path) -> None:
    """Put ``tmp`` at ``out_dir``; an existing ``out_dir`` is replaced only once ``tmp`` is
    complete, so a reader sees the old run or the new one, never half of either."""
    old: Path | None = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
