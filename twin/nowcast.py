"""Nowcasts: the next hours of a flood from the latest good sensor data.

What drives a nowcast
---------------------
- rain: every rain gauge of the city with good readings (:func:`twin.sensors.rain_rate`),
  as 15-minute blocks (the mean rate of the readings in each) spread over the grid by inverse
  distance (a gauge without a reading in a block drops out of it); after ``at`` the rain is
  the forecast given (``forecast_rain_mm_h``: a number, or a DataArray over ``time`` in hours
  after ``at``, uniform over the grid), or none;
- dams: each dam's measured outflow (:func:`twin._sensor_forcing.dam_release_from_sensors`),
  held at its last good value after the last reading (persistence); a dam without readings
  releases nothing and is named in the summary's ``forcing_notes``;
- lagoon or sea: the level of the lagoon gauge on the edges of the domain that face them,
  both from the city's ``city.toml`` (``[nowcast]`` ``lagoon_gauge = "thuan-an"``,
  ``sea_edges = ["north", "east"]``: the demo city's values) unless given as arguments; held
  after the last reading; raised to the lowest bed along an edge where it lies below it;
  without a reading those edges are free; a city without a lagoon gauge gets free edges (all
  four unless ``sea_edges`` names them) and a note;
- initial water: the latest saved model state at or before ``at`` (a hot start: its depths
  and its fluxes, so the water keeps moving as it was; no older than ``max_state_age_h``);
  else, a cold start with the lagoon level filling the cells below it.

The run goes from the state's time (or ``at``) to ``at + hours``; the model state at ``at``
is saved in ``state_dir`` for the next nowcast. Impact and alerts (CAP status ``Actual``,
issued at ``at``) are as for a scenario.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr
from sqlalchemy import Engine

import hydro
from layers.spacing import grid_spacing_m
from twin._errors import TwinError
from twin._scenario_check import load_city_cached
from twin._scenario_forcing import (
    Forcing,
    PointInflow,
    gauge_rain_field,
    onto_grid,
    resample_grid,
    step_series,
)
from twin._sensor_forcing import dam_release_from_sensors, held_series
from twin.alerts.sign import CapSigner
from twin.runs import Progress, RunPlan, RunResult, execute, open_run
from twin.sensors import readings_frame

if TYPE_CHECKING:
    from layers import City

__all__ = [
    "NOWCAST_SEA_BELOW_M",
    "NOWCAST_SOLVER",
    "find_state",
    "nowcast_forcing",
    "parse_at",
    "prune_states",
    "run_nowcast",
]

_BIN = "15min"
#: Solver options of a nowcast: the solver's own (theta = 0.7, the value every validation case
#: runs at). The deep sea no longer sets the time step: it is held at the lagoon's level.
NOWCAST_SOLVER: dict[str, float] = {}
#: Sea and lagoon cells with a bed below this (m), joined to the lagoon edges, are held at the
#: lagoon gauge's level (fixed-level cells, like the scenarios' ``sea_below_m``); no bed is
#: raised, so river beds stay as the DEM gives them.
NOWCAST_SEA_BELOW_M = -3.0
_STATE_RE = re.compile(r"^state-(\d{8}T\d{6}Z)\.npz$")


def parse_at(t: datetime | str | pd.Timestamp) -> pd.Timestamp:
    """The time of a nowcast as a UTC timestamp; it must carry its zone.

    Examples
    --------
    >>> parse_at("2025-10-27T07:00+07:00").isoformat()
    '2025-10-27T00:00:00+00:00'
    """
    try:
        ts = pd.Timestamp(t)
    except ValueError:
        raise TwinError(f"not a time: {t!r} (e.g. 2025-10-27T07:00+07:00)") from None
    if ts.tzinfo is None:
        raise TwinError(f"give the time with its zone, e.g. 2025-10-27T07:00+07:00; got {t}")
    return ts.tz_convert("UTC")


def state_path(state_dir: Path, at: pd.Timestamp) -> Path:
    """File of the model state saved at ``at``."""
    return state_dir / f"state-{at.tz_convert('UTC').strftime('%Y%m%dT%H%M%SZ')}.npz"


def _state_time(p: Path) -> pd.Timestamp | None:
    """The UTC time in a state file's name, or None for a file that is not a state."""
    m = _STATE_RE.match(p.name)
    if not m:
        return None
    t = pd.Timestamp(m.group(1))
    return t.tz_localize("UTC") if t.tzinfo is None else t


