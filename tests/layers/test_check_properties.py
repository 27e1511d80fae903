"""Property: `twin layers check` on a city broken in any way exits 0 or 2, never a traceback.

Broken cities are built from parts: the small city of ``conftest.py`` with columns dropped,
values emptied or of the wrong type, ids duplicated, geometries of the wrong type, invalid or
empty, layers shifted, emptied or written as their own files in other CRSs, and DEMs written
as int16 with -32768 holes, in EPSG:4326, shifted, without CRS or as empty files. A city the
check passes must then load and carry the grids a run needs (every ward on the grid, people
on habitable cells).
"""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rasterio.warp import calculate_default_transform, reproject
from typer.testing import CliRunner

import layers
from api.cli import app
from layers import LAYERS, City

runner = CliRunner()

_OTHER_GEOMETRY = {
    "Polygon": shapely.Point(776100.0, 1822100.0),
    "LineString": shapely.box(776100.0, 1822000.0, 776200.0, 1822100.0),
    "Point": shapely.LineString([(776100.0, 1822100.0), (776200.0, 1822100.0)]),
}
_BOW_TIE = shapely.Polygon(
    [(776000, 1822000), (776300, 1822200), (776300, 1822000), (776000, 1822200)]
)

layer_names = st.sampled_from(sorted(LAYERS))


@st.composite
def city_changes(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """A few changes to the city's layers, each ``(kind, arguments)``."""
    out: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(layer_names)
        column = draw(st.sampled_from(LAYERS[name].column_names))
        kind = draw(
            st.sampled_from(
                [
                    "drop_column",
                    "empty_value",
                    "wrong_type",
                    "duplicate_id",
                    "wrong_geometry",
                    "empty_geometry",
                    "bow_tie",
                    "shift",
                    "no_rows",
                ]
            )
        )
        shift = draw(st.sampled_from([0.0005, 40.0, 1e5]))
        out.append((kind, (name, column, shift)))
    return out


def _apply(city: City, kind: str, name: str, column: str, shift: float) -> None:
    gdf: gpd.GeoDataFrame = getattr(city, name)
    if len(gdf) == 0:
        return
    if column not in gdf.columns:
        return
    if kind == "drop_column":
        gdf = gdf.drop(columns=column)
    elif kind == "empty_value":
        gdf[column] = gdf[column].astype(object)
        gdf.loc[gdf.index[0], column] = None
    elif kind == "wrong_type":
        gdf[column] = gdf[column].astype(object)
        gdf.loc[gdf.index[0], column] = "n/a"
    elif kind == "duplicate_id" and len(gdf) > 1:
        id_column = LAYERS[name].id_column
        gdf.loc[gdf.index[1], id_column] = gdf[id_column].iloc[0]
    elif kind == "wrong_geometry":
        geoms = list(gdf.geometry)
        geoms[0] = _OTHER_GEOMETRY[LAYERS[name].geometry[0]]
        gdf = gdf.set_geometry(geoms, crs=gdf.crs)
    elif kind == "empty_geometry":
        geoms = list(gdf.geometry)
        geoms[0] = None
        gdf = gdf.set_geometry(geoms, crs=gdf.crs)
    elif kind == "bow_tie" and LAYERS[name].geometry[0] == "Polygon":
        geoms = list(gdf.geometry)
        geoms[0] = _BOW_TIE
        gdf = gdf.set_geometry(geoms, crs=gdf.crs)
    elif kind == "shift":
        gdf = gdf.set_geometry(gdf.geometry.translate(shift, shift))
    elif kind == "no_rows":
        gdf = gdf.iloc[:0]
    setattr(city, name, gdf)


def _write_dem(city: City, folder: Path, variant: str) -> None:
    path = folder / "dem.tif"
    with rasterio.open(path) as src:
        profile, z = src.profile, src.read(1, masked=True).filled(np.nan)
    if variant == "as_is":
        return
    if variant == "empty_file":
        path.write_bytes(b"")
        return
    if variant == "missing":
        path.unlink()
        return
    z[3:5, 4:6] = np.nan  # a hole, in every other variant
    if variant == "no_crs":
        profile.update(crs=None)
    if variant == "shifted":
        t = profile["transform"]
        profile.update(transform=rasterio.Affine(t.a, 0, t.c + 600.0, 0, t.e, t.f))
    if variant in ("int16", "int16_geographic"):
        z = np.where(np.isnan(z), -32768, np.round(z * 10)).astype("int16")
        profile.update(dtype="int16", nodata=-32768)
    if variant.endswith("geographic"):
        src_t, src_crs = profile["transform"], profile["crs"]
        rows, cols = z.shape
        dst_t, width, height = calculate_default_transform(
            src_crs, "EPSG:4326", cols, rows, *rasterio.transform.array_bounds(rows, cols, src_t)
        )
        out = np.full((height, width), profile["nodata"], dtype=z.dtype)
        reproject(
            z,
            out,
            src_transform=src_t,
            src_crs=src_crs,
            src_nodata=profile["nodata"],
            dst_transform=dst_t,
            dst_crs="EPSG:4326",
            dst_nodata=profile["nodata"],
        )
        z = out
        profile.update(crs="EPSG:4326", transform=dst_t, width=width, height=height)
    if variant == "float_nan_nodata":
        profile.update(nodata=np.nan)
    profile.update(blockxsize=16, blockysize=16, tiled=False)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.where(np.isnan(z), profile["nodata"], z) if z.dtype.kind == "f" else z, 1)


