"""The shipped scenarios' edges on the demo city: the dams' water leaves only by the outlets."""

from __future__ import annotations

from pathlib import Path

import pytest

from hydro import FloodModel
from layers.load import load_city
from twin._scenario_forcing import apply_forcing, build_forcing
from twin.scenario import DamOperation, Scenario

SCENARIOS = Path(__file__).parents[2] / "data" / "hue" / "scenarios"
RELEASES_M3S = {"ta-trach": 4000.0, "binh-dien": 1800.0, "huong-dien": 1800.0}
OUTLETS = ("north", "east")  # the sea and the Tam Giang lagoon


@pytest.mark.slow
@pytest.mark.parametrize("resolution_m", [90, 120])
def test_dam_releases_leave_only_by_the_outlets(resolution_m: int) -> None:
    shipped = Scenario.from_toml(SCENARIOS / "oct2025.toml")
    dams = [
        DamOperation(dam_id=d, mode="schedule", release_m3s=[(0.0, q)])
        for d, q in RELEASES_M3S.items()
    ]
    scenario = shipped.model_copy(
        update={"resolution_m": resolution_m, "rain": None, "dams": dams, "inflows": []}
    )
    forcing = build_forcing(scenario, load_city(scenario.city_path()))
    assert forcing.rain_mm_h is None and len(forcing.inflows) == 3
    model = FloodModel(
        forcing.elevation, manning=forcing.manning, dtype="float64", **forcing.solver
    )
    apply_forcing(model, forcing)
    hours = 6.0
    model.run(until=hours * 3600)
    b = model.volume_balance
    released = sum(RELEASES_M3S.values()) * hours * 3600
    assert b["inflow_m3"] == pytest.approx(released, rel=1e-12)
    assert abs(b["relative_error"]) < 1e-9
    for edge in ("south", "west"):
        assert b[f"{edge}_out_m3"] == 0.0, edge
        assert b[f"{edge}_in_m3"] == 0.0, edge
    # all of it is in the domain or went out to sea: over the outlet edges or into the sea's
    # cells held at its level
    kept = b["storage_change_m3"] + sum(b[f"{e}_out_m3"] - b[f"{e}_in_m3"] for e in OUTLETS)
    kept += b["fixed_level_out_m3"] - b["fixed_level_in_m3"]
    assert kept == pytest.approx(released, rel=1e-9)