def find_state(
    state_dir: Path, at: pd.Timestamp, *, max_age_h: float = 24.0
) -> tuple[Path, pd.Timestamp] | None:
    """The latest saved state at or before ``at`` and no older than ``max_age_h``."""
    best: tuple[Path, pd.Timestamp] | None = None
    if not state_dir.is_dir():
        return None
    for p in state_dir.iterdir():
        t = _state_time(p)
        if t is None:
            continue
        if t <= at and at - t <= pd.Timedelta(hours=max_age_h) and (best is None or t > best[1]):
            best = (p, t)
    return best


def prune_states(state_dir: Path, before: pd.Timestamp) -> list[Path]:
    """Delete the saved states older than ``before``; the files deleted.

    A state at 30 m of the demo city is about 40 MB and a nowcast every 15 minutes saves one,
    so without pruning the folder grows by gigabytes a day.
    """
    gone: list[Path] = []
    if not state_dir.is_dir():
        return gone
    for p in sorted(state_dir.iterdir()):
        t = _state_time(p)
        if t is not None and t < before:
            p.unlink(missing_ok=True)
            gone.append(p)
    return gone


def _rain_forcing(
    engine: Engine,
    city: City,
    elevation: xr.DataArray,
    origin: pd.Timestamp,
    at: pd.Timestamp,
    end: pd.Timestamp,
    forecast: float | xr.DataArray | None,
    notes: list[str],
) -> xr.DataArray | None:
    """Rain (mm/h) in 15-minute blocks: gauges by IDW up to ``at``, the forecast after."""
    from twin.sensors import rain_rate

    gauges = city.gauges[city.gauges["kind"].astype(str) == "rain"]
    edges = pd.date_range(origin, end, freq=_BIN)
    if edges[-1] < end:
        edges = edges.append(pd.DatetimeIndex([end]))
    edges_s = np.asarray((edges - origin).total_seconds(), dtype=float)
    observed = np.full((edges.size - 1, len(gauges)), np.nan)
    xy = []
    for j, (_, g) in enumerate(gauges.iterrows()):
        xy.append((float(g.geometry.x), float(g.geometry.y)))
        rate = rain_rate(engine, str(g["gauge_id"]), origin.to_pydatetime(), at.to_pydatetime())
        if rate.empty:
            notes.append(f"rain gauge {g['gauge_id']}: no good reading before {at.isoformat()}")
            continue
        # a reading at t is the mean rate over the interval ending at t: the block before t
        binned = rate.resample(_BIN, label="left", closed="right").mean()
        binned.index = pd.DatetimeIndex(binned.index).tz_convert("UTC")
        observed[:, j] = binned.reindex(edges[:-1]).to_numpy(dtype=float)
    after = edges[:-1] >= at
    observed[after, :] = np.nan
    if isinstance(forecast, xr.DataArray):
        mid_h = ((edges_s[:-1] + edges_s[1:]) / 2 - (at - origin).total_seconds()) / 3600.0
        fc = np.nan_to_num(np.interp(mid_h, forecast["time"].values, forecast.values))
    else:
        fc = np.full(edges.size - 1, float(forecast or 0.0))
    fc = np.where(after, fc, 0.0)
    if not (np.isfinite(observed).any() or fc.any()):
        return None
    t, fc_t = step_series(edges_s, fc)
    if len(gauges) and np.isfinite(observed).any():
        cols = [step_series(edges_s, observed[:, j])[1] for j in range(len(gauges))]
        field = gauge_rain_field(xy, t, np.vstack(cols).T, elevation) + xr.DataArray(
            fc_t, dims="time"
        )
    else:
        field = xr.DataArray(fc_t, coords={"time": ("time", t, {"units": "s"})}, dims="time")
    field.name = "rain"
    field.attrs["units"] = "mm h-1"
    return field


