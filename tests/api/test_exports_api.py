"""GET /runs/{id}/export (zip of COGs, styled GeoPackage, QGIS project) and the style table
served as JSON (/map/styles.json, /map/styles/{var}.json)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pyogrio
import rasterio
from fastapi.testclient import TestClient

from twin.styles import STYLES


def test_export_qgis_zip(client: TestClient, run_id: str, tmp_path: Path) -> None:
    response = client.get(f"/runs/{run_id}/export", params={"format": "qgis", "lang": "en"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f"{run_id}-qgis.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path)
    assert {"max_depth.tif", "max_depth.qml", "impact.gpkg", "project.qgs"} <= names
    with rasterio.open(tmp_path / "max_depth.tif") as src:
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG" and src.nodata == -9999.0
    styles = pyogrio.read_dataframe(tmp_path / "impact.gpkg", layer="layer_styles")
    assert "wards" in styles["f_table_name"].tolist()


def test_export_errors(client: TestClient, run_id: str) -> None:
    assert client.get("/runs/nope/export").status_code == 404
    bad = client.get(f"/runs/{run_id}/export", params={"format": "shp"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_styles_json(client: TestClient) -> None:
    doc = client.get("/map/styles.json").json()
    assert doc["languages"] == ["vi", "en"]
    hazard = doc["styles"]["hazard"]
    assert [c["colour"] for c in hazard["en"]["classes"]] == [
        c.colour for c in STYLES["hazard"].classes
    ]
    assert hazard["vi"]["classes"][2]["label"] == "Nguy hiểm cho tất cả mọi người"
    depth = client.get("/map/styles/max_depth.json", params={"lang": "vi"}).json()
    assert depth["title"] == "Độ sâu ngập lớn nhất" and depth["classes"][-1]["upper"] is None
    assert client.get("/map/styles/nope.json").status_code == 404
    assert client.get("/map/styles/depth.json", params={"lang": "fr"}).status_code == 422
