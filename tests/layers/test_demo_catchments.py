"""The demo's catchments layer: published areas, shapes that do not overlap, outlets that exist,
and the layer's checks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from layers import City
from layers._check_layer import check_layer
from layers._schema import empty_layer


def test_catchments_hold_the_published_areas(demo_city: City) -> None:
    catchments = demo_city.catchments.set_index("catchment_id")
    assert catchments.loc["ta-trach", "area_km2"] == 717.0  # FACTS: Tả Trạch 717 km²
    assert catchments.loc["huong-dien", "area_km2"] == 707.0  # Hương Điền 707 km²
    assert set(catchments.index) == {
        "ta-trach",
        "binh-dien",
        "huong-dien",
        "huong-local",
        "bo-local",
    }
    # every polygon has the area it declares, and none overlaps another
    assert np.allclose(catchments.geometry.area / 1e6, catchments["area_km2"], rtol=2e-3)
    geoms = list(catchments.geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1e3


def test_catchments_drain_to_dams_or_the_model_edge(demo_city: City) -> None:
    catchments = demo_city.catchments
    dams = set(demo_city.dams["dam_id"])
    box = shapely.box(*demo_city.extent)
    for row in catchments.itertuples():
        if row.outlet_kind == "dam":
            assert row.outlet_id in dams
            assert not row.geometry.intersects(box.buffer(-1.0))  # upstream, off the DEM
        else:
            assert row.outlet_id in {"Hương", "Bồ"}
            assert row.geometry.distance(box) < 1.0  # reaches the model's edge
            assert box.buffer(1.0).contains(shapely.Point(row.entry_x, row.entry_y))


def test_bad_catchments_list_every_problem() -> None:
    good = empty_layer("catchments", "EPSG:32648")
    row: dict[str, object] = {c: np.nan for c in good.columns if c != "geometry"}
    row.update(
        catchment_id="x",
        name="x",
        outlet_kind="lake",
        outlet_id="d",
        area_km2=-3.0,
        runoff_model="hbv",
        amc="II",
        rain_factor=1.0,
        baseflow_m3s=0.0,
    )
    gdf = gpd.GeoDataFrame([row], geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:32648")
    _out, problems, _notes = check_layer(gdf, "catchments", source="test", city_crs=gdf.crs)
    text = "\n".join(problems)
    assert "outlet_kind" in text and "runoff_model" in text and "area_km2" in text
