"""A LISFLOOD-FP ``.par`` case built and run through FloodModel.from_lisflood / run_lisflood."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from hydro import FloodModel, HydroError, run_lisflood
from hydro.io_lisflood import write_ascii_grid


def _case(tmp_path: Path, par_extra: str = "", bci: str | None = None) -> Path:
    """A 10 x 30 valley of 10 m cells sloping 1e-3 east; a river enters over the west edge's
    middle stretch (QVAR, 0.1 -> 0.2 m²/s over 30 m) and leaves by the free east edge."""
    ny, nx, dx = 10, 30, 10.0
    x = (np.arange(nx) + 0.5) * dx
    y = ((np.arange(ny) + 0.5) * dx)[::-1]
    z = np.tile(1.0 - 1e-3 * x, (ny, 1)) + 0.2 * np.abs(np.arange(ny) - 4.5)[:, None]
    dem = xr.DataArray(z, coords={"y": y, "x": x}, dims=("y", "x"))
    write_ascii_grid(dem, tmp_path / "valley.asc")
    (tmp_path / "valley.bci").write_text(
        bci if bci is not None else "W 35 65 QVAR river\nE 0 100 FREE 0.001\n", encoding="utf-8"
    )
    (tmp_path / "valley.bdy").write_text(
        "valley\nriver\n2 seconds\n0.1 0\n0.2 600\n", encoding="utf-8"
    )
    par = tmp_path / "valley.par"
    par.write_text(
        "DEMfile valley.asc\nresroot valley\nsim_time 600\nsaveint 300\nfpfric 0.03\n"
        "bcifile valley.bci\nbdyfile valley.bdy\ntheta 0.7\nacceleration\n" + par_extra,
        encoding="utf-8",
    )
    return par


def test_a_par_case_runs_with_its_boundaries(tmp_path: Path) -> None:
    model, result = run_lisflood(_case(tmp_path), dtype="float64")
    assert result.sizes["time"] == 3  # 0, 300 and 600 s
    b = model.volume_balance
    # QVAR 0.1 -> 0.2 m²/s over the 30 m stretch for 600 s: 0.15 * 30 * 600 = 2700 m³
    assert b["west_in_m3"] == pytest.approx(2700.0, rel=1e-9)
    assert b["inflow_m3"] == pytest.approx(2700.0, rel=1e-9)
    assert abs(b["relative_error"]) < 1e-12
    assert model.theta == 0.7 and float(model._n2.max()) == pytest.approx(0.03**2)
    h = model.depth.values
    assert h[3:7, 0].min() > 0.0 and h[[0, 9], 0].max() == 0.0  # in over the stretch only


def test_sub_grid_channels_and_unknown_options_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(HydroError, match=r"sgcwidth \(sub-grid channels are not supported yet\)"):
        FloodModel.from_lisflood(_case(tmp_path, "SGCwidth widths.asc\n"))
    with pytest.raises(HydroError, match="adaptoff"):
        FloodModel.from_lisflood(_case(tmp_path, "adaptoff\n"))


@pytest.mark.parametrize(
    ("bci", "message"),
    [
        ("W 35 65 QVAR nothere\n", "not in the .bdy"),
        ("E 0 50 FREE\nE 50 100 HFIX 1.0\n", "one kind per edge"),
        ("P 15 45 HFIX 1.0\n", "point HFIX"),
    ],
)
def test_bad_conditions_are_refused(tmp_path: Path, bci: str, message: str) -> None:
    with pytest.raises(HydroError, match=message):
        FloodModel.from_lisflood(_case(tmp_path, bci=bci))


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(HydroError, match="no LISFLOOD-FP parameter file"):
        FloodModel.from_lisflood(tmp_path / "none.par")
    par = _case(tmp_path)
    (tmp_path / "valley.bci").unlink()
    with pytest.raises(HydroError, match=r"bcifile 'valley\.bci': no such file"):
        FloodModel.from_lisflood(par)
