"""Speed of the flood core on the standard case, and Landlab's OverlandFlow on the same case.

Run from the repository root::

    python benchmarks/hydro_speed.py                  # N = 500, 1000, 2000; Landlab at 500, 1000
    python benchmarks/hydro_speed.py --sizes 500 1000 --quick
    python benchmarks/hydro_speed.py --landlab-sizes 500 1000 2000   # Landlab at 2000 too (slow)

Landlab comes with the ``benchmarks`` extra: ``pip install -e '.[benchmarks]'`` (on Python 3.11
it needs ``requireit<0.9``); without it the Landlab rows are skipped with a note.

The standard case: a 10 km × 10 km square of N × N cells, bed ``z = 0.001·x + 0.005·|y − 5000|``
(metres, x and y from the south-west corner: a valley along y = 5,000 m draining west), closed
edges, dry at the start, rain 50 mm/h for the whole hour, Manning n = 0.03, α = 0.7, θ = 0.7,
simulated to t = 3,600 s with no snapshots in between. Printed, as a markdown table:

- cell updates per second, ``N² × time steps ÷ wall seconds`` (compilation excluded: every
  configuration is warmed up on a small grid first), for each N, float32/float64, 1/2 threads,
  and per CPU-second of the process (``time.process_time``): on a shared machine the wall
  figure falls with the load, the CPU figure much less (for one thread it estimates the idle
  machine's rate; for two it also counts time the threads spend waiting on each other);
- the 90 %-dry variant: no rain, but the hour's 50 mm lying on the lowest tenth of the square
  (x < 1,000 m) at the start; it drains into the valley bottom and stays there, so nine cells
  in ten stay dry (N = 1000 or the largest size run); compared per time step;
- Landlab's ``OverlandFlow`` (the same de Almeida scheme, float64, NumPy) on the same case:
  its cell updates per second and wall time, and our ratio in both (Landlab's step is capped
  at our largest step, 10 s, which it otherwise lacks: on the nearly dry square its first
  steps would be minutes long);
- peak working memory per cell (NumPy allocations traced during construction and a short
  run, minus the result's own bytes), float32 and float64;
- the output share: the extra wall time of 13 snapshots (``output_every=300``) and of writing
  the result to NetCDF, as fractions of the run.

The table goes to stdout and, with the machine's description, to
``benchmarks/results/hydro_speed-<UTC time>.json`` (git-ignored, rewritten after every row).
Timings on a shared machine vary: the load average at the start and end is recorded with them.
``import hydro`` sets numba's OpenMP workers to sleep after a short spin
(``OMP_WAIT_POLICY=passive``, ``GOMP_SPINCOUNT=5000``; see ``hydro/_env.py``); both are
recorded with the machine. A longer spin (``GOMP_SPINCOUNT=200000``) is a few per cent faster
on an idle machine and much slower on a busy one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numba
import numpy as np
import xarray as xr
from _common import cpu_name

import hydro

RAIN_MM_H = 50.0
UNTIL_S = 3600.0
MANNING = 0.03
ALPHA = 0.7
THETA = 0.7
MAX_DT_S = 10.0  # FloodModel's default largest step, given to Landlab too
RESULTS = Path(__file__).parent / "results"


def standard_dem(n: int) -> xr.DataArray:
    """The standard case's bed on N × N cells (row 0 north, cell-centre coordinates)."""
    dx = 10000.0 / n
    x = (np.arange(n) + 0.5) * dx
    y = x[::-1].copy()
    z = 0.001 * x[None, :] + 0.005 * np.abs(y[:, None] - 5000.0)
    return xr.DataArray(
        z, coords={"y": y, "x": x}, dims=("y", "x"), name="elevation", attrs={"units": "m"}
    )


def build_model(n: int, dtype: str, *, dry: bool = False) -> hydro.FloodModel:
    """The standard case (or its 90 %-dry variant) ready to run."""
    dem = standard_dem(n)
    model = hydro.FloodModel(dem, manning=MANNING, dtype=dtype, alpha=ALPHA, theta=THETA)
    if dry:
        # the hour's rain already fallen on the lowest tenth, which drains into the valley
        # bottom and stays there: the same kernels, nine cells in ten dry throughout
        depth = xr.where(dem.x < 1000.0, RAIN_MM_H / 1000.0, 0.0).broadcast_like(dem)
        model.set_initial_depth(depth)
    else:
        model.add_rain(RAIN_MM_H)
    return model


