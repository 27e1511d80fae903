"""The ``ds.flood`` accessor: its docstring examples, numbers, plots and bad input."""

from __future__ import annotations

import doctest

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr

matplotlib.use("Agg")

import matplotlib.pyplot as plt

import hydro
import hydro.accessor
from hydro import HydroError
from hydro.accessor import example_result


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ds() -> xr.Dataset:
    return example_result()


def test_docstring_examples_run() -> None:
    result = doctest.testmod(hydro.accessor, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 20
    assert result.failed == 0


def test_accessor_registered_by_import_hydro(ds: xr.Dataset) -> None:
    assert isinstance(ds.flood, hydro.FloodAccessor)
    assert ds.flood.crs is not None and ds.flood.crs.to_epsg() == 32648


def test_at_nearest_cell_and_lonlat_agree(ds: xr.Dataset) -> None:
    by_xy = ds.flood.at(x=776528.0, y=1821621.0)  # inside the cell centred (776525, 1821625)
    assert float(by_xy.x) == 776525.0 and float(by_xy.y) == 1821625.0
    lon, lat = 107.58981787213574, 16.460309142966768
    by_lonlat = ds.flood.at(lon=lon, lat=lat)
    xr.testing.assert_identical(by_xy.depth, by_lonlat.depth)
    assert by_xy.attrs["point_x"] == 776528.0
    np.testing.assert_allclose(by_xy.max_depth, 0.9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"x": 776525.0},
        {"x": 776525.0, "y": 1821625.0, "lon": 107.6, "lat": 16.46},
        {"x": 700000.0, "y": 1821625.0},
        {"lon": 16.46, "lat": 107.59},  # swapped: latitude out of range
        {"lon": 107.0, "lat": 16.46},  # a real place, far outside the grid
    ],
)
def test_at_bad_points(ds: xr.Dataset, kwargs: dict) -> None:
    with pytest.raises(HydroError):
        ds.flood.at(**kwargs)


def test_at_lonlat_needs_crs(ds: xr.Dataset) -> None:
    plain = ds.drop_vars("spatial_ref")
    assert plain.flood.crs is None
    with pytest.raises(HydroError, match="write_crs"):
        plain.flood.at(lon=107.59, lat=16.46)


def test_exceedance_numbers(ds: xr.Dataset) -> None:
    ex = ds.flood.exceedance(depth=0.5)
    # column 0 peaks at 0.3 m: never; column 2 goes 0, .3, .6, .9 -> crosses at 1000 s
    assert ex.exceeded.isel(y=0).values.tolist() == [False, True, True, True, True]
    np.testing.assert_allclose(ex.duration_s.isel(y=2), [0, 300, 800, 1050, 1200])
    np.testing.assert_allclose(ex.first_time.isel(y=3), [np.nan, 1500, 1000, 750, 600])
    assert ex.duration_s.attrs["units"] == "s"
    assert "spatial_ref" in ex.coords


def test_exceedance_falling_limb_and_zero_threshold(ds: xr.Dataset) -> None:
    # depth at one cell 0, 1, 0.2, 0 m over 0, 600, 1200, 1800 s
    d = ds.copy(deep=True)
    d["depth"][:, 0, 0] = [0.0, 1.0, 0.2, 0.0]
    ex = d.flood.exceedance(depth=0.5).isel(y=0, x=0)
    # up: 300..600 s (300 s); down from 1.0 to 0.2 crosses 0.5 at 600 + 600*0.5/0.8 = 975 s
    np.testing.assert_allclose(float(ex.duration_s), 300 + 375)
    np.testing.assert_allclose(float(ex.first_time), 300.0)
    wet = ds.flood.exceedance(depth=0.0)
    assert bool(wet.exceeded.all())
    np.testing.assert_allclose(wet.duration_s, 1800.0)  # wet from t=0+ to the end


def test_exceedance_datetime_time() -> None:
    ds = example_result(start="2020-10-10T00:00:00Z")
    ex = ds.flood.exceedance(depth=0.5)
    first = ex.first_time.isel(y=0).values
    assert np.isnat(first[0])
    assert first[2] == np.datetime64("2020-10-10T00:16:40")  # 1000 s
    np.testing.assert_allclose(ex.duration_s.isel(y=0, x=2), 800.0)


def test_exceedance_stays_lazy_with_members(ds: xr.Dataset) -> None:
    pytest.importorskip("dask")
    stacked = xr.concat([ds, ds.assign(depth=ds.depth * 2)], dim="member").chunk({"member": 1})
    ex = stacked.flood.exceedance(depth=0.5)
    assert ex.duration_s.chunks is not None  # still lazy
    got = ex.duration_s.isel(y=0, x=0).compute().values
    # member 1 column 0: 0, .2, .4, .6 -> 300 s above 0.5
    np.testing.assert_allclose(got, [0.0, 300.0])


def test_exceedance_one_time_and_bad_input(ds: xr.Dataset) -> None:
    one = ds.isel(time=[3]).flood.exceedance(depth=0.5)
    assert one.exceeded.isel(y=0).values.tolist() == [False, True, True, True, True]
    np.testing.assert_allclose(one.duration_s, 0.0)
    with pytest.raises(HydroError, match=">= 0"):
        ds.flood.exceedance(depth=-1.0)
    with pytest.raises(HydroError, match="depth"):
        ds.drop_vars("depth").flood.exceedance()
    with pytest.raises(HydroError, match="increase"):
        ds.isel(time=[2, 1]).flood.exceedance()