def nowcast_forcing(
    city: City,
    engine: Engine,
    *,
    origin: pd.Timestamp,
    at: pd.Timestamp,
    end: pd.Timestamp,
    resolution_m: float,
    forecast_rain_mm_h: float | xr.DataArray | None = None,
    lagoon_gauge: str | None = None,
    lagoon_edges: tuple[str, ...] | None = None,
    initial_depth: xr.DataArray | None = None,
    notes: list[str] | None = None,
    solver: dict[str, float] | None = None,
    sea_below_m: float | None = NOWCAST_SEA_BELOW_M,
    initial_state: Any = None,
) -> Forcing:
    """Model inputs of a nowcast from the sensor database (see the module notes)."""
    notes = notes if notes is not None else []
    elevation = resample_grid(city.dem, resolution_m)
    manning = resample_grid(city.manning, resolution_m).assign_coords(
        x=elevation["x"], y=elevation["y"]
    )
    forcing = Forcing(elevation=elevation, manning=manning, solver=dict(solver or {}))
    rain = _rain_forcing(engine, city, elevation, origin, at, end, forecast_rain_mm_h, notes)
    if rain is not None:
        forcing.rain_mm_h = rain
        forcing.rain_mean_total_mm = (
            float(rain.mean(tuple(d for d in rain.dims if d != "time")).integrate("time") / 3600.0)
            if "time" in rain.dims
            else 0.0
        )
    for _, dam in city.dams.iterrows():
        dam_id = str(dam["dam_id"])
        try:
            release, table = dam_release_from_sensors(
                engine, dam_id, origin, end, readings_until=at
            )
        except TwinError:
            notes.append(f"dam {dam_id}: no good outflow reading; no release")
            continue
        forcing.dam_operations[dam_id] = table
        x, y = onto_grid(float(dam["entry_x"]), float(dam["entry_y"]), elevation)
        forcing.inflows.append(PointInflow(f"dam {dam_id}", x, y, release))
    from twin.sensors import latest_good, series

    lagoon_gauge, lagoon_edges = _lagoon_setting(city, lagoon_gauge, lagoon_edges)
    if lagoon_gauge is None:
        notes.append(
            "no lagoon gauge (city.toml [nowcast] lagoon_gauge); the "
            f"{', '.join(lagoon_edges)} edge(s) let water out freely"
        )
        forcing.boundaries += [(edge, "free", None) for edge in lagoon_edges]
        return _initial(forcing, elevation, initial_depth, initial_state, None, lagoon_edges)
    level = series(engine, lagoon_gauge, "water_level", origin.to_pydatetime(), at.to_pydatetime())
    before = latest_good(engine, lagoon_gauge, "water_level", at=origin.to_pydatetime())
    if before is not None:
        level = pd.concat([pd.Series([before.value], index=[pd.Timestamp(before.time)]), level])
    if level.empty:
        notes.append(
            f"lagoon gauge {lagoon_gauge}: no good level; the {', '.join(lagoon_edges)} "
            "edge(s) let water out freely"
        )
        forcing.boundaries += [(edge, "free", None) for edge in lagoon_edges]
        lagoon_now = None
    else:
        t, v = held_series(level, origin, end)
        for edge in lagoon_edges:
            bed = _edge_bed(elevation, edge)
            if v.min() < bed:
                notes.append(
                    f"lagoon level {v.min():.2f} m below the {edge} edge's lowest bed "
                    f"{bed:.2f} m: raised to it there"
                )
            da = xr.DataArray(
                np.maximum(v, bed),
                coords={"time": ("time", t, {"units": "s"})},
                dims="time",
                attrs={"units": "m"},
            )
            forcing.boundaries.append((edge, "level", da))
        lagoon_now = float(v[0])
        if sea_below_m is not None:
            sea = hydro.connected_below(elevation, sea_below_m, edges=lagoon_edges)
            if bool(sea.any()):
                held = xr.DataArray(
                    v,
                    coords={"time": ("time", t, {"units": "s"})},
                    dims="time",
                    attrs={"units": "m"},
                )
                forcing.fixed_level = (sea, held)
    return _initial(forcing, elevation, initial_depth, initial_state, lagoon_now, lagoon_edges)


