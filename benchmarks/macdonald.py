"""MacDonald's steady 1D solution (SWASHES long channel, subcritical, no rain).

Run from the repository root::

    python benchmarks/macdonald.py               # 10, 5 and 2.5 m cells, float32 and float64

A 1,000 m channel three cells wide, q = 2 m²/s entering the west column, free outflow east,
n = 0.033, dry at the start, run for an hour (steady after ~15 min). Printed: the mean and
largest absolute error of the water surface along the centre row against the analytic
solution (computed by ``hydro.cases.macdonald_1d``), and, for scale, the error of the
local-inertial equations' own exact steady state (they drop the advection term, so they cannot
reach the full shallow-water answer: the floor any local-inertial solver shares). When the
SWASHES/Itzï table ``mcdo_norain.csv`` is in the shared reference data it is scored too (its
bed is the analytic one to 2 cm). Acceptance: mean absolute error < 0.03 m.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from _common import REFDATA, machine, markdown, write_results
from scipy.integrate import solve_ivp

from hydro.cases import macdonald_1d, macdonald_1d_case

G = 9.81


def local_inertial_floor(cell_m: float) -> float:
    """MAE of the exact steady state of the local-inertial equations on the analytic bed.

    Steady local-inertial flow obeys ``dη/dx = −n² q² / h^(10/3)``; integrated upstream from
    the analytic depth at the outlet.
    """
    sol = macdonald_1d(cell_m / 10.0)
    x = sol.x.values
    bed = sol.bed.values

    def rhs(s: float, h: np.ndarray) -> np.ndarray:
        slope = np.interp(s, x, np.gradient(bed, x))
        return -slope - 0.033**2 * 4.0 / h ** (10.0 / 3.0)

    out = solve_ivp(rhs, [x[-1], x[0]], [sol.depth.values[-1]], dense_output=True, rtol=1e-9)
    coarse = macdonald_1d(cell_m)
    h = out.sol(np.clip(coarse.x.values, x[0], x[-1]))[0]
    return float(np.mean(np.abs(h - coarse.depth.values)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cell", type=float, nargs="+", default=[10.0, 5.0, 2.5])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--until", type=float, default=3600.0)
    args = parser.parse_args(argv)
    info = machine()
    print(
        f"# MacDonald 1D (no rain), to {args.until:g} s; machine: {info['cpu']}, "
        f"{info['cores']} cores, load {info['load_average']}\n"
    )
    csv = REFDATA / "macdonald_1d" / "mcdo_norain.csv"
    itzi = pd.read_csv(csv) if csv.is_file() else None
    rows = []
    for cell in args.cell:
        floor = local_inertial_floor(cell)
        for dtype in args.dtypes:
            model, sol = macdonald_1d_case(cell, dtype=dtype)
            t0 = time.perf_counter()
            result = model.run(until=args.until, output_every=args.until / 4)
            wall = time.perf_counter() - t0
            centre = result.wse.isel(time=-1, y=1).values
            err = centre - sol.wse.values
            row = {
                "cell_m": cell,
                "dtype": dtype,
                "mae_m": float(np.mean(np.abs(err))),
                "max_abs_m": float(np.max(np.abs(err))),
                "li_floor_mae_m": floor,
                "steady_change_m": float(
                    np.abs(result.wse.isel(time=-1) - result.wse.isel(time=-2)).max()
                ),
                "volume_error": float(model.volume_balance["relative_error"]),
                "wall_s": wall,
            }
            if itzi is not None and cell == 5.0:
                model2, _ = macdonald_1d_case(cell, dtype=dtype, bed=itzi["topo"].to_numpy())
                r2 = model2.run(until=args.until)
                row["mae_vs_swashes_csv_m"] = float(
                    np.mean(np.abs(r2.wse.isel(time=-1, y=1).values - itzi["wse"].to_numpy()))
                )
            rows.append(row)
    table = pd.DataFrame(rows).set_index("cell_m")
    print(markdown(table, ".4f"))
    worst = table.loc[table.index == 5.0, "mae_m"].max() if 5.0 in table.index else np.nan
    print(f"\nMAE at 5 m (the benchmark's grid): {worst:.4f} m (acceptance < 0.03 m)")
    path = write_results("macdonald", {"machine": info, "rows": rows})
    print(f"\nwritten {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