def _write_own_file(city: City, folder: Path, name: str, ending: str, epsg: int) -> None:
    gdf = getattr(city, name).to_crs(epsg) if getattr(city, name).crs else getattr(city, name)
    path = folder / f"{name}{ending}"
    if ending == ".geojson.empty":
        (folder / f"{name}.geojson").write_bytes(b"")
    elif ending == ".parquet":
        try:
            gdf.to_parquet(path)
        except (TypeError, ValueError, ImportError) as e:  # mixed text and numbers
            assert "Conversion failed" in str(e) or "Expected" in str(e), e
    else:
        driver = {".geojson": "GeoJSON", ".gpkg": "GPKG", ".shp": "ESRI Shapefile"}[ending]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # shapefile names cut to ten characters
            try:
                pyogrio.write_dataframe(gdf, path, driver=driver)
            except pyogrio.errors.FeatureError:
                path.unlink(missing_ok=True)  # a shapefile holds one geometry type only


def _rewrite_gpkg(city: City, folder: Path, keep: set[str]) -> None:
    (folder / "city.gpkg").unlink()
    for name in sorted(keep):
        pyogrio.write_dataframe(getattr(city, name), folder / "city.gpkg", layer=name)


dem_variants = st.sampled_from(
    [
        "as_is",
        "as_is",
        "int16",
        "float_geographic",
        "int16_geographic",
        "float_nan_nodata",
        "shifted",
        "no_crs",
        "empty_file",
        "missing",
    ]
)
own_files = st.lists(
    st.tuples(
        layer_names,
        st.sampled_from([".geojson", ".gpkg", ".shp", ".parquet", ".geojson.empty"]),
        st.sampled_from([32648, 4326, 3857]),
    ),
    max_size=2,
)


def _runnable(city: City) -> None:
    """What a run needs of a city the check passed (and what crashed runs before)."""
    assert len(city.wards) > 0 and len(city.roads) > 0
    assert not np.isnan(city.dem.values).any()
    index = city.ward_index.values
    assert set(np.unique(index[index >= 0])) <= set(range(len(city.wards)))
    from twin.impact import people_per_cell

    people, _ = people_per_cell(city.wards, city.dem.to_dataset(name="z"))
    assert people.sum() == city.wards["population"].sum()


@settings(
    max_examples=25,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    changes=city_changes(),
    dem=dem_variants,
    files=own_files,
    dropped=st.sets(layer_names, max_size=2),
)
def test_check_never_crashes(
    make_small_city: Callable[[], City],
    changes: list[tuple[str, Any]],
    dem: str,
    files: list[tuple[str, str, int]],
    dropped: set[str],
) -> None:
    city = make_small_city()
    for kind, args in changes:
        _apply(city, kind, *args)
    with tempfile.TemporaryDirectory() as tmp:
        folder = layers.write_city(city, Path(tmp) / "city")
        _write_dem(city, folder, dem)
        if dropped:
            _rewrite_gpkg(city, folder, set(LAYERS) - dropped)
        for name, ending, epsg in files:
            _write_own_file(city, folder, name, ending, epsg)
        result = runner.invoke(app, ["layers", "check", str(folder)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
        assert result.exit_code in (0, 2), result.output
        if result.exit_code == 2:
            assert "problem" in result.output
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _runnable(layers.load_city(folder))