def _initial(
    forcing: Forcing,
    elevation: xr.DataArray,
    initial_depth: xr.DataArray | None,
    initial_state: Any,
    lagoon_now: float | None,
    lagoon_edges: tuple[str, ...],
) -> Forcing:
    forcing.initial_state = initial_state  # a hydro.FloodModel: depths and fluxes
    if initial_depth is not None:
        forcing.initial_depth = initial_depth.astype(elevation.dtype)
    elif lagoon_now is not None:
        # the lagoon and the rivers joined to it, not every hollow below its level
        body = hydro.connected_below(elevation, lagoon_now, edges=lagoon_edges)
        depth = (lagoon_now - elevation).clip(min=0.0).where(body.values, 0.0)
        depth.attrs = {"units": "m"}
        forcing.initial_depth = depth.astype(elevation.dtype)
    return forcing


_EDGES = ("north", "south", "east", "west")


def _lagoon_setting(
    city: Any, gauge: str | None, edges: tuple[str, ...] | None
) -> tuple[str | None, tuple[str, ...]]:
    """The lagoon gauge and sea edges: the arguments, else ``city.toml`` ``[nowcast]``.

    Without edges from either, all four edges (a city without a gauge lets water out freely).
    """
    from layers.settings import read_settings

    table = read_settings(getattr(city, "meta", {}) or {})[0].nowcast
    problems = []
    if gauge is None:
        found = table.get("lagoon_gauge")
        if found is not None and not (isinstance(found, str) and found):
            problems.append(f"lagoon_gauge {found!r} is not a gauge id")
        else:
            gauge = found
    if edges is None:
        found = table.get("sea_edges")
        if found is None:
            edges = _EDGES
        elif isinstance(found, list) and found and all(isinstance(e, str) for e in found):
            edges = tuple(found)
        else:
            problems.append(f"sea_edges {found!r} is not a list of edge names")
            edges = ()
    bad = [e for e in edges if e not in _EDGES]
    if bad:
        problems.append(f"sea edges {bad} are not north, south, east or west")
    if problems:
        raise TwinError(
            "city.toml [nowcast]: "
            + "; ".join(problems)
            + '; fix: lagoon_gauge = "<gauge id>", sea_edges = ["north", "east"]'
        )
    return gauge, edges


def _edge_bed(elevation: xr.DataArray, edge: str) -> float:
    z = np.asarray(elevation.values, dtype=float)
    north_first = float(elevation["y"][0]) > float(elevation["y"][-1])
    pick = {
        "north": z[0 if north_first else -1, :],
        "south": z[-1 if north_first else 0, :],
        "west": z[:, 0],
        "east": z[:, -1],
    }
    if edge not in pick:
        raise TwinError(f"lagoon edges must be north, south, east or west, got {edge!r}")
    return float(np.nanmin(pick[edge]))