def run_ours(
    n: int, dtype: str, threads: int, *, until: float, dry: bool = False, repeats: int = 1
) -> dict[str, Any]:
    """Best of ``repeats`` runs of our model: steps, wall time, cell updates per second."""
    best: dict[str, Any] | None = None
    for _ in range(repeats):
        model = build_model(n, dtype, dry=dry)
        c0 = time.process_time()
        t0 = time.perf_counter()
        result = model.run(until=until, threads=threads)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
        steps = int(result.attrs["steps"])
        row = {
            "solver": "hue-twin",
            "variant": "90% dry" if dry else "standard",
            "n": n,
            "dtype": dtype,
            "threads": threads,
            "steps": steps,
            "wall_s": wall,
            "mcups": n * n * steps / wall / 1e6,
            "cpu_s": cpu,
            "mcups_per_cpu_s": n * n * steps / cpu / 1e6,
            "wet_fraction": float((result.depth.isel(time=-1) > 1e-3).mean()),
            "relative_volume_error": float(model.volume_balance["relative_error"]),
        }
        if best is None or row["wall_s"] < best["wall_s"]:
            best = row
    assert best is not None
    return best


def warm_up(dtypes: list[str], threads: list[int]) -> None:
    """Compile every kernel variant on a small grid, so timings exclude compilation."""
    for dtype in dtypes:
        for t in threads:
            for dry in (False, True):
                build_model(50, dtype, dry=dry).run(until=120.0, threads=t, output_every=60.0)


def run_landlab(n: int, *, until: float) -> dict[str, Any]:
    """Landlab's OverlandFlow on the standard case: N × N core cells inside a closed ring."""
    from landlab import RasterModelGrid
    from landlab.components import OverlandFlow

    dx = 10000.0 / n
    # node (row r, col c) sits at ((c - 0.5) dx, (r - 0.5) dx): the core nodes are our cell centres
    grid = RasterModelGrid((n + 2, n + 2), xy_spacing=dx, xy_of_lower_left=(-0.5 * dx, -0.5 * dx))
    x = grid.x_of_node
    y = grid.y_of_node
    z = grid.add_field("topographic__elevation", 0.001 * x + 0.005 * np.abs(y - 5000.0), at="node")
    z[grid.boundary_nodes] = z.max() + 10.0
    grid.set_closed_boundaries_at_grid_edges(True, True, True, True)
    grid.add_zeros("surface_water__depth", at="node")
    flow = OverlandFlow(
        grid,
        alpha=ALPHA,
        mannings_n=MANNING,
        theta=THETA,
        rainfall_intensity=RAIN_MM_H / 1000.0 / 3600.0,
    )
    initial_m3 = float(grid.at_node["surface_water__depth"][grid.core_nodes].sum()) * dx * dx
    max_dt = MAX_DT_S
    steps = 0
    plain = flow.calc_time_step

    def counted() -> float:
        # Landlab has no largest step; ours is max_dt (10 s) while the square is nearly dry
        nonlocal steps
        steps += 1
        return min(plain(), max_dt)

    flow.calc_time_step = counted  # type: ignore[method-assign]
    c0 = time.process_time()
    t0 = time.perf_counter()
    flow.run_one_step(dt=until)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    depth = grid.at_node["surface_water__depth"][grid.core_nodes]
    rain_m3 = RAIN_MM_H / 3.6e6 * until * (n * dx) ** 2
    stored_m3 = float(depth.sum()) * dx * dx - initial_m3
    return {
        "solver": "landlab OverlandFlow",
        "variant": "standard",
        "n": n,
        "dtype": "float64",
        "threads": 1,
        "steps": steps,
        "wall_s": wall,
        "mcups": n * n * steps / wall / 1e6,
        "cpu_s": cpu,
        "mcups_per_cpu_s": n * n * steps / cpu / 1e6,
        "wet_fraction": float((depth > 1e-3).mean()),
        "relative_volume_error": (stored_m3 - rain_m3) / rain_m3,
    }


