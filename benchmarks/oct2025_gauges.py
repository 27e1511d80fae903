"""The October 2025 scenario on the demo city: peak levels at Kim Long and Phú Ốc.

Run from the repository root::

    python benchmarks/oct2025_gauges.py              # the shipped 90 m scenario (about 5 min)
    python benchmarks/oct2025_gauges.py --resolution 120

Prints, per river gauge of the demo city, the peak water level of the run (the cell holding
the gauge), when it came, and the published reading it stands for (Kim Long 3.58 m at 07:00 and
Phú Ốc 5.25 m at 14:00 on 27 October 2025, as in ``data/hue/scenarios/oct2025.toml``), with
the run's volume balance per edge. The demo terrain is synthetic (its river channels, banks
and floodplain are drawn, not surveyed), so agreement or disagreement with the published
levels says how plausible the set-up is, not how good the solver is.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from hydro import FloodModel
from layers.load import load_city
from twin._scenario_forcing import apply_forcing, build_forcing
from twin.scenario import Scenario

SCENARIO = Path(__file__).resolve().parent.parent / "data" / "hue" / "scenarios" / "oct2025.toml"
#: Published peak readings (level m, local time on 27 Oct 2025), as cited in the scenario file.
PUBLISHED = {"kim-long": (3.58, "07:00"), "phu-oc": (5.25, "14:00")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--resolution", type=float, default=None, help="cell size, m")
    args = parser.parse_args()
    scenario = Scenario.from_toml(SCENARIO)
    if args.resolution is not None:
        scenario = scenario.model_copy(update={"resolution_m": args.resolution})
    city = load_city(scenario.city_path())
    forcing = build_forcing(scenario, city)
    model = FloodModel(
        forcing.elevation, manning=forcing.manning, dtype="float32", **forcing.solver
    )
    apply_forcing(model, forcing)
    wall = time.perf_counter()
    result = model.run(until=scenario.duration_s, output_every=1800, start=scenario.start_utc)
    wall = time.perf_counter() - wall
    print(f"{scenario.name} at {scenario.resolution_m:g} m: {model.last_run_steps} steps, "
          f"{wall:.0f} s")  # fmt: skip
    print("| gauge | peak level (m) | when (local) | published |")
    print("|---|---|---|---|")
    gauges = city.gauges[city.gauges["kind"] == "river"]
    for _, row in gauges.iterrows():
        wse = result.wse.sel(x=row.geometry.x, y=row.geometry.y, method="nearest")
        k = int(wse.argmax("time"))
        when = pd.Timestamp(result.time.values[k]).tz_localize("UTC").tz_convert("Asia/Ho_Chi_Minh")
        level, at = PUBLISHED.get(str(row["gauge_id"]), (None, ""))
        published = f"{level} m at {at} on 27 Oct" if level is not None else "-"
        print(f"| {row['name']} | {float(wse.max()):.2f} | {when:%d %b %H:%M} | {published} |")
    print({k: round(v) for k, v in model.volume_balance.items() if k.endswith("_m3")})


if __name__ == "__main__":
    main()
