"""GIS exports: COGs (layout, overviews, nodata, units, QML), a GeoPackage whose styles GDAL
reads back from ``layer_styles``, a QGIS project with the style table's colours, the CLI."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import xarray as xr
from typer.testing import CliRunner

from api.cli import app
from hydro.accessor import example_result
from twin import TwinError
from twin.exports import export_run, write_cogs
from twin.styles import STYLES

CRS = "EPSG:32648"


@pytest.fixture
def run_folder(tmp_path: Path, impact_layers: tuple[gpd.GeoDataFrame, ...]) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    ds = example_result()
    arrival = xr.where(ds["max_depth"] > 0.5, 2 * 3600.0, np.nan)
    ds["arrival_time"] = arrival.where(ds["max_depth"] < 1.4, -1.0)
    ds.drop_vars("spatial_ref").to_netcdf(folder / "flood.nc")
    wards, roads, lights = impact_layers
    for name, gdf in (("wards", wards), ("roads", roads), ("lights", lights)):
        gdf.to_crs(4326).to_file(folder / f"impact_{name}.geojson", driver="GeoJSON")
    return folder


def _check_cog(path: Path) -> rasterio.DatasetReader:
    src = rasterio.open(path)
    assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    assert src.profile["tiled"] and src.overviews(1) and src.nodata is not None
    assert src.crs.to_epsg() == 32648
    return src


def test_cogs_in_display_units_with_nodata_and_styles(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cog"
    written = export_run(run_folder, out, "cog", crs=CRS, lang="en")
    assert sorted(p.name for p in written) == [
        "arrival_time.qml",
        "arrival_time.tif",
        "hazard.qml",
        "hazard.tif",
        "max_depth.qml",
        "max_depth.tif",
    ]
    with _check_cog(out / "max_depth.tif") as src:
        np.testing.assert_allclose(src.read(1), example_result()["max_depth"].values)
    with _check_cog(out / "arrival_time.tif") as src:
        hours = src.read(1, masked=True)
        assert src.nodata == -9999.0 and src.dtypes[0] == "float32"
        assert hours.mask[:, 0].all() and hours.mask[:, 4].all()  # dry; arrival -1 = never
        np.testing.assert_allclose(hours.compressed(), 2.0)
    with _check_cog(out / "hazard.tif") as src:
        assert src.dtypes[0] == "uint8" and src.nodata == 255
        assert set(np.unique(src.read(1))) <= {0, 1, 2, 3}
    qml = ET.parse(out / "hazard.qml").getroot()
    items = qml.findall(".//colorrampshader/item")
    assert [i.get("color") for i in items[1:]] == [c.colour for c in STYLES["hazard"].classes]
    assert items[-1].get("label") == "Danger for all" and items[0].get("alpha") == "0"


def test_ensemble_probabilities_are_exported_in_percent(tmp_path: Path) -> None:
    ds = example_result()
    p = xr.DataArray(
        np.stack([np.full((4, 5), 0.8), np.full((4, 5), 0.3)]),
        coords={"threshold_m": [0.5, 1.0], "y": ds.y, "x": ds.x},
        dims=("threshold_m", "y", "x"),
        name="exceedance_probability",
    )
    paths = write_cogs(p.to_dataset(), tmp_path, crs=CRS)
    assert {q.name for q in paths if q.suffix == ".tif"} == {
        "exceedance_probability_0_5m.tif",
        "exceedance_probability_1m.tif",
    }
    with rasterio.open(tmp_path / "exceedance_probability_0_5m.tif") as src:
        np.testing.assert_allclose(src.read(1), 80.0)


def test_geopackage_styles_read_back_with_gdal(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "gpkg"
    (path,) = export_run(run_folder, out, "gpkg", lang="vi")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"wards", "roads_cut", "lights_in_water", "layer_styles"} <= layers
    wards = pyogrio.read_dataframe(path, layer="wards")
    assert wards["people_depth_gt_0_5m"].tolist() == [1234, 0]
    styles = pyogrio.read_dataframe(path, layer="layer_styles").set_index("f_table_name")
    assert styles.loc["wards", "useAsDefault"]
    qml = ET.fromstring(styles.loc["wards", "styleQML"])
    ranges = qml.findall(".//ranges/range")
    people = STYLES["people_at_risk"]
    assert [float(r.get("lower", "nan")) for r in ranges] == people.breaks
    assert ranges[0].get("label") == people.label(0, "vi")
    fills = [o.get("value") for o in qml.iterfind(".//symbol//Option[@name='color']")]
    assert fills[-1] == "128,0,38,255"  # people's last class, #800026
    sld = ET.fromstring(styles.loc["wards", "styleSLD"])
    assert sld.tag.endswith("StyledLayerDescriptor") and people.classes[2].colour in ET.tostring(
        sld, encoding="unicode"
    )
    with sqlite3.connect(path) as db:  # what QGIS reads: one default style per layer
        assert db.execute("SELECT count(*) FROM layer_styles").fetchone() == (3,)


def test_qgis_project_opens_both_with_the_table_colours(run_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "qgis"
    export_run(run_folder, out, "qgis", crs=CRS, lang="en")
    root = ET.parse(out / "project.qgs").getroot()
    assert root.tag == "qgis" and root.findtext(".//projectCrs//authid") == "EPSG:32648"
    sources = [m.findtext("datasource", "") for m in root.iter("maplayer")]
    assert "./impact.gpkg|layername=wards" in sources and "./max_depth.tif" in sources
    for source in sources:
        assert (out / source.removeprefix("./").split("|")[0]).exists()
    depth = next(m for m in root.iter("maplayer") if m.findtext("datasource") == "./max_depth.tif")
    colours = [i.get("color") for i in depth.findall(".//item")][1:]
    assert colours == [c.colour for c in STYLES["max_depth"].classes]
    assert depth.findtext("layername") == "Maximum water depth"


def test_bad_exports_are_one_clear_error(run_folder: Path, tmp_path: Path) -> None:
    with pytest.raises(TwinError, match="export format 'shp'"):
        export_run(run_folder, tmp_path, "shp")
    with pytest.raises(TwinError, match="no CRS"):
        export_run(run_folder, tmp_path / "x", "cog")
    with pytest.raises(TwinError, match="no impact layer"):
        export_run(tmp_path / "x", tmp_path / "y", "gpkg")


def test_cli_export(run_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_DATABASE_URL", f"sqlite:///{tmp_path / 'twin.db'}")
    runner = CliRunner()
    result = runner.invoke(app, ["export", str(run_folder), "--format", "gpkg"])
    assert result.exit_code == 0, result.output
    assert (run_folder / "export" / "impact.gpkg").exists()
    bad = runner.invoke(app, ["export", "no-such-run", "--format", "gpkg"])
    assert bad.exit_code == 2 and "neither a run folder nor a known run id" in bad.output
    bad = runner.invoke(app, ["export", str(run_folder), "--format", "shp", "--lang", "en"])
    assert bad.exit_code == 2 and "export format 'shp'" in bad.output
