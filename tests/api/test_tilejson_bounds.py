"""TileJSON bounds cover the data (rounded outward), and PNG tiles are encoded with no warning
that would race on the global warnings filters under concurrent requests."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api import tiling
from api.routes.tiles import outward_bounds


def test_outward_bounds_never_clip() -> None:
    raw = [107.5912341, 16.4512349, 107.6023451, 16.4623451]
    west, south, east, north = outward_bounds(raw)
    assert (west, south, east, north) == (107.591234, 16.451234, 107.602346, 16.462346)
    assert west <= raw[0] and south <= raw[1] and east >= raw[2] and north >= raw[3]
    negative = outward_bounds([-0.0000005, -10.1234567, 0.0000005, -10.1234561])
    assert negative == [-0.000001, -10.123457, 0.000001, -10.123456]


def test_tilejson_bounds_contain_the_raster(client: TestClient, run_id: str) -> None:
    doc = client.get(f"/runs/{run_id}/tilejson.json", params={"var": "depth"}).json()
    state = client.app.state.twin  # type: ignore[attr-defined]
    ds = state.run_result(run_id)
    west, south, east, north = ds["max_depth"].rio.transform_bounds("EPSG:4326")
    b = doc["bounds"]
    assert b[0] <= west and b[1] <= south and b[2] >= east and b[3] >= north
    assert all(round(v, 6) == v for v in b)
    shade = client.get("/tiles/hillshade/tilejson.json").json()["bounds"]
    assert shade[0] < shade[2] and shade[1] < shade[3]


def test_png_encoding_raises_no_georeferencing_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    import rio_tiler.utils

    class _NoFilters:
        catch_warnings = warnings.catch_warnings

        @staticmethod
        def filterwarnings(*args: object, **kwargs: object) -> None:
            return None

    # rio-tiler's own "ignore" filter is what races between threads: take it away.
    monkeypatch.setattr(rio_tiler.utils, "warnings", _NoFilters)
    data = np.zeros((3, tiling.TILE_SIZE, tiling.TILE_SIZE), dtype="uint8")
    mask = np.full((tiling.TILE_SIZE, tiling.TILE_SIZE), 255, dtype="uint8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = tiling._png(data, mask)
    assert png.startswith(b"\x89PNG")
