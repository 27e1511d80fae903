"""EA Test 4 (flood propagation over a flat plain) at 10 m against LISFLOOD-FP's 1 m series.

The reference is LISFLOOD-FP 8.0's local-inertial solver on a 1 m grid (Shaw et al. 2021);
``benchmarks/ea4.py`` runs the 5 m version and prints the full table. Arrival is the first
time the depth passes 0.01 m, interpolated between samples (the reference is sampled every
100 s, so its own arrival times carry about ±50 s).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numba
import numpy as np
import pandas as pd
import pytest

from hydro.cases import EA4_POINTS, ea_test4_case, sample_points, score_points
from hydro.io_lisflood import read_stage_output

REFERENCE = Path(__file__).parent / "data" / "ea4-1m-acc.stage"


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """Accuracy, not speed: one thread keeps the run quick on a busy machine."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


@pytest.fixture(scope="module")
def scores() -> tuple[pd.DataFrame, dict[str, float]]:
    model = ea_test4_case(10.0, dtype="float32")  # friction="2d", the default
    result = model.run(until=18000, output_every=50)
    depth = sample_points(result.depth, EA4_POINTS)
    balance = dict(model.volume_balance)
    balance["max_speed"] = float(result.max_speed.max())
    balance["max_snapshot_speed"] = float(result.speed.max())
    return score_points(depth, read_stage_output(REFERENCE)), balance


def test_arrival_times(scores: tuple[pd.DataFrame, dict[str, float]]) -> None:
    table, _ = scores
    # within 10 % or 100 s (the reference's sampling interval), whichever is larger
    allowed = np.maximum(0.10 * table.arrival_ref_s, 100.0)
    assert (table.arrival_error_s.abs() <= allowed).all(), table
    assert np.all(np.diff(table.arrival_s.loc[1:5].to_numpy()) > 0)  # in order along the axis


def test_peak_depths(scores: tuple[pd.DataFrame, dict[str, float]]) -> None:
    # 2D friction: peaks within 1.1 % and RMSE <= 4.2 mm at 10 m cells (1D friction: 4-6 %
    # low, RMSE up to 13 mm)
    table, _ = scores
    assert (table.peak_rel_error.abs() <= 0.02).all(), table
    assert (table.rmse_m <= 0.006).all(), table


def test_speeds_stay_physical(scores: tuple[pd.DataFrame, dict[str, float]]) -> None:
    # the flood spreads at under 1 m/s; films at the wet front must not show more
    _, info = scores
    assert info["max_speed"] < 1.5
    assert info["max_snapshot_speed"] < 1.5


def test_volume_balance_closes(scores: tuple[pd.DataFrame, dict[str, float]]) -> None:
    _, balance = scores
    assert balance["inflow_m3"] == pytest.approx(285000.0, rel=1e-6)  # area under the hydrograph
    assert abs(balance["relative_error"]) <= 1e-4  # float32
