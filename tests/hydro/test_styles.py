"""The style table: classes, colours, labels in both languages, and what draws with it."""

from __future__ import annotations

import base64
import io
import math

import matplotlib
import numpy as np
import pytest
from PIL import Image

from hydro import HydroError
from hydro.accessor import example_result
from hydro.hazard import HAZARD_CLASS_NAMES
from hydro.styles import LANGUAGES, STYLES, hex_to_rgb, style_for

matplotlib.use("Agg")


@pytest.mark.parametrize("name", list(STYLES))
def test_classes_are_ascending_contiguous_and_labelled(name: str) -> None:
    style = STYLES[name]
    assert len(style.classes) >= 3
    for a, b in zip(style.classes, style.classes[1:], strict=False):
        assert a.lower < a.upper == b.lower
    assert len({c.colour for c in style.classes}) == len(style.classes)
    for lang in LANGUAGES:
        labels = [style.label(i, lang) for i in range(len(style.classes))]
        assert all(labels) and len(set(labels)) == len(labels)
        legend = style.legend(lang)
        assert [c["colour"] for c in legend["classes"]] == [c.colour for c in style.classes]
    assert style.title("vi") != style.title("en")


def test_depth_classes_and_labels() -> None:
    depth = STYLES["max_depth"]
    assert depth.classify(np.array([np.nan, 0.0, 0.049, 0.05, 0.3, 0.49, 2.0, 9.0])).tolist() == [
        -1,
        -1,
        -1,
        0,
        2,
        2,
        6,
        6,
    ]
    assert depth.label(0, "en") == "0.05–0.15 m"
    assert depth.label(0, "vi") == "0,05–0,15 m"
    assert depth.label(6, "en") == "≥ 2 m"
    rgba = depth.rgba(np.array([0.0, 1.2]))
    assert rgba[0, 3] == 0 and tuple(rgba[1, :3]) == hex_to_rgb("#2171b5") and rgba[1, 3] > 0


def test_hazard_classes_follow_fd2321() -> None:
    hazard = STYLES["hazard"]
    assert hazard.classify(np.array([0, 1, 2, 3])).tolist() == [-1, 0, 1, 2]
    for code in (1, 2, 3):
        assert hazard.label(code - 1, "en").lower().startswith(HAZARD_CLASS_NAMES[code])
    assert hazard.label(2, "vi") == "Nguy hiểm cho tất cả mọi người"
    assert style_for("max_hazard_class") is hazard


def test_arrival_time_is_drawn_in_hours_and_probability_in_percent() -> None:
    arrival = STYLES["arrival_time"]
    assert arrival.units == "h"
    assert arrival.classify(np.array([-1.0, 1800.0, 2 * 3600.0, 100 * 3600.0])).tolist() == [
        -1,
        0,
        1,
        6,
    ]
    probability = STYLES["exceedance_probability"]
    assert probability.classify(np.array([0.05, 0.5, 1.0])).tolist() == [-1, 2, 4]
    assert probability.label(4, "en") == "≥ 90 %"
    assert math.isinf(probability.classes[-1].upper)


def test_unknown_language_is_one_clear_error() -> None:
    with pytest.raises(HydroError, match="language 'fr'"):
        STYLES["depth"].title("fr")


def test_explore_and_plot_draw_the_table_colours() -> None:
    import folium

    ds = example_result()
    fmap = ds.flood.explore()
    (overlay,) = [
        c for c in fmap._children.values() if isinstance(c, folium.raster_layers.ImageOverlay)
    ]
    pixels = np.asarray(
        Image.open(io.BytesIO(base64.b64decode(overlay.url.split(",", 1)[1]))).convert("RGBA")
    )
    drawn = {tuple(int(v) for v in p[:3]) for p in pixels[pixels[..., 3] > 0]}
    table = {hex_to_rgb(c.colour) for c in STYLES["max_depth"].classes}
    assert drawn and drawn <= table
    html = fmap.get_root().render()
    for c in STYLES["max_depth"].classes:
        assert c.colour in html.lower()  # the legend's steps
    ax = ds.flood.plot()
    image = ax.images[0]
    colours, norm = image.get_cmap(), image.norm
    assert [matplotlib.colors.to_hex(colours(i)) for i in range(colours.N)] == [
        c.colour for c in STYLES["max_depth"].classes
    ]
    assert norm(0.2) == 1 and norm(0.01) < 0  # 0.15-0.3 m; below 5 cm: not drawn
