"""Ensemble throughput: N members of a scenario on a LocalCluster against one after another.

    python benchmarks/ensemble.py                      # 16 members of quick.toml, 2 workers
    python benchmarks/ensemble.py --members 8 --workers 2 --scenario path/to/scenario.toml

Prints members per hour on the cluster and serially (in this process, numba on
``--serial-threads`` threads, 1 by default to match one worker) and the speed-up. The first
member of each mode is run once before timing so that numba's compilation (cached on disk)
and the city's loading are not counted.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--serial-threads", type=int, default=1)
    parser.add_argument(
        "--scenario", type=Path, default=REPO / "data" / "hue" / "scenarios" / "quick.toml"
    )
    parser.add_argument("--skip-serial", action="store_true")
    args = parser.parse_args()

    import numba
    from distributed import Client, LocalCluster

    from twin.ensemble import EnsembleSpec, run, run_members
    from twin.scenario import Scenario

    scenario = Scenario.from_toml(args.scenario)
    spec = EnsembleSpec.model_validate(
        {
            "name": "bench",
            "members": args.members,
            "seed": 1,
            "perturb": {
                "rain_factor": {"kind": "lognormal", "median": 1.0, "sigma": 0.25},
                "rain_shift_h": {"kind": "uniform", "low": -1.0, "high": 1.0},
                "release_factor": {"kind": "uniform", "low": 0.7, "high": 1.3},
                "manning_factor": {"kind": "uniform", "low": 0.8, "high": 1.2},
            },
        }
    )
    members = spec.sample_members()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    print(f"scenario {scenario.name}: {scenario.resolution_m:g} m cells, {scenario.duration}")

    with tempfile.TemporaryDirectory() as tmp:
        serial_s = None
        if not args.skip_serial:
            numba.set_num_threads(args.serial_threads)
            run_members(scenario, members[:1], Path(tmp) / "warm")
            t0 = time.perf_counter()
            records = run_members(
                scenario, members, Path(tmp) / "serial", threads_per_member=args.serial_threads
            )
            serial_s = time.perf_counter() - t0
            print(
                f"serial ({args.serial_threads} numba thread): {serial_s:.1f} s, "
                f"{3600 * len(members) / serial_s:.0f} members/h, "
                f"{_mean_wall(records):.2f} s per member"
            )
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                env={"NUMBA_NUM_THREADS": "1"},
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm, scenario)
            t0 = time.perf_counter()
            ds = run(spec, client, base=scenario, out_dir=Path(tmp) / "dask")
            dask_s = time.perf_counter() - t0
        print(
            f"dask ({args.workers} workers x 1 thread): {dask_s:.1f} s, "
            f"{3600 * len(members) / dask_s:.0f} members/h, "
            f"{ds.attrs['wall_s_per_member']:.2f} s per member in a worker"
        )
        if serial_s is not None:
            print(f"speed-up over serial: {serial_s / dask_s:.2f}x")
    print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


def _mean_wall(records: list[dict[str, float]]) -> float:
    return sum(r["wall_s"] for r in records) / len(records)


def _warm(scenario: object) -> None:
    """Load the city and compile the kernels on a worker before the clock starts."""
    import tempfile

    from twin.ensemble import Member, run_member

    with tempfile.TemporaryDirectory() as tmp:
        run_member(scenario, Member(index=0), tmp)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
