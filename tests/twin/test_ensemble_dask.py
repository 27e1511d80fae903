"""twin.ensemble on the flood model: members in this process and on Dask worker processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import xarray as xr
from shapely.geometry import box

from twin import TwinError
from twin._scenario_forcing import Forcing, PointInflow
from twin.ensemble import DomainSource, EnsembleSpec, Member, open_members, run, run_members

# -- members ----------------------------------------------------------------------------------


def _source(n: int = 24, duration_s: float = 1200.0) -> DomainSource:
    """A tilted valley of n x n 10 m cells, rain for 10 min and a dam release at its head."""
    x = np.arange(n) * 10.0 + 5.0
    y = x[::-1].copy()
    xx, yy = np.meshgrid(x, y)
    mid = float(x.mean())
    dem = xr.DataArray(
        (0.002 * xx + 0.004 * np.abs(yy - mid)).astype("float32"),
        coords={"y": y, "x": x},
        dims=("y", "x"),
        attrs={"units": "m"},
    ).rio.write_crs(32648)
    rain = xr.DataArray(
        [60.0, 60.0, 0.0],
        coords={"time": [0.0, 600.0, 601.0]},
        dims="time",
        attrs={"units": "mm h-1"},
    )
    forcing = Forcing(
        elevation=dem,
        manning=0.03,
        rain_mm_h=rain,
        inflows=[PointInflow("dam A", float(x[-3]), mid, 0.5)],
    )
    return DomainSource(forcing, duration_s=duration_s, output_every_s=300.0)


def _wards(source: DomainSource) -> gpd.GeoDataFrame:
    x = source.forcing.elevation["x"].values
    half = float(x.mean())
    return gpd.GeoDataFrame(
        {"ward_id": ["W01", "W02"], "name": ["Tây", "Đông"], "population": [100, 50]},
        geometry=[box(0, 0, half, 2 * half), box(half, 0, 2 * half, 2 * half)],
        crs=32648,
    )


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DomainSource, list, Path]:
    source = _source()
    members = [
        Member(index=0),
        Member(index=1, rain_factor=0.0, release_factor=0.0),
        Member(index=2, rain_factor=2.0, release_factor=2.0),
        Member(index=3, rain_shift_h=0.1, manning_factor=1.5),
    ]
    folder = tmp_path_factory.mktemp("serial")
    seen: list[tuple[int, int]] = []
    records = run_members(source, members, folder, progress=lambda d, t, r: seen.append((d, t)))
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    return source, records, folder


def test_members_serial_write_zarr_and_open_lazily(serial_run) -> None:
    _, records, folder = serial_run
    assert [r["member"] for r in records] == [0, 1, 2, 3]
    assert all(abs(r["volume_error"]) < 1e-3 for r in records)
    ds = open_members(folder, [0, 1, 2, 3])
    assert ds["depth"].dims == ("member", "time", "y", "x")
    assert ds["depth"].chunks is not None  # lazy, read from the Zarr stores
    assert ds.rio.crs.to_epsg() == 32648
    assert ds["rain_factor"].values.tolist() == [1.0, 0.0, 2.0, 1.0]
    peak = ds["max_depth"].max(("y", "x")).values
    assert peak[1] == 0.0  # no rain, no release: dry
    assert peak[2] > peak[0] > 0.0
    assert ds["max_hazard_class"].dtype == np.int8
    lines = (folder / "attempts.jsonl").read_text().splitlines()
    assert sum(json.loads(line)["event"] == "done" for line in lines) == 4
    assert not list(folder.glob(".member_*"))  # no temporary store left behind
    with pytest.raises(TwinError, match="member 9"):
        open_members(folder, [9])
    with pytest.raises(TwinError, match="unique"):
        run_members(_source(), [Member(index=0), Member(index=0)], folder)


def _events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    out = []
    for line in log.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):  # a line being written
            out.append(json.loads(line))
    return out


def _busy(log: Path) -> list[tuple[int, int]]:
    """(pid, member) of every member started and not done."""
    events = _events(log)
    done = {(e["pid"], e["member"]) for e in events if e["event"] == "done"}
    return [
        (e["pid"], e["member"])
        for e in events
        if e["event"] == "start" and (e["pid"], e["member"]) not in done
    ]


def _kill_a_busy_worker(log: Path, killed: list[tuple[int, int]], stop: threading.Event) -> None:
    """SIGKILL the worker process running member 0, in the middle of it.

    The worker is stopped (SIGSTOP) first and the log read again: a stopped process cannot
    finish its member, so the kill lands mid-member for sure; one that finished in between
    is let go (SIGCONT) and the next is tried.
    """
    while not stop.is_set() and not killed:
        for pid, member in _busy(log):
            if member != 0:
                continue
            os.kill(pid, signal.SIGSTOP)
            if (pid, member) in _busy(log):
                os.kill(pid, signal.SIGKILL)
                killed.append((pid, member))
                break
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.01)


@pytest.mark.slow
def test_local_cluster_of_processes_survives_a_killed_worker(tmp_path: Path) -> None:
    source = _source(n=64, duration_s=3600.0)
    spec = EnsembleSpec.model_validate(
        {
            "name": "procs",
            "members": 6,
            "perturb": {
                # member 5 repeats member 0 (the base): the killed member's twin
                "rain_factor": {"kind": "values", "values": [0.5, 1.5, 2.0, 2.5, 1.0]},
                "manning_factor": {"kind": "values", "values": [1.0, 1.0, 1.5]},
                "rain_shift_h": {"kind": "values", "values": [0.0, 0.0, 0.1]},
            },
        }
    )
    out = tmp_path / "dask"
    killed: list[tuple[int, int]] = []
    stop = threading.Event()
    log = out / "attempts.jsonl"
    killer = threading.Thread(target=_kill_a_busy_worker, args=(log, killed, stop))
    killer.start()
    seen: list[int] = []
    try:
        ds = run(  # no client: a LocalCluster of 2 worker processes, started and closed here
            spec,
            base=source,
            out_dir=out,
            progress=lambda d, t, r: seen.append(r["pid"]),
            wards=_wards(source),
        )
    finally:
        stop.set()
        killer.join()
    assert killed, "no worker was seen busy, so none was killed"
    assert len(seen) == 6 and os.getpid() not in seen  # computed in worker processes
    (killed_pid, killed_member), *_ = killed
    done = {e["member"]: e["pid"] for e in _events(log) if e["event"] == "done"}
    assert sorted(done) == [0, 1, 2, 3, 4, 5]
    assert done[killed_member] != killed_pid  # the killed member ran again elsewhere
    assert killed_member == 0
    # the member killed and run again gives the numbers of its undisturbed twin
    members = spec.sample_members()
    assert members[5].model_dump(exclude={"index"}) == members[0].model_dump(exclude={"index"})
    np.testing.assert_array_equal(ds["max_depth"].sel(member=0), ds["max_depth"].sel(member=5))
    np.testing.assert_array_equal(ds["depth"].sel(member=0), ds["depth"].sel(member=5))
    peak = ds["max_depth"].max(("y", "x")).values
    assert peak[1] < peak[0] < peak[2]  # rain x0.5, x1, x1.5
    p = ds["exceedance_probability"].sel(threshold_m=0.1).values
    np.testing.assert_allclose(p, (ds["max_depth"] > 0.1).mean("member").values)
    prob = ds["ward_hazard_probability"]
    np.testing.assert_allclose(prob.sum("hazard_class").values, 1.0)
    assert prob["ward_name"].values.tolist() == ["Tây", "Đông"]