def run_nowcast(
    at: datetime | str | pd.Timestamp,
    hours: float,
    out_dir: str | Path,
    *,
    city: str | Path | City | None = None,
    resolution_m: float = 30.0,
    forecast_rain_mm_h: float | xr.DataArray | None = None,
    output_every: str = "30min",
    engine: Engine,
    state_dir: str | Path,
    max_state_age_h: float = 24.0,
    keep_states_h: float | None = 48.0,
    lagoon_gauge: str | None = None,
    lagoon_edges: tuple[str, ...] | None = None,
    solver: dict[str, float] | None = None,
    progress: Progress | None = None,
    signer: CapSigner | None = None,
    run_id: str | None = None,
) -> RunResult:
    """Run the flood model ``hours`` ahead of ``at`` from the sensors; impact and alerts.

    Parameters
    ----------
    at
        The time of the nowcast (aware): forcing uses readings up to it.
    hours
        How far ahead to run (h, > 0).
    out_dir
        Folder of the run's files (:mod:`twin.runs.files`).
    city
        City package folder, or a loaded :class:`layers.City` (default: the demo city).
    resolution_m
        Grid resolution (m), at least the DEM's.
    forecast_rain_mm_h
        Rain after ``at``: mm/h, or a DataArray over ``time`` in hours after ``at``.
    output_every
        Output interval ("30min").
    engine
        The database with the sensor readings, runs and alerts.
    state_dir
        Where model states are kept (warm starts): the service and the CLI use
        ``<data_dir>/nowcast_state``.
    max_state_age_h
        Older states are not used.
    keep_states_h
        After the run, saved states older than this many hours before ``at`` are deleted
        (None keeps them all).
    lagoon_gauge, lagoon_edges
        The gauge whose level is imposed on which edges of the domain; default: the city's
        ``city.toml`` ``[nowcast]`` ``lagoon_gauge`` and ``sea_edges`` (the demo city: the
        ``thuan-an`` gauge, the sea and the Tam Giang lagoon on the north and east edges).
    solver
        Options of :class:`hydro.FloodModel` (``theta``, ``alpha``, ``max_dt``); default
        :data:`NOWCAST_SOLVER`.
    progress
        ``progress(stage, fraction)``.
    signer
        Signs the run's CAP files (None: unsigned).
    run_id
        The run's id (default: a new one).

    Returns
    -------
    RunResult
        Its summary has ``warm_start`` (the state file or None), ``forcing_notes``,
        ``good_readings`` (good sensor readings up to ``at``) and ``forecast`` (False when
        there were none: the run is no forecast, and its "0 people" is no all clear).
    """
    import hydro

    at_utc = parse_at(at)
    if not hours > 0:
        raise TwinError(f"hours must be > 0, got {hours}")
    if keep_states_h is not None and not keep_states_h >= max_state_age_h:
        raise TwinError(
            f"keep_states_h ({keep_states_h}) must be at least max_state_age_h "
            f"({max_state_age_h}), or None to keep every state"
        )
    if city is None or isinstance(city, str | Path):
        import layers

        path = Path(city) if city is not None else Path(layers.ensure_demo_city())
        the_city = load_city_cached(path)
    else:
        the_city = city
    cell = grid_spacing_m(the_city.dem)[0]
    if resolution_m < cell - 1e-6:
        raise TwinError(f"resolution_m {resolution_m:g} m is finer than the DEM's {cell:g} m")
    states = Path(state_dir)
    found = find_state(states, at_utc, max_age_h=max_state_age_h)
    origin = found[1] if found is not None else at_utc
    end = at_utc + pd.Timedelta(hours=hours)
    initial = state = None
    if found is not None:
        state = hydro.FloodModel.load_state(found[0])
        initial = state.depth
        grid = resample_grid(the_city.dem, resolution_m)
        if initial.shape != grid.shape:
            initial, state, found, origin = None, None, None, at_utc
    every_s = pd.Timedelta(output_every).total_seconds()
    states.mkdir(parents=True, exist_ok=True)
    lead_s = (at_utc - origin).total_seconds()
    name = f"nowcast-{at_utc.strftime('%Y%m%dT%H%MZ')}"
    # without a single good reading the run shows only the lagoon's cold start: not a
    # forecast, whatever its totals say (the summary says so; the CLI exits 2)
    readings = len(readings_frame(engine, end=at_utc.to_pydatetime(), good_only=True))
    with open_run(engine, name, "nowcast", out_dir, run_id=run_id, progress=progress) as run:
        notes: list[str] = []
        with run.stage("forcing"):
            forcing = nowcast_forcing(
                the_city,
                engine,
                origin=origin,
                at=at_utc,
                end=end,
                resolution_m=resolution_m,
                forecast_rain_mm_h=forecast_rain_mm_h,
                lagoon_gauge=lagoon_gauge,
                lagoon_edges=lagoon_edges,
                initial_depth=initial,
                initial_state=state,
                notes=notes,
                solver=NOWCAST_SOLVER if solver is None else solver,
            )
        plan = RunPlan(
            city=the_city,
            start=origin,
            duration_s=(end - origin).total_seconds(),
            output_every_s=every_s,
            save_state=(lead_s if lead_s > 0 else 0.0, state_path(states, at_utc)),
            alert_time=at_utc.to_pydatetime(),
            signer=signer,
            summary={
                "at": at_utc.isoformat(),
                "hours": hours,
                "resolution_m": resolution_m,
                "warm_start": str(found[0]) if found is not None else None,
                "forcing_notes": notes,
                "good_readings": readings,
                "forecast": readings > 0,
            },
        )
        result = execute(run, plan, forcing, engine=engine)
    if keep_states_h is not None:
        prune_states(states, at_utc - pd.Timedelta(hours=keep_states_h))
    return result