def working_memory(n: int, dtype: str) -> dict[str, Any]:
    """Peak traced NumPy memory of construction and a short run, per cell, outputs aside."""
    dem = standard_dem(n)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    model = hydro.FloodModel(dem, manning=MANNING, dtype=dtype, alpha=ALPHA, theta=THETA)
    model.add_rain(RAIN_MM_H)
    result = model.run(until=120.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    net = peak - base - result.nbytes
    return {"n": n, "dtype": dtype, "bytes_per_cell": net / (n * n), "result_bytes": result.nbytes}


def output_share(n: int, dtype: str, threads: int, *, until: float) -> dict[str, Any]:
    """Extra cost of snapshots every 300 s, and of writing the result to NetCDF.

    The NetCDF writer is warmed up on a small result first: the first write in a process
    loads the netCDF/HDF5 libraries and xarray's backend (about 0.4 s here), a cost of the
    process, not of the run, as numba's compilation is.
    """
    plain = run_ours(n, dtype, threads, until=until)["wall_s"]
    with tempfile.TemporaryDirectory() as tmp:
        build_model(20, dtype).run(until=60.0, output_every=30.0).to_netcdf(Path(tmp) / "w.nc")
    model = build_model(n, dtype)
    t0 = time.perf_counter()
    result = model.run(until=until, threads=threads, output_every=300.0)
    with_snapshots = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result.to_netcdf(Path(tmp) / "r.nc")
        write = time.perf_counter() - t0
    return {
        "n": n,
        "dtype": dtype,
        "threads": threads,
        "snapshots": int(result.sizes["time"]),
        "run_s": plain,
        "run_with_snapshots_s": with_snapshots,
        "snapshot_share": max(0.0, (with_snapshots - plain) / with_snapshots),
        "netcdf_write_s": write,
        "netcdf_share": write / (with_snapshots + write),
        "output_share": (max(0.0, with_snapshots - plain) + write) / (with_snapshots + write),
    }


def machine() -> dict[str, Any]:
    """``_common.machine``'s record, with the OpenMP wait settings and Numba's threads."""
    return {
        "cpu": cpu_name(),
        "cores": os.cpu_count(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "(unset)"),
        "gomp_spincount": os.environ.get("GOMP_SPINCOUNT", "(unset)"),
        "numba_threads": numba.config.NUMBA_NUM_THREADS,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "load_average_at_start": os.getloadavg(),
        "platform": platform.platform(),
    }


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| solver | variant | N | dtype | threads | steps | wall (s) | Mcell-updates/s "
        "| CPU (s) | Mcell-updates per CPU-s |"
    )
    lines = [head, "|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(
            f"| {r['solver']} | {r['variant']} | {r['n']} | {r['dtype']} | {r['threads']} | "
            f"{r['steps']} | {r['wall_s']:.2f} | {r['mcups']:.1f} | {r['cpu_s']:.2f} | "
            f"{r['mcups_per_cpu_s']:.1f} |"
        )
    return "\n".join(lines)


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for r in rows:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def summarise(rows: list[dict[str, Any]], threads: list[int]) -> dict[str, Any]:
    """Landlab ratios, thread speed-ups and the dry-domain gain from the measured rows."""
    ratios = []
    for r in rows:
        if r["solver"] != "landlab OverlandFlow":
            continue
        for dtype, t in (("float32", max(threads)), ("float64", 1)):
            ours = _find(
                rows, solver="hue-twin", variant="standard", n=r["n"], dtype=dtype, threads=t
            )
            if ours:
                ratios.append(
                    {
                        "n": r["n"],
                        "ours": f"{dtype}, {t} thread(s)",
                        "cell_update_ratio": ours["mcups"] / r["mcups"],
                        "wall_time_ratio": r["wall_s"] / ours["wall_s"],
                        "cpu_cell_update_ratio": ours["mcups_per_cpu_s"] / r["mcups_per_cpu_s"],
                    }
                )
    speedups = []
    for r in rows:
        if r["solver"] == "hue-twin" and r["threads"] == 1:
            two = _find(
                rows, solver="hue-twin", threads=2, n=r["n"], dtype=r["dtype"], variant=r["variant"]
            )
            if two:
                speedups.append(
                    {
                        "n": r["n"],
                        "dtype": r["dtype"],
                        "variant": r["variant"],
                        "speedup": two["mcups"] / r["mcups"],
                    }
                )
    dry = []
    for d in rows:
        if d["variant"] != "90% dry":
            continue
        wet = _find(
            rows,
            solver="hue-twin",
            variant="standard",
            n=d["n"],
            dtype=d["dtype"],
            threads=d["threads"],
        )
        if wet:
            per_step = (wet["wall_s"] / wet["steps"]) / (d["wall_s"] / d["steps"])
            dry.append(
                {
                    "n": d["n"],
                    "dtype": d["dtype"],
                    "threads": d["threads"],
                    "wet_fraction": d["wet_fraction"],
                    "per_step_gain": per_step,
                }
            )
    return {"landlab_ratios": ratios, "thread_speedups": speedups, "dry_gain": dry}


