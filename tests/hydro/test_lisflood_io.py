"""LISFLOOD-FP readers on the real benchmark files (and small generated ones for bad input)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from hydro import HydroError
from hydro.io_lisflood import (
    BoundaryCondition,
    lisflood_inflows,
    read_ascii_grid,
    read_bci,
    read_bdy,
    read_par,
    read_stage_output,
    read_stage_points,
    write_ascii_grid,
)

DATA = Path(__file__).parent / "data"

EA4_BCI = (
    "W\t990.0\t1010.0\tQVAR\ttest4\nE\t0\t2000.0\tFREE\nS\t0\t1000.0\tFREE\nN\t0\t1000.0\tFREE\n"
)
EA4_BDY = "# test 4 inflow\ntest4\n5   seconds\n0\t0\n0\t300\n1\t3600\n1\t14400\n0\t18000\n"
EA5_PAR = """DEMfile\t\t\tea5-10m.dem
bdyfile\t\t\tea5.bdy
stagefile\t\tea5.stage

acceleration

#fv1
sim_time\t\t108000.0
initial_tstep\t\t0.7
fpfric\t\t\t0.04

elevoff
"""


@pytest.fixture
def ea4_files(tmp_path: Path) -> Path:
    (tmp_path / "ea4.bci").write_text(EA4_BCI)
    (tmp_path / "ea4.bdy").write_text(EA4_BDY)
    (tmp_path / "ea4.stage").write_text(
        "6\n50\t1000\n100\t1000\n200\t1000\n300\t1000\n400\t1000\n300\t1300\n"
    )
    (tmp_path / "ea5.par").write_text(EA5_PAR)
    return tmp_path


def test_read_the_ea5_dem_crop() -> None:
    dem = read_ascii_grid(DATA / "ea5-20m-crop.asc.gz")
    assert dem.dims == ("y", "x") and dem.shape == (220, 260)
    # cell centres from the corner: xllcorner 231335 + 10, yllcorner 829885 + 10, row 0 north
    assert float(dem.x[0]) == 231345.0 and float(dem.x[1] - dem.x[0]) == 20.0
    assert float(dem.y[-1]) == 829895.0 and float(dem.y[0]) == 829895.0 + 219 * 20.0
    assert dem.attrs["units"] == "m" and dem.name == "elevation"
    assert 0.6 < float(dem.isnull().mean()) < 0.7  # NODATA outside the valley
    assert 160.0 < float(dem.min()) < 170.0 and float(dem.max()) < 400.0


def test_ascii_grid_round_trip_with_centres_and_crs(tmp_path: Path) -> None:
    values = np.array([[1.0, 2.0, np.nan], [4.0, 5.5, 6.25]])
    grid = xr.DataArray(
        values, coords={"y": [15.0, 5.0], "x": [105.0, 115.0, 125.0]}, dims=("y", "x")
    )
    path = write_ascii_grid(grid, tmp_path / "g.asc.gz", decimals=2)
    with gzip.open(path, "rt") as fh:
        head = fh.read().splitlines()[:5]
    assert head[2:5] == ["xllcorner 100.0", "yllcorner 0.0", "cellsize 10.0"]
    back = read_ascii_grid(path, crs="EPSG:32648")
    np.testing.assert_array_equal(back.values, values)
    np.testing.assert_array_equal(back.x, grid.x)
    np.testing.assert_array_equal(back.y, grid.y)
    assert back.rio.crs.to_epsg() == 32648
    centre = tmp_path / "c.asc"
    centre.write_text("ncols 2\nnrows 1\nxllcenter 5\nyllcenter 5\ncellsize 10\n7 8\n")
    assert read_ascii_grid(centre).x.values.tolist() == [5.0, 15.0]


def test_read_bci(ea4_files: Path) -> None:
    bcs = read_bci(ea4_files / "ea4.bci")
    assert bcs[0] == BoundaryCondition("west", "QVAR", start=990.0, end=1010.0, series="test4")
    assert [(b.where, b.kind) for b in bcs[1:]] == [
        ("east", "FREE"),
        ("south", "FREE"),
        ("north", "FREE"),
    ]
    points = ea4_files / "p.bci"
    points.write_text("P 232620 830505 QVAR test5\nP 10 20 HFIX 3.5\n")
    p = read_bci(points)
    assert (p[0].x, p[0].y, p[0].series) == (232620.0, 830505.0, "test5")
    assert (p[1].kind, p[1].value) == ("HFIX", 3.5)


def test_read_bdy(ea4_files: Path, tmp_path: Path) -> None:
    series = read_bdy(ea4_files / "ea4.bdy")
    q = series["test4"]
    assert q.dims == ("time",)
    np.testing.assert_array_equal(q.time, [0, 300, 3600, 14400, 18000])
    np.testing.assert_array_equal(q.values, [0, 0, 1, 1, 0])
    two = tmp_path / "two.bdy"
    two.write_text("comment without a hash\nup\n2 hours\n0 0\n2.5 1\ndown\n2 minutes\n1 0\n0 3\n")
    both = read_bdy(two)
    assert list(both) == ["up", "down"]
    np.testing.assert_array_equal(both["up"].time, [0, 3600])
    np.testing.assert_array_equal(both["down"].time, [0, 180])


def test_read_stage_points_and_par(ea4_files: Path) -> None:
    pts = read_stage_points(ea4_files / "ea4.stage")
    assert pts.index.tolist() == [1, 2, 3, 4, 5, 6]
    assert pts.loc[6].tolist() == [300.0, 1300.0]
    par = read_par(ea4_files / "ea5.par")
    assert par["demfile"] == "ea5-10m.dem"
    assert par["sim_time"] == 108000.0 and par["fpfric"] == 0.04
    assert par["acceleration"] is True and par["elevoff"] is True
    assert "fv1" not in par and "#fv1" not in par


def test_read_the_ea4_reference_series() -> None:
    ref = read_stage_output(DATA / "ea4-1m-acc.stage")
    assert ref.name == "depth" and ref.dims == ("time", "point")
    assert ref.sizes == {"time": 80, "point": 6}
    assert ref.x.values.tolist() == [50.0, 100.0, 200.0, 300.0, 400.0, 300.0]
    assert float(ref.time[0]) == 5.0 and float(ref.time[-1]) == pytest.approx(18000.405)
    assert float(ref.sel(point=1).max()) == pytest.approx(0.3293)
    assert float(ref.isel(time=-1, point=5)) == pytest.approx(0.1446)


def test_inflows_from_an_edge_breach_share_the_overlap(ea4_files: Path) -> None:
    x = np.arange(50) * 20.0 + 10.0
    y = 2000.0 - (np.arange(100) * 20.0 + 10.0)
    grid = xr.DataArray(np.zeros((100, 50)), coords={"y": y, "x": x}, dims=("y", "x"))
    q = read_bdy(ea4_files / "ea4.bdy")
    bc = BoundaryCondition("west", "QVAR", start=990.0, end=1010.0, series="test4")
    inflows = lisflood_inflows([bc], q, grid)
    # the 20 m breach straddles two 20 m cells: 10 m of it in each
    assert sorted((cx, cy) for cx, cy, _ in inflows) == [(10.0, 990.0), (10.0, 1010.0)]
    total = sum(d for _, _, d in inflows)
    assert isinstance(total, xr.DataArray)
    assert float(total.max()) == pytest.approx(20.0)
    assert inflows[0][2].attrs["units"] == "m3 s-1"


def test_point_inflows_follow_lisflood_and_keep_their_total_when_merged() -> None:
    dem = read_ascii_grid(DATA / "ea5-20m-crop.asc.gz")
    bcs = [
        BoundaryCondition("point", "QVAR", x=232620.0 + 10 * k, y=830505.0 - 10 * k, series="s")
        for k in range(20)
    ]
    series = {"s": xr.DataArray([0.0, 15.0], coords={"time": [0.0, 600.0]}, dims="time")}
    inflows = lisflood_inflows(bcs, series, dem, point_width_m=10.0)
    assert 10 <= len(inflows) < 20  # several 10 m points share a 20 m cell
    assert float(sum(float(q.max()) for _, _, q in inflows)) == pytest.approx(3000.0)
    for cx, cy, _ in inflows:
        assert np.isfinite(float(dem.sel(x=cx, y=cy)))  # inside the valley
    # a point on a cell edge goes to the cell east / south of it (LISFLOOD-FP's rule)
    fine = xr.DataArray(
        np.zeros((2, 2)), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]}, dims=("y", "x")
    )
    (only,) = lisflood_inflows(
        [BoundaryCondition("point", "QFIX", x=10.0, y=10.0, value=1.0)], {}, fine
    )
    assert only == (15.0, 5.0, 10.0)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("a.asc", "ncols 2\nnrows 2\ncellsize 1\n1 2 3 4\n", "lacks xllcorner, yllcorner"),
        ("b.asc", "ncols 2\nnrows 2\nxllcorner 0\nyllcorner 0\ncellsize 1\n1 2 3\n", "found 3"),
        ("c.bci", "X 0 10 QVAR s\n", "expected 'N|E|S|W|P"),
        ("d.bci", "W 0 10 QSPLINE s\n", "unknown kind"),
        ("e.bci", "W 0 10 QVAR\n", "needs the name of a .bdy series"),
        ("f.bci", "W 0 10 HFIX\n", "HFIX needs a value"),
        ("g.bdy", "#\ns\n3 seconds\n0 0\n1 10\n", "promises 3 rows, has 2"),
        ("h.bdy", "#\ns\n2 fortnights\n0 0\n1 10\n", "time units"),
        ("i.bdy", "#\ns\n2 seconds\n0 10\n1 0\n", "must not decrease"),
        ("j.stage", "3\n1 2\n3 4\n", "promises 3 points"),
        ("k.stage", "Stage output, depth (m).\nnothing here\n", "cannot read the line"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    reader = {
        ".asc": read_ascii_grid,
        ".bci": read_bci,
        ".bdy": read_bdy,
        ".stage": read_stage_points if name.startswith("j") else read_stage_output,
    }[path.suffix]
    with pytest.raises(HydroError, match=message):
        reader(path)


def test_missing_file_and_bad_inflows(tmp_path: Path) -> None:
    with pytest.raises(HydroError, match="no such file"):
        read_ascii_grid(tmp_path / "nope.asc")
    grid = xr.DataArray(
        np.zeros((2, 2)), coords={"y": [15.0, 5.0], "x": [5.0, 15.0]}, dims=("y", "x")
    )
    with pytest.raises(HydroError, match=r"not in the \.bdy file"):
        lisflood_inflows([BoundaryCondition("west", "QVAR", start=0, end=5, series="x")], {}, grid)
    with pytest.raises(HydroError, match="outside the grid"):
        lisflood_inflows([BoundaryCondition("point", "QFIX", x=50, y=5, value=1.0)], {}, grid)
    with pytest.raises(HydroError, match="misses the grid edge"):
        lisflood_inflows([BoundaryCondition("west", "QFIX", start=30, end=40, value=1.0)], {}, grid)
