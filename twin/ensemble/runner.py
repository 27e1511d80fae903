"""Run an ensemble on Dask distributed: one task per member, results written to Zarr.

How it runs
-----------
- :func:`run` samples the members of an :class:`EnsembleSpec`, submits one task per member to
  a Dask distributed cluster and waits for them as they finish, reporting progress.
- Without a client it starts a :class:`distributed.LocalCluster` of ``n_workers`` worker
  *processes* (one thread each, numba held to one thread so that members do not fight over
  the cores) and closes it at the end. A string is a scheduler address (``tcp://host:8786``):
  the workers must then see ``out_dir`` and the city's files at the same paths (a shared
  file system) and have this package installed.
- Each task builds the base forcing on the worker (from the scenario and its city, cached per
  process), perturbs it (:func:`twin.ensemble.perturb_forcing`), runs the flood model, adds the
  highest hazard class of each cell, and writes ``member_NNN.zarr`` into ``out_dir``: first to
  a temporary name, then renamed, so a member is either complete or absent. Only a small
  record goes back to the client, so memory stays bounded whatever the number of members.
- A worker that dies mid-member (killed, out of memory) loses only its member: the scheduler
  runs it again on another worker (``distributed.scheduler.allowed-failures``), and a member
  that raises is retried ``spec.retries`` times. Every attempt is logged to
  ``out_dir/attempts.jsonl`` (start and end, worker process id).
- The result opens every member's Zarr lazily (Dask arrays) along a ``member`` dimension and
  adds the summaries of :mod:`twin.ensemble.summary`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from layers._extras import import_extra
from twin._errors import TwinError
from twin._scenario_forcing import Forcing
from twin.ensemble.perturb import perturb_forcing
from twin.ensemble.spec import PERTURBATIONS, EnsembleSpec, Member
from twin.scenario import Scenario

if TYPE_CHECKING:
    import geopandas as gpd
    from distributed import Client

__all__ = ["DomainSource", "Progress", "open_members", "run", "run_member", "run_members"]

Progress = Callable[[int, int, dict[str, Any]], None]
"""``progress(done, total, record)``, called on the client as each member finishes."""

_WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class DomainSource:
    """A bare model domain to build members from, without a city or a scenario file.

    Parameters
    ----------
    forcing
        The model inputs (grid, Manning's n, rain, inflows named ``"dam ..."`` for releases).
    duration_s, output_every_s
        Length of each run and the output interval (s).
    dtype
        Solver precision.
    """

    forcing: Forcing
    duration_s: float
    output_every_s: float
    dtype: str = "float32"


Source = Scenario | DomainSource


def run(
    spec: EnsembleSpec | str | Path,
    client: Client | str | None = None,
    *,
    base: Source | None = None,
    out_dir: str | Path | None = None,
    n_workers: int = 2,
    progress: Progress | bool | None = None,
    wards: gpd.GeoDataFrame | None = None,
    threads_per_member: int | None = 1,
) -> xr.Dataset:
    """Run an ensemble and open its members as one Dataset.

    Parameters
    ----------
    spec
        The ensemble, or the path of its TOML file.
    client
        A :class:`distributed.Client`, a scheduler address, or None for a LocalCluster of
        ``n_workers`` processes started (and closed) here.
    base
        The base to perturb instead of the spec's scenario file: a :class:`twin.Scenario` or
        a :class:`DomainSource`.
    out_dir
        Folder of the members' Zarr stores (kept: the returned Dataset reads from it); default
        a new temporary folder.
    n_workers
        Worker processes of the LocalCluster started when ``client`` is None.
    progress
        A callback ``progress(done, total, record)``, True to print one line per member, or
        None/False for silence.
    wards
        Ward polygons (``ward_id``, ``population``) for the per-ward hazard probabilities;
        default the scenario city's wards, people on its built-up cells (none for a
        :class:`DomainSource`).
    threads_per_member
        Numba threads per member; raise it on workers with several cores each.

    Returns
    -------
    xarray.Dataset
        ``depth``, ``wse``, ``speed`` over (member, time, y, x) and ``max_depth``,
        ``max_speed``, ``arrival_time``, ``max_hazard_class`` over (member, y, x), all lazy;
        the members' factors as coordinates along ``member``; and, computed,
        ``exceedance_probability`` (threshold_m, y, x) and, with wards, the per-ward
        variables of :func:`twin.ensemble.ward_hazard` (``ward_hazard_probability`` over
        ward and hazard_class).

    Raises
    ------
    TwinError
        A bad spec or scenario, or a member that failed after its retries (the message
        names it).
    """
    from twin.ensemble.summary import summarise

    if not isinstance(spec, EnsembleSpec):
        spec = EnsembleSpec.from_toml(spec)
    source = base if base is not None else Scenario.from_toml(spec.scenario_path())
    members = spec.sample_members()
    folder = _out_dir(out_dir, spec.name)
    callback = _progress_callback(progress)
    with _client(client, n_workers) as c:
        records = run_members(
            source,
            members,
            folder,
            client=c,
            retries=spec.retries,
            progress=callback,
            threads_per_member=threads_per_member,
        )
    ds = open_members(folder, [r["member"] for r in records])
    built_up = None
    if wards is None and isinstance(source, Scenario):
        from twin._scenario_check import load_city_cached
        from twin.impact import people_weights

        city = load_city_cached(source.city_path())
        wards, built_up = city.wards, people_weights(city, ds)
    out = summarise(ds, thresholds_m=spec.thresholds_m, wards=wards, built_up=built_up)
    out.attrs.update(
        {
            "ensemble": spec.name,
            "members": len(members),
            "seed": spec.seed,
            "out_dir": str(folder),
            "wall_s_per_member": float(np.mean([r["wall_s"] for r in records])),
        }
    )
    return out


def run_members(
    source: Source,
    members: Sequence[Member],
    out_dir: str | Path,
    *,
    client: Client | None = None,
    retries: int = 2,
    progress: Progress | None = None,
    threads_per_member: int | None = 1,
) -> list[dict[str, Any]]:
    """Run members, on a Dask client or (``client=None``) one after another here.

    ``threads_per_member`` numba threads solve each member (see :func:`run_member`).

    Returns
    -------
    list of dict
        One record per member, in member order: ``member``, ``path``, ``wall_s``, ``pid``,
        ``host``, ``volume_error``.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if len({m.index for m in members}) != len(members):
        raise TwinError("member indexes must be unique")
    total = len(members)
    records: dict[int, dict[str, Any]] = {}
    if client is None:
        for m in members:
            records[m.index] = run_member(source, m, str(folder), threads=threads_per_member)
            if progress is not None:
                progress(len(records), total, records[m.index])
        return [records[m.index] for m in members]

    from distributed import as_completed

    # the source goes with each task, not scattered once: scattered data dies with its worker
    token = uuid.uuid4().hex[:8]
    futures = {
        client.submit(
            run_member,
            source,
            m,
            str(folder),
            threads=threads_per_member,
            key=f"ensemble-member-{m.index:04d}-{token}",
            retries=retries,
            pure=False,
        ): m
        for m in members
    }
    try:
        for future in as_completed(futures):
            member = futures[future]
            try:
                record = future.result()
            except Exception as exc:
                raise TwinError(
                    f"ensemble member {member.index} failed after {retries} retries: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            records[member.index] = record
            if progress is not None:
                progress(len(records), total, record)
    finally:
        client.cancel(list(futures))
    return [records[m.index] for m in members]


def run_member(
    source: Source, member: Member, out_dir: str, *, threads: int | None = 1
) -> dict[str, Any]:
    """Run one member and write ``member_NNN.zarr`` into ``out_dir`` (runs on a worker).

    Parameters
    ----------
    source, member
        What to run.
    out_dir
        Folder of the member stores (made if missing) and of ``attempts.jsonl``.
    threads
        Numba threads for this member's solver (capped by ``NUMBA_NUM_THREADS``); None keeps
        the process's setting. One per member by default: members are the parallelism, and
        two workers each spinning two OpenMP threads on two cores run slower than serial.

    Returns
    -------
    dict
        ``member``, ``path``, ``wall_s``, ``pid``, ``host``, ``volume_error``.
    """
    import numba

    from hydro.accessor import FloodAccessor
    from twin.runs import simulate

    t0 = time.perf_counter()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    _log_attempt(folder, "start", member)
    if isinstance(source, Scenario):
        from twin._scenario_check import load_city_cached
        from twin._scenario_forcing import build_forcing

        city = load_city_cached(source.city_path())
        forcing = build_forcing(source, city)
        duration_s, every_s = source.duration_s, source.output.every.total_seconds()
        dtype: str = source.output.dtype
        start: pd.Timestamp | None = source.start_utc
    else:
        forcing, duration_s, every_s = source.forcing, source.duration_s, source.output_every_s
        dtype, start = source.dtype, None
    previous_threads = numba.get_num_threads()
    if threads is not None:
        most = int(getattr(numba.config, "NUMBA_NUM_THREADS", 1))
        numba.set_num_threads(max(1, min(int(threads), most)))
    try:
        result, balance = simulate(
            perturb_forcing(forcing, member),
            duration_s=duration_s,
            output_every_s=every_s,
            dtype=dtype,
        )
    finally:
        numba.set_num_threads(previous_threads)
    result["max_hazard_class"] = FloodAccessor(result).hazard().max_hazard_class
    result = result.assign_attrs(
        {
            "member": member.index,
            **{k: getattr(member, k) for k in PERTURBATIONS},
            "volume_relative_error": float(balance.get("relative_error", np.nan)),
            **({"start": start.isoformat()} if start is not None else {}),
        }
    )
    path = folder / member_store_name(member.index)
    _write_store(result, path)
    wall = time.perf_counter() - t0
    _log_attempt(folder, "done", member, wall_s=wall)
    return {
        "member": member.index,
        "path": str(path),
        "wall_s": wall,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "volume_error": float(balance.get("relative_error", np.nan)),
    }


def member_store_name(index: int) -> str:
    """File name of a member's Zarr store."""
    return f"member_{index:03d}.zarr"


def open_members(out_dir: str | Path, indexes: Sequence[int]) -> xr.Dataset:
    """Open members' Zarr stores lazily along a ``member`` dimension.

    The members' factors become coordinates along ``member``; a run with a start gets
    ``time`` as UTC datetimes.
    """
    folder = Path(out_dir)
    parts = []
    for i in indexes:
        path = folder / member_store_name(i)
        if not path.exists():
            raise TwinError(f"member {i} has no result at {path}; run the ensemble again")
        parts.append(xr.open_zarr(path, consolidated=False, decode_coords="all"))
    coords = {
        name: ("member", [float(p.attrs.get(name, neutral)) for p in parts])
        for name, (neutral, _) in PERTURBATIONS.items()
    }
    ds = xr.concat(
        parts,
        dim=pd.Index(list(indexes), name="member"),
        data_vars="all",
        coords="minimal",
        compat="override",
        join="override",
        combine_attrs="drop_conflicts",
    )
    ds = ds.assign_coords(coords)
    ds["member"].attrs = {"long_name": "ensemble member"}
    start = parts[0].attrs.get("start") if parts else None
    if start is not None and not np.issubdtype(ds["time"].dtype, np.datetime64):
        origin = pd.Timestamp(start).tz_convert("UTC").tz_localize(None)
        times = origin + pd.to_timedelta(np.asarray(ds["time"].values, dtype=float), unit="s")
        ds = ds.assign_coords(time=("time", times.values, {"long_name": "time (UTC)"}))
    for name in ("member", *PERTURBATIONS):
        ds.attrs.pop(name, None)
    return ds


def _write_store(result: xr.Dataset, path: Path) -> None:
    """Write atomically: a temporary store beside ``path``, renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    clean = result.copy()
    for name in clean.variables:
        clean[name].encoding = {}
    clean.attrs = {k: v for k, v in clean.attrs.items() if isinstance(v, str | int | float)}
    try:
        clean.to_zarr(tmp, mode="w", consolidated=False)
        if path.exists():
            shutil.rmtree(path)
        tmp.rename(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _log_attempt(folder: Path, event: str, member: Member, **extra: float) -> None:
    line = {"event": event, "member": member.index, "pid": os.getpid(), "time": time.time()}
    with (folder / "attempts.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({**line, **extra}) + "\n")


def _out_dir(out_dir: str | Path | None, name: str) -> Path:
    if out_dir is None:
        return Path(tempfile.mkdtemp(prefix=f"ensemble-{name}-"))
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _progress_callback(progress: Progress | bool | None) -> Progress | None:
    if progress is True:

        def printer(done: int, total: int, record: dict[str, Any]) -> None:
            print(
                f"member {record['member']} done in {record['wall_s']:.1f} s ({done}/{total})",
                flush=True,
            )

        return printer
    return progress or None


@contextlib.contextmanager
def _client(client: Client | str | None, n_workers: int) -> Iterator[Client]:
    distributed = import_extra("distributed", "dask", "an ensemble on Dask", TwinError)

    if client is not None and not isinstance(client, str):
        yield client
        return
    if isinstance(client, str):
        with distributed.Client(client) as c:
            yield c
        return
    if n_workers < 1:
        raise TwinError(f"n_workers must be >= 1, got {n_workers}")
    with (
        distributed.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            env=_WORKER_ENV,
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c
