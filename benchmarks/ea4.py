"""EA 2D benchmark Test 4 (flood propagation over a flat plain) against LISFLOOD-FP at 1 m.

Run from the repository root::

    python benchmarks/ea4.py                 # 5 m cells, float32, the full 5 hours
    python benchmarks/ea4.py --cell 10 20    # several resolutions in one go

For each cell size: arrival time (first time the depth passes 0.01 m, linear between 50 s
snapshots; the reference is sampled every 100 s), peak depth and depth RMSE at the six control
points against LISFLOOD-FP 8.0's local-inertial (acc) solver on a 1 m grid (Shaw et al.
2021), plus the volume balance and the run's speed. Markdown to stdout; JSON under
``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import TEST_DATA, machine, markdown, write_results

from hydro.cases import EA4_POINTS, ea_test4_case, sample_points, score_points
from hydro.io_lisflood import read_stage_output

COLUMNS = [
    "arrival_s",
    "arrival_ref_s",
    "arrival_error_s",
    "peak_m",
    "peak_ref_m",
    "peak_rel_error",
    "rmse_m",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cell", type=float, nargs="+", default=[5.0], help="cell size(s), m")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--until", type=float, default=18000.0)
    parser.add_argument("--threshold", type=float, default=0.01, help="arrival depth, m")
    parser.add_argument(
        "--reference", type=Path, default=TEST_DATA / "ea4-1m-acc.stage", help="stage file"
    )
    args = parser.parse_args(argv)
    reference = read_stage_output(args.reference)
    info = machine()
    print(
        f"# EA Test 4, {args.dtype}, to {args.until:g} s; machine: {info['cpu']}, "
        f"{info['cores']} cores, load {info['load_average']}"
    )
    payload: dict[str, object] = {"machine": info, "dtype": args.dtype, "runs": {}}
    for cell in args.cell:
        model = ea_test4_case(cell, dtype=args.dtype)
        t0 = time.perf_counter()
        result = model.run(until=args.until, output_every=50)
        wall = time.perf_counter() - t0
        depth = sample_points(result.depth, EA4_POINTS)
        table = score_points(depth, reference, threshold_m=args.threshold)[COLUMNS]
        balance = model.volume_balance
        steps = int(result.attrs["steps"])
        cells = result.sizes["x"] * result.sizes["y"]
        print(
            f"\n## {cell:g} m cells: {steps} steps, {wall:.1f} s wall, "
            f"{cells * steps / wall / 1e6:.1f} M cell updates/s, "
            f"volume error {balance['relative_error']:.1e}\n"
        )
        print(markdown(table))
        print(
            f"\nmax |arrival error| {table.arrival_error_s.abs().max():.0f} s "
            f"({(table.arrival_error_s / table.arrival_ref_s).abs().max():.1%}), "
            f"max |peak error| {table.peak_rel_error.abs().max():.1%}, "
            f"max RMSE {table.rmse_m.max():.4f} m"
        )
        payload["runs"][f"{cell:g}"] = {  # type: ignore[index]
            "steps": steps,
            "wall_s": wall,
            "volume_balance": balance,
            "points": table,
        }
    print(f"\nwritten {write_results('ea4', payload)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