def test_hazard_matches_hydro_hazard(ds: xr.Dataset) -> None:
    hz = ds.flood.hazard()
    expected = hydro.hazard_rating(ds.depth.values, ds.speed.values)
    np.testing.assert_allclose(hz.hazard_rating.values, expected)
    assert hz.hazard_class.dtype == np.int8
    assert hz.hazard_class.dims == ("time", "y", "x")
    assert hz.max_hazard_class.isel(y=0).values.tolist() == [2, 2, 2, 3, 3]
    pasture = ds.flood.hazard(land_use="pasture")
    assert float(pasture.hazard_rating.isel(time=3, y=0, x=0)) == pytest.approx(0.3)
    with pytest.raises(HydroError, match="land_use"):
        ds.flood.hazard(land_use="desert")


def test_plot_colour_bar_and_wards(ds: xr.Dataset) -> None:
    from shapely.geometry import box

    ax = ds.flood.plot(wards=[box(776500, 1821600, 776520, 1821640)])
    colourbar = ax.figure.axes[1]
    assert colourbar.get_ylabel() == "maximum water depth [m]"
    assert len(ax.lines) == 1  # the one outline
    assert ax.get_xlim() == pytest.approx((776500.0, 776550.0))
    image = ax.images[0].get_array()
    assert image.mask[0, 0] == np.False_  # max depth > 0 everywhere: nothing masked


def test_plot_time_slice_geodataframe_and_lonlat(ds: xr.Dataset) -> None:
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    wards = gpd.GeoDataFrame(
        {"ward_id": ["W01"]}, geometry=[box(776500, 1821600, 776550, 1821640)], crs=32648
    ).to_crs(4326)  # reprojected back by plot()
    ax = ds.flood.plot("depth", time=600.0, wards=wards)
    assert ax.get_title() == "water depth at t = 0.17 h"
    (outline,) = ax.collections  # drawn by GeoSeries.plot, back in EPSG:32648
    np.testing.assert_allclose(
        outline.get_paths()[0].vertices.min(axis=0), [776500, 1821600], atol=1e-3
    )
    lon = np.array([107.5897, 107.5899, np.nan, 107.5897])
    lat = np.array([16.4602, 16.4604, np.nan, 16.4603])
    ax2 = ds.flood.plot("speed", wards=(lon, lat))
    assert len(ax2.lines) == 1


def test_plot_bad_input(ds: xr.Dataset) -> None:
    with pytest.raises(HydroError, match="no 'nope'"):
        ds.flood.plot("nope")
    members = xr.concat([ds, ds], dim="member")
    with pytest.raises(HydroError, match="member"):
        members.flood.plot()
    with pytest.raises(HydroError, match="wards"):
        ds.flood.plot(wards=[{"not": "a geometry"}])


def test_explore_overlay_and_legend(ds: xr.Dataset) -> None:
    import folium

    fmap = ds.flood.explore(vmin=0.0, vmax=2.0)
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    assert "maximum water depth [m]" in html
    overlays = [
        c for c in fmap._children.values() if isinstance(c, folium.raster_layers.ImageOverlay)
    ]
    assert len(overlays) == 1
    (south, west), (north, east) = overlays[0].bounds
    assert 16.45 < south < north < 16.47 and 107.58 < west < east < 107.60
    with pytest.raises(HydroError, match="CRS"):
        ds.drop_vars("spatial_ref").flood.explore()


def test_hydrograph_from_geodataframe_row(ds: xr.Dataset) -> None:
    from shapely.geometry import Point

    row = pd.Series(
        {
            "name": "Kim Long",
            "alarm1_m": 1.0,
            "alarm2_m": np.nan,
            "alarm3_m": 1.8,
            "geometry": Point(776545.0, 1821605.0),
        }
    )
    ax = ds.flood.hydrograph(row)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Kim Long", "alarm 1: 1.00 m", "alarm 3: 1.80 m"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 1.5, 2.0, 2.5])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.0, 1 / 6, 1 / 3, 0.5])


def test_hydrograph_tuple_lonlat_gauge_and_errors(ds: xr.Dataset) -> None:
    ax = ds.flood.hydrograph((776505.0, 1821635.0))
    assert ax.get_title() == "gauge"
    g = hydro.Gauge(x=776505.0, y=1821635.0, name="G", alarm_levels_m=(1.1, 1.2))
    assert len(ds.flood.hydrograph(g).lines) == 3
    dated = example_result(start="2020-10-10")
    ax = dated.flood.hydrograph({"lon": 107.5898179, "lat": 16.4603091})
    assert ax.get_xlabel() == "time [UTC]"
    with pytest.raises(HydroError, match="gauge must be"):
        ds.flood.hydrograph({"name": "nowhere"})
    with pytest.raises(HydroError, match="member"):
        xr.concat([ds, ds], dim="member").flood.hydrograph((776505.0, 1821635.0))


def test_at_search_takes_the_wettest_cell_nearby(ds: xr.Dataset) -> None:
    # from the cell at column 1, a 15 m radius reaches columns 0-2 and the rows either side
    near = ds.flood.at(x=776515.0, y=1821625.0, search_m=15.0)
    assert float(near.x) == 776525.0
    np.testing.assert_allclose(near.max_depth, 0.9)
    flipped = ds.max_depth.copy(data=ds.max_depth.values[:, ::-1])
    members = xr.concat([ds, ds.assign(max_depth=flipped)], dim="member")
    both = members.flood.at(x=776515.0, y=1821625.0, search_m=15.0)
    assert float(both.x) == 776505.0  # member 1 is wettest to the west: the max over members
    with pytest.raises(HydroError, match="search_m"):
        ds.flood.at(x=776515.0, y=1821625.0, search_m=-1.0)
    ax = ds.flood.hydrograph((776515.0, 1821625.0), search_m=15.0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.0, 1.3, 1.6, 1.9])
