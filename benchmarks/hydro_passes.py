"""Time per step of each pass of the flood core (the profile behind the README's Speed notes).

Run from the repository root::

    python benchmarks/hydro_passes.py                     # N = 1000, float32, 1 thread
    python benchmarks/hydro_passes.py --threads 2 --dry   # the 90 %-dry variant, 2 threads

Runs the standard case of ``benchmarks/hydro_speed.py`` (or its 90 %-dry variant) through
``FloodModel.run`` with each kernel of ``hydro._kernels`` wrapped in a timer, and prints the
mean milliseconds per step of the three passes (``flux_step``, ``source_step``,
``depth_step``), the rest of the step (boundaries, inflows, the Python of the time loop) and
the nanoseconds per cell and pass. Compilation is excluded (a short warm-up run first). The
first ``--skip`` simulated seconds are not timed, so that the square is wet (the standard
case) or the water has settled (the dry one).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numba
from hydro_speed import build_model

import hydro._kernels as K  # noqa: N812

PASSES = ("flux_step", "source_step", "depth_step")


def timed_run(n: int, dtype: str, *, dry: bool, skip_s: float, until_s: float) -> dict[str, Any]:
    """Run the case with the passes timed from ``skip_s`` to ``until_s`` (simulated s)."""
    model = build_model(n, dtype, dry=dry)
    model.run(until=skip_s)
    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(K, name) for name in PASSES}

    def wrap(name: str, kernel: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any) -> Any:
            t0 = time.perf_counter()
            out = kernel(*args)
            spent[name] += time.perf_counter() - t0
            return out

        return timed

    for name, kernel in originals.items():
        setattr(K, name, wrap(name, kernel))
    try:
        steps0 = model._steps
        t0 = time.perf_counter()
        model.run(until=until_s)
        wall = time.perf_counter() - t0
    finally:
        for name, kernel in originals.items():
            setattr(K, name, kernel)
    steps = model._steps - steps0
    wet = float((model.depth.values >= model.flow_depth).mean())
    return {"steps": steps, "wall_s": wall, "spent": dict(spent), "wet_fraction": wet}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dry", action="store_true", help="the 90 %%-dry variant")
    parser.add_argument("--skip", type=float, default=600.0, help="untimed simulated s first")
    parser.add_argument("--seconds", type=float, default=1800.0, help="timed simulated s")
    args = parser.parse_args(argv)
    numba.set_num_threads(args.threads)
    timed_run(50, args.dtype, dry=args.dry, skip_s=60.0, until_s=120.0)  # compile
    r = timed_run(
        args.n, args.dtype, dry=args.dry, skip_s=args.skip, until_s=args.skip + args.seconds
    )
    steps, cells = r["steps"], args.n * args.n
    variant = "90 % dry" if args.dry else "standard"
    print(
        f"{variant}, N = {args.n}, {args.dtype}, {args.threads} thread(s), {steps} steps, "
        f"wet fraction {r['wet_fraction']:.2f}"
    )
    print("| pass | ms per step | ns per cell |")
    print("|---|---:|---:|")
    for name in PASSES:
        per_step = r["spent"][name] / steps
        print(f"| {name} | {1e3 * per_step:.3f} | {1e9 * per_step / cells:.2f} |")
    rest = (r["wall_s"] - sum(r["spent"].values())) / steps
    label = "rest (edges, inflows, Python, the result)"
    print(f"| {label} | {1e3 * rest:.3f} | {1e9 * rest / cells:.2f} |")
    whole = r["wall_s"] / steps
    print(f"| whole step | {1e3 * whole:.3f} | {1e9 * whole / cells:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
