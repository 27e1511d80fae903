"""EA 2D benchmark Test 5 (valley flooding after a dam failure): stability, mass, speed.

Run from the repository root::

    python benchmarks/ea5.py                       # the 10 m DEM, the full 30 hours (long)
    python benchmarks/ea5.py --coarsen 2 --until 21600   # 20 m cells, 6 hours

The DEM comes from the project's shared reference data
(``refdata/benchmarks/ea_test5/ea5-10m.dem.raw.gz``; ``--dem`` for another copy). Twenty
breach points deliver 15 m²/s × 10 m each (3,000 m³/s at the peak, 600–1,200 s); n = 0.04;
closed edges; NODATA cells are walls. No reference series is bundled, so the script reports
what can be checked without one: NaN or negative depths (none allowed), the volume balance,
the largest depth and speed, the largest odd-even (checkerboard) wiggle of the water surface
in the snapshots (``hydro.cases.checkerboard_m``), and arrival time (depth > 0.1 m, the
model's arrival depth) and peak depth at the seven EA control points, with the run's speed.
Markdown to stdout, JSON under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import REFDATA, TEST_DATA, machine, markdown, write_results

from hydro.cases import EA5_POINTS, checkerboard_m, ea_test5_case, sample_points
from hydro.io_lisflood import read_ascii_grid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dem", type=Path, default=REFDATA / "ea_test5" / "ea5-10m.dem.raw.gz")
    parser.add_argument("--coarsen", type=int, default=1, help="average k × k cells")
    parser.add_argument("--until", type=float, default=108000.0)
    parser.add_argument("--output-every", type=float, default=1800.0)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    args = parser.parse_args(argv)
    notes = []
    dem_path = args.dem
    if not dem_path.is_file():
        dem_path = TEST_DATA / "ea5-20m-crop.asc.gz"
        notes.append(f"{args.dem} not found: ran the 20 m crop of the test suite instead")
    dem = read_ascii_grid(dem_path)
    if args.coarsen > 1:
        dem = dem.coarsen(x=args.coarsen, y=args.coarsen, boundary="trim").mean()
    info = machine()
    cell = float(abs(dem.x[1] - dem.x[0]))
    print(
        f"# EA Test 5, {cell:g} m cells ({dem.sizes['y']} x {dem.sizes['x']}, "
        f"{int(dem.notnull().sum())} in the valley), {args.dtype}, to {args.until:g} s"
    )
    print(f"machine: {info['cpu']}, {info['cores']} cores, load {info['load_average']}")
    model = ea_test5_case(dem, dtype=args.dtype)
    t0 = time.perf_counter()
    result = model.run(until=args.until, output_every=args.output_every)
    wall = time.perf_counter() - t0
    steps = int(result.attrs["steps"])
    depth = result.depth.values
    balance = model.volume_balance
    inside = EA5_POINTS[
        (EA5_POINTS.x > float(dem.x.min()))
        & (EA5_POINTS.x < float(dem.x.max()))
        & (EA5_POINTS.y > float(dem.y.min()))
        & (EA5_POINTS.y < float(dem.y.max()))
    ]
    points = pd.DataFrame(
        {
            "arrival_s": sample_points(result.arrival_time, inside).values,
            "peak_m": sample_points(result.max_depth, inside).values,
            "peak_speed_ms": sample_points(result.max_speed, inside).values,
        },
        index=inside.index,
    )
    speed = result.max_speed.values
    summary = {
        "cells": int(dem.size),
        "valley_cells": int(dem.notnull().sum()),
        "steps": steps,
        "wall_s": wall,
        "mcups": dem.size * steps / wall / 1e6,
        "nan_depths": int(np.isnan(depth).sum()),
        "negative_depths": int((depth < 0).sum()),
        "max_depth_m": float(np.nanmax(result.max_depth.values)),
        "max_speed_ms": float(np.nanmax(speed)),
        "cells_faster_than_20ms": int((speed > 20.0).sum()),
        "max_snapshot_speed_ms": float(np.nanmax(result.speed.values)),
        "checkerboard_m": checkerboard_m(result, dem),
        "volume_balance": balance,
    }
    print(
        f"\n{steps} steps in {wall:.1f} s ({summary['mcups']:.1f} M cell updates/s); "
        f"NaN depths {summary['nan_depths']}, negative {summary['negative_depths']}; "
        f"volume in {balance['inflow_m3']:.4g} m³, relative error "
        f"{balance['relative_error']:.1e}"
    )
    print(
        f"largest depth {summary['max_depth_m']:.2f} m; largest speed {summary['max_speed_ms']:.1f}"
        f" m/s (running max; {summary['cells_faster_than_20ms']} cells above 20 m/s), "
        f"{summary['max_snapshot_speed_ms']:.1f} m/s in the snapshots\n"
    )
    print(
        f"largest odd-even wiggle of the water surface (|η − mean of 4 neighbours|, wet cells) "
        f"{summary['checkerboard_m']:.2f} m\n"
    )
    print(markdown(points, ".2f"))
    for note in notes:
        print(f"note: {note}")
    payload = {
        "machine": info,
        "dem": str(dem_path),
        "coarsen": args.coarsen,
        "until_s": args.until,
        "dtype": args.dtype,
        "summary": summary,
        "points": points,
        "notes": notes,
    }
    print(f"\nwritten {write_results('ea5', payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
