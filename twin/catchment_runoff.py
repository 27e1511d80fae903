"""Rain on the catchments to inflow hydrographs at the dams and at the model's river entries.

The rain the flood model sees (a ``rain`` DataArray in mm/h over ``time`` in elapsed seconds:
1-D for a uniform or design storm, or over ``(time, y, x)`` on a grid in the city's CRS, as
the scenario forcing builds it from gauges or a file) is turned into each catchment's mean
rain per step:

- **uniform** rain is multiplied by the catchment's ``rain_factor`` (the catchments lie in the
  mountains, where more rain falls than in the city the storm was given for);
- **gridded** rain is averaged over the grid cells whose centres fall in the catchment, as
  given (a grid covering the mountains carries their rain already);
- **gauge** readings (:func:`gauge_catchment_rain`) are weighted by inverse distance at points
  spread over each catchment.

The rate series is read as the flood model reads it (linear between samples) and
integrated exactly over each step. :func:`catchment_inflows` then runs each catchment's
runoff model (``hydro.runoff``: ``scs`` with a Clark unit hydrograph, or ``gr4h`` on an
hourly step) and returns the inflow (m³/s) by catchment over time, the step means placed at
the steps' middles. Problems (a catchment off the rain grid, a missing parameter, an unknown
model) are collected over all catchments and raised as one :class:`~twin.TwinError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xarray as xr

from hydro import HydroError
from hydro.runoff import gr4h_runoff, scs_runoff
from twin._errors import TwinError
from twin._scenario_forcing import idw_weights

__all__ = [
    "catchment_inflows",
    "catchment_rain",
    "gauge_catchment_rain",
    "inflows_by_outlet",
]

_MIN_COVER = 0.9  # share of a catchment a rain grid must cover
_SAMPLE_M = 1000.0  # spacing of the points spread over a catchment for gauge weighting


def _step_depths(time_s: np.ndarray, rate_mm_h: np.ndarray, edges_s: np.ndarray) -> np.ndarray:
    """Depth (mm) per step between ``edges_s`` of a rate read linearly between samples;
    ``rate_mm_h`` is (time, ...) and zero outside its time span."""
    t = np.asarray(time_s, dtype=float)
    rate = np.asarray(rate_mm_h, dtype=float).reshape(t.size, -1)
    cum = (
        np.concatenate(
            [
                np.zeros((1, rate.shape[1])),
                np.cumsum(0.5 * (rate[1:] + rate[:-1]) * np.diff(t)[:, None], axis=0),
            ]
        )
        / 3600.0
    )
    at_edges = np.stack([np.interp(edges_s, t, cum[:, j]) for j in range(cum.shape[1])], axis=1)
    return np.diff(at_edges, axis=0)


def _edges(time_s: np.ndarray, step_s: float, end_s: float | None = None) -> np.ndarray:
    t0, t1 = float(time_s[0]), max(float(time_s[-1]), end_s or -math.inf)
    n = max(1, math.ceil((t1 - t0) / step_s - 1e-9))
    return t0 + np.arange(n + 1) * step_s


def catchment_rain(
    catchments: gpd.GeoDataFrame,
    rain: xr.DataArray,
    *,
    step_s: float = 3600.0,
    end_s: float | None = None,
) -> pd.DataFrame:
    """Mean rain (mm per step) over each catchment.

    Parameters
    ----------
    catchments
        The city's ``catchments`` layer (its CRS is the rain grid's).
    rain
        Rain rate (mm/h) over ``time`` (elapsed seconds), 1-D or over ``(time, y, x)``.
    step_s
        Step of the result (s).
    end_s
        Carry the result on (dry) to this time (s), e.g. the run's end, so that the
        recession after the rain is modelled.

    Returns
    -------
    pandas.DataFrame
        Index: step end times (s); one column per ``catchment_id``; mm per step.

    Raises
    ------
    TwinError
        A catchment the rain grid does not cover (all named at once), or a bad rain array.
    """
    if "time" not in rain.dims or rain["time"].size < 2:
        raise TwinError("catchment rain: the rain needs a 'time' dimension with two samples")
    t = np.asarray(rain["time"].values, dtype=float)
    edges = _edges(t, step_s, end_s)
    ids = catchments["catchment_id"].astype(str).tolist()
    if rain.dims == ("time",):
        depth = _step_depths(t, rain.values, edges)[:, 0]
        factors = catchments["rain_factor"].to_numpy(dtype=float)
        table = depth[:, None] * factors[None, :]
        return pd.DataFrame(table, index=edges[1:], columns=ids)
    if set(rain.dims) != {"time", "y", "x"}:
        raise TwinError(f"catchment rain: rain must be over time or (time, y, x), got {rain.dims}")
    rain = rain.transpose("time", "y", "x")
    x = np.asarray(rain["x"].values, dtype=float)
    y = np.asarray(rain["y"].values, dtype=float)
    xx, yy = np.meshgrid(x, y)
    if x.size < 2 or y.size < 2:
        raise TwinError("catchment rain: the rain grid needs at least two cells each way")
    cell_area = abs(float(np.median(np.diff(x)) * np.median(np.diff(y))))
    problems: list[str] = []
    columns = []
    for cid, geom in zip(ids, catchments.geometry, strict=True):
        # a cell with a gap (NaN: off a regridded file's extent) does not count as covered
        inside = shapely.contains_xy(geom, xx, yy) & np.all(np.isfinite(rain.values), axis=0)
        cover = inside.sum() * cell_area / geom.area if geom.area > 0 else 0.0
        if not inside.any() or cover < _MIN_COVER:
            problems.append(
                f"catchment {cid!r} lies {'outside' if not inside.any() else 'partly outside'} "
                f"the rain grid (x {x.min():.0f}..{x.max():.0f}, y {y.min():.0f}..{y.max():.0f}; "
                f"{100 * min(cover, 1.0):.0f}% covered)"
            )
            continue
        series = np.asarray(rain.values[:, inside], dtype=float).mean(axis=1)
        columns.append(_step_depths(t, series, edges)[:, 0])
    if problems:
        raise TwinError(
            "catchment rain: " + "; ".join(problems) + "; give a rain grid over the catchments"
        )
    return pd.DataFrame(np.stack(columns, axis=1), index=edges[1:], columns=ids)


def gauge_catchment_rain(
    catchments: gpd.GeoDataFrame,
    gauge_xy: Mapping[str, tuple[float, float]],
    rain_mm_h: pd.DataFrame,
    *,
    step_s: float = 3600.0,
    power: float = 2.0,
) -> pd.DataFrame:
    """Mean rain (mm per step) over each catchment from rain gauges, by inverse distance.

    Parameters
    ----------
    catchments
        The ``catchments`` layer.
    gauge_xy
        Gauge positions (x, y) in the layer's CRS by gauge id.
    rain_mm_h
        Rain rate (mm/h) by gauge (columns) over elapsed seconds (index); NaN drops a gauge
        at that time.
    step_s, power
        Result step (s); inverse-distance power.
    """
    missing = [g for g in rain_mm_h.columns if g not in gauge_xy]
    if missing:
        raise TwinError(f"gauge catchment rain: no position for gauges {missing}")
    gx = [gauge_xy[g][0] for g in rain_mm_h.columns]
    gy = [gauge_xy[g][1] for g in rain_mm_h.columns]
    vals = rain_mm_h.to_numpy(dtype=float)
    ok = np.isfinite(vals)
    columns = {}
    for cid, geom in zip(catchments["catchment_id"].astype(str), catchments.geometry, strict=True):
        x0, y0, x1, y1 = geom.bounds
        px, py = np.meshgrid(np.arange(x0, x1, _SAMPLE_M), np.arange(y0, y1, _SAMPLE_M))
        keep = shapely.contains_xy(geom, px, py)
        pts_x = px[keep] if keep.any() else np.array([geom.centroid.x])
        pts_y = py[keep] if keep.any() else np.array([geom.centroid.y])
        w = idw_weights(gx, gy, pts_x, pts_y, power=power).mean(axis=0)
        num = np.nan_to_num(vals) @ w
        den = ok.astype(float) @ w
        series = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        t = rain_mm_h.index.to_numpy(dtype=float)
        columns[cid] = _step_depths(t, series, _edges(t, step_s))[:, 0]
    t = rain_mm_h.index.to_numpy(dtype=float)
    return pd.DataFrame(columns, index=_edges(t, step_s)[1:])


def _float(row: Any, key: str) -> float:
    value = getattr(row, key, math.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def catchment_inflows(
    catchments: gpd.GeoDataFrame, rain_mm: pd.DataFrame, *, step_s: float = 3600.0
) -> xr.DataArray:
    """Inflow hydrographs (m³/s) of every catchment from its rain.

    Parameters
    ----------
    catchments
        The ``catchments`` layer (runoff model and parameters per row).
    rain_mm
        Rain per step (mm) by ``catchment_id`` (:func:`catchment_rain`,
        :func:`gauge_catchment_rain`).
    step_s
        The step of ``rain_mm`` (s); GR4H needs 3600.

    Returns
    -------
    xarray.DataArray
        ``inflow_m3s`` over ``(catchment, time)``: each step's mean at the step's middle
        (elapsed seconds), with ``outlet_kind``,
        ``outlet_id``, ``entry_x``, ``entry_y`` as catchment coordinates.

    Raises
    ------
    TwinError
        Every catchment's problem at once (missing rain, parameters, unknown model).
    """
    problems: list[str] = []
    flows = []
    for row in catchments.itertuples():
        cid = str(row.catchment_id)
        if cid not in rain_mm.columns:
            problems.append(f"{cid}: no rain given for it")
            continue
        rain = rain_mm[cid].to_numpy(dtype=float)
        model = str(row.runoff_model)
        try:
            if model == "scs":
                need: tuple[str, ...] = ("curve_number", "tc_h", "storage_h")
                lacking = [k for k in need if not math.isfinite(_float(row, k))]
                if lacking:
                    problems.append(f"{cid}: the scs model needs {', '.join(lacking)}")
                    continue
                ratio = _float(row, "initial_abstraction_ratio")
                q = scs_runoff(
                    rain,
                    area_km2=float(row.area_km2),
                    curve_number=_float(row, "curve_number"),
                    tc_h=_float(row, "tc_h"),
                    storage_h=_float(row, "storage_h"),
                    step_s=step_s,
                    amc=str(getattr(row, "amc", "II")),  # type: ignore[arg-type]
                    initial_abstraction_ratio=0.2 if not math.isfinite(ratio) else ratio,
                    baseflow_m3s=float(row.baseflow_m3s),
                )
            elif model == "gr4h":
                need = ("gr4h_x1_mm", "gr4h_x2_mmh", "gr4h_x3_mm", "gr4h_x4_h")
                lacking = [k for k in need if not math.isfinite(_float(row, k))]
                if lacking or step_s != 3600.0:
                    problems.append(
                        f"{cid}: the gr4h model needs {', '.join(lacking) or 'an hourly step'}"
                    )
                    continue
                q = gr4h_runoff(
                    rain,
                    area_km2=float(row.area_km2),
                    x1_mm=_float(row, "gr4h_x1_mm"),
                    x2_mmh=_float(row, "gr4h_x2_mmh"),
                    x3_mm=_float(row, "gr4h_x3_mm"),
                    x4_h=_float(row, "gr4h_x4_h"),
                ).discharge_m3s + float(row.baseflow_m3s)
            else:
                problems.append(f"{cid}: unknown runoff_model {model!r}; use scs or gr4h")
                continue
        except HydroError as exc:
            problems.append(f"{cid}: {exc}")
            continue
        flows.append((row, q))
    if problems:
        raise TwinError("catchment inflows: " + "; ".join(problems))
    time = rain_mm.index.to_numpy(dtype=float) - 0.5 * step_s
    rows = [r for r, _ in flows]
    return xr.DataArray(
        np.stack([q for _, q in flows]),
        coords={
            "catchment": [str(r.catchment_id) for r in rows],
            "time": ("time", time, {"units": "s"}),
            "outlet_kind": ("catchment", [str(r.outlet_kind) for r in rows]),
            "outlet_id": ("catchment", [str(r.outlet_id) for r in rows]),
            "entry_x": ("catchment", [_float(r, "entry_x") for r in rows]),
            "entry_y": ("catchment", [_float(r, "entry_y") for r in rows]),
        },
        dims=("catchment", "time"),
        name="inflow_m3s",
        attrs={"units": "m3 s-1", "long_name": "catchment outflow (inflow to a dam or river)"},
    )


def inflows_by_outlet(
    inflows: xr.DataArray,
) -> tuple[dict[str, xr.DataArray], list[tuple[float, float, xr.DataArray]]]:
    """Sum :func:`catchment_inflows` by where the water goes.

    Returns
    -------
    (dict, list)
        Inflow (m³/s over ``time`` in seconds) into each dam by ``dam_id`` (for
        ``hydro.Reservoir.route`` or ``hydro.operating_rules.operate``), and the
        ``(x, y, discharge)`` of each river entry on the model's edge (for
        ``FloodModel.add_inflow``), catchments entering at the same point summed.

    Raises
    ------
    TwinError
        An edge catchment without an entry point.
    """
    dams: dict[str, xr.DataArray] = {}
    entries: dict[tuple[float, float], xr.DataArray] = {}
    missing = []
    for cid in inflows["catchment"].values:
        q = inflows.sel(catchment=cid)
        series = xr.DataArray(
            q.values, coords={"time": q["time"]}, dims="time", attrs={"units": "m3 s-1"}
        )
        if str(q["outlet_kind"].values) == "dam":
            dam = str(q["outlet_id"].values)
            dams[dam] = dams[dam] + series if dam in dams else series
            continue
        xy = (float(q["entry_x"].values), float(q["entry_y"].values))
        if not all(math.isfinite(v) for v in xy):
            missing.append(str(cid))
            continue
        entries[xy] = entries[xy] + series if xy in entries else series
    if missing:
        raise TwinError(f"inflows by outlet: edge catchments without entry_x/entry_y: {missing}")
    return dams, [(x, y, q) for (x, y), q in entries.items()]