def report(summary: dict[str, Any]) -> str:
    """The summary as markdown tables."""
    out = []
    if summary["landlab_ratios"]:
        out += [
            "| N | ours | × Landlab (cell updates/s) | × Landlab (wall time for the hour) "
            "| × Landlab (cell updates per CPU-s) |",
            "|---:|---|---:|---:|---:|",
        ]
        out += [
            f"| {q['n']} | {q['ours']} | {q['cell_update_ratio']:.1f} | "
            f"{q['wall_time_ratio']:.1f} | {q['cpu_cell_update_ratio']:.1f} |"
            for q in summary["landlab_ratios"]
        ]
        out.append("")
    if summary["thread_speedups"]:
        out += ["| N | dtype | variant | 1 → 2 threads |", "|---:|---|---|---:|"]
        out += [
            f"| {q['n']} | {q['dtype']} | {q['variant']} | {q['speedup']:.2f}× |"
            for q in summary["thread_speedups"]
        ]
        out.append("")
    for q in summary["dry_gain"]:
        out.append(
            f"90% dry (wet fraction {q['wet_fraction']:.2f}), N={q['n']} {q['dtype']} "
            f"{q['threads']} thread(s): {q['per_step_gain']:.1f}× less wall time per step "
            "than fully wet"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--landlab-sizes", type=int, nargs="*", default=None)
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--until", type=float, default=UNTIL_S, help="simulated seconds")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs")
    parser.add_argument("--quick", action="store_true", help="600 s simulated, N <= 1000")
    parser.add_argument("--no-landlab", action="store_true")
    parser.add_argument(
        "--no-extras", action="store_true", help="skip the memory and output-share runs"
    )
    args = parser.parse_args(argv)
    until = min(args.until, 600.0) if args.quick else args.until
    sizes = sorted(n for n in args.sizes if not args.quick or n <= 1000) or [500]
    landlab_sizes = (
        [n for n in sizes if n <= 1000] if args.landlab_sizes is None else args.landlab_sizes
    )
    if args.no_landlab:
        landlab_sizes = []
    threads = [t for t in args.threads if t <= numba.config.NUMBA_NUM_THREADS]
    info = machine()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"hydro_speed-{stamp}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {
        "machine": info,
        "until_s": until,
        "argv": sys.argv[1:] if argv is None else argv,
        "rows": [],
        "notes": [],
    }

    def save() -> None:
        payload.update(summarise(payload["rows"], threads))
        out.write_text(json.dumps(payload, indent=2))

    def record(row: dict[str, Any]) -> None:
        payload["rows"].append(row)
        print(table([row]).splitlines()[-1], flush=True)
        save()

    print(f"# hydro speed: standard case to t = {until:g} s")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, load average "
        f"{info['load_average_at_start']}"
    )
    print("\n".join(table([]).splitlines()[:2]))
    warm_up(args.dtypes, threads)
    have_landlab = True
    try:
        import landlab  # noqa: F401
    except ImportError:
        have_landlab = False
        if landlab_sizes:
            payload["notes"].append("Landlab not installed: pip install -e '.[benchmarks]'")
    n_dry = 1000 if 1000 in sizes else max(sizes)
    for n in sizes:
        for dtype in args.dtypes:
            for t in threads:
                record(run_ours(n, dtype, t, until=until, repeats=args.repeats))
        if n == n_dry:
            for t in threads:
                record(run_ours(n, "float32", t, until=until, dry=True, repeats=args.repeats))
        if have_landlab and n in landlab_sizes:
            record(run_landlab(n, until=until))
    for n in landlab_sizes:
        if have_landlab and n not in sizes:
            record(run_landlab(n, until=until))

    n_mem = min(1000, max(sizes))
    if not args.no_extras:
        payload["memory"] = [working_memory(n_mem, dtype) for dtype in args.dtypes]
        payload["output_share"] = output_share(n_mem, "float32", max(threads), until=until)
    payload["load_average_at_end"] = os.getloadavg()
    save()

    print()
    print(table(payload["rows"]))
    print()
    print(report(summarise(payload["rows"], threads)))
    if not args.no_extras:
        print("\n| N | dtype | peak working memory (bytes/cell, outputs aside) |")
        print("|---:|---|---:|")
        for m in payload["memory"]:
            print(f"| {m['n']} | {m['dtype']} | {m['bytes_per_cell']:.1f} |")
        share = payload["output_share"]
        print(
            f"\noutput share (N={share['n']}, float32): {share['snapshots']} snapshots cost "
            f"{100 * share['snapshot_share']:.1f}% of the run; writing them to NetCDF "
            f"{share['netcdf_write_s']:.2f} s ({100 * share['netcdf_share']:.1f}%); both "
            f"together {100 * share['output_share']:.1f}% (target 10%)"
        )
    for note in payload["notes"]:
        print(f"note: {note}")
    print(f"load average at the end: {payload['load_average_at_end']}")
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
