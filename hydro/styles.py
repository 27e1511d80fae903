"""The one style table of flood maps: class breaks, colours, units and labels (vi, en).

Every picture of a flood result draws from here: the service's tiles and legend, the run's
``map.html``, ``ds.flood.explore`` and ``plot``, the PNG figures and the styles written
into GIS exports (QML, SLD). Each variable is drawn in classes (a stepped ramp): a map
reader compares a colour with a legend swatch, and a class break is the same number in
every file. Values below the first class are not drawn (dry ground, hazard class 0).

Examples
--------
>>> import numpy as np
>>> STYLES["max_depth"].classify(np.array([0.0, 0.2, 0.7, 5.0])).tolist()
[-1, 1, 3, 6]
>>> STYLES["hazard"].label(2, "en")
'Danger for all'
>>> STYLES["arrival_time"].title("vi")
'Thời gian nước đến'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from hydro._errors import HydroError
from hydro.hazard import HAZARD_CLASS_THRESHOLDS

__all__ = [
    "LANGUAGES",
    "STYLES",
    "ColourClass",
    "Language",
    "Style",
    "check_language",
    "hex_to_rgb",
    "style_for",
]

Language = Literal["vi", "en"]
#: The languages of labels; Vietnamese first (the city's), English second.
LANGUAGES: tuple[Language, ...] = ("vi", "en")


@dataclass(frozen=True)
class ColourClass:
    """One class: values in ``[lower, upper)`` (display units) drawn in ``colour``.

    Attributes
    ----------
    lower, upper
        Bounds in the style's display units; ``upper`` may be ``inf``.
    colour
        ``#rrggbb``.
    label_vi, label_en
        The legend's words; empty to write the bounds with the units.
    """

    lower: float
    upper: float
    colour: str
    label_vi: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Style:
    """How one variable is drawn.

    Attributes
    ----------
    name
        The variable's name (tile URL, dataset variable, layer name).
    units
        Display units (after ``scale``); ``"class"`` for class codes.
    title_vi, title_en
        The legend's title.
    classes
        The classes, ascending and contiguous.
    scale
        Factor from stored to display units (seconds -> hours for arrival time).
    opacity
        Opacity of the drawn cells, 0..1.
    units_vi
        The units in Vietnamese labels, when they are a word (``người`` for ``people``).
    """

    name: str
    units: str
    title_vi: str
    title_en: str
    classes: tuple[ColourClass, ...]
    scale: float = 1.0
    opacity: float = 0.85
    units_vi: str = ""

    def title(self, lang: str = "en") -> str:
        """The title in ``lang`` ("vi" or "en")."""
        return self.title_vi if check_language(lang) == "vi" else self.title_en

    def label(self, index: int, lang: str = "en") -> str:
        """The legend label of class ``index`` in ``lang``."""
        c = self.classes[index]
        given = c.label_vi if check_language(lang) == "vi" else c.label_en
        if given:
            return given
        units = self.units_vi if lang == "vi" and self.units_vi else self.units
        unit = "" if units in ("class", "1") else f" {units}"
        if math.isinf(c.upper):
            return f"≥ {_num(c.lower, lang)}{unit}"
        return f"{_num(c.lower, lang)}–{_num(c.upper, lang)}{unit}"

    @property
    def breaks(self) -> list[float]:
        """The lower bounds of the classes (display units)."""
        return [c.lower for c in self.classes]

    def classify(self, stored: Any) -> np.ndarray:
        """Class index of each stored value; -1 where not drawn (below the first class,
        NaN, or at/above a closed last class)."""
        values = np.asarray(stored, dtype="float64") * self.scale
        index = np.full(values.shape, -1, dtype="int16")
        for i, c in enumerate(self.classes):
            index[(values >= c.lower) & (values < c.upper)] = i
        return index

    def rgba(self, stored: Any) -> np.ndarray:
        """``uint8`` RGBA of each stored value (alpha 0 where not drawn)."""
        index = self.classify(stored)
        lut = np.zeros((len(self.classes) + 1, 4), dtype="uint8")
        alpha = round(255 * self.opacity)
        for i, c in enumerate(self.classes):
            lut[i] = (*hex_to_rgb(c.colour), alpha)
        return lut[index]  # index -1 picks the last row: transparent

    def legend(self, lang: str = "en") -> dict[str, Any]:
        """The legend as JSON: title, units and the classes with their colour and label."""
        return {
            "name": self.name,
            "title": self.title(lang),
            "units": self.units,
            "classes": [
                {
                    "lower": c.lower,
                    "upper": None if math.isinf(c.upper) else c.upper,
                    "colour": c.colour,
                    "label": self.label(i, lang),
                }
                for i, c in enumerate(self.classes)
            ],
        }


def check_language(lang: str) -> Language:
    """``lang`` when it is one of :data:`LANGUAGES`, else a :class:`HydroError`."""
    if lang == "vi":
        return "vi"
    if lang == "en":
        return "en"
    raise HydroError(f"language {lang!r} is not known: use one of {', '.join(LANGUAGES)}")


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` -> ``(r, g, b)``."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _num(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if lang == "vi" else text


def _ramp(bounds: tuple[float, ...], colours: tuple[str, ...]) -> tuple[ColourClass, ...]:
    uppers = (*bounds[1:], math.inf)
    return tuple(ColourClass(lo, hi, c) for lo, hi, c in zip(bounds, uppers, colours, strict=True))


# Depth: 5 cm is "wet" (below it the solver's film), 0.15 m floods a doorstep, 0.3 m stops a
# car (the roads' cut), 0.5 m moves a car and knocks adults over, 1.5 m is above a
# person's chest. ColorBrewer Blues, light to dark.
_DEPTH_BOUNDS_M = (0.05, 0.15, 0.3, 0.5, 1.0, 1.5, 2.0)
_DEPTH_COLOURS = ("#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
_SOME, _MOST, _ALL = HAZARD_CLASS_THRESHOLDS

STYLES: dict[str, Style] = {
    "depth": Style(
        "depth",
        "m",
        "Độ sâu ngập",
        "Water depth",
        _ramp(_DEPTH_BOUNDS_M, _DEPTH_COLOURS),
    ),
    "max_depth": Style(
        "max_depth",
        "m",
        "Độ sâu ngập lớn nhất",
        "Maximum water depth",
        _ramp(_DEPTH_BOUNDS_M, _DEPTH_COLOURS),
    ),
    # Defra / EA FD2321 hazard to people (hydro.hazard): class 0 "low" is not drawn.
    "hazard": Style(
        "hazard",
        "class",
        "Mức nguy hiểm cho người (FD2321)",
        "Hazard to people (FD2321)",
        (
            ColourClass(
                1,
                2,
                "#feb24c",
                "Nguy hiểm cho một số người",
                f"Danger for some (HR {_SOME:g}–{_MOST:g})",
            ),
            ColourClass(
                2,
                3,
                "#f03b20",
                "Nguy hiểm cho hầu hết mọi người",
                f"Danger for most (HR {_MOST:g}–{_ALL:g})",
            ),
            ColourClass(3, 4, "#800026", "Nguy hiểm cho tất cả mọi người", "Danger for all"),
        ),
    ),
    # Hours from the start: early water is the urgent one, so it is the hot colour.
    "arrival_time": Style(
        "arrival_time",
        "h",
        "Thời gian nước đến",
        "Arrival time of the water",
        _ramp(
            (0.0, 1.0, 3.0, 6.0, 12.0, 24.0, 48.0),
            ("#b10026", "#e31a1c", "#fc4e2a", "#fd8d3c", "#feb24c", "#fed976", "#ffffb2"),
        ),
        scale=1 / 3600,
    ),
    # Stored as a fraction of the members; drawn in percent from 10 %.
    "exceedance_probability": Style(
        "exceedance_probability",
        "%",
        "Xác suất vượt ngưỡng độ sâu",
        "Probability of exceeding the depth",
        _ramp(
            (10.0, 25.0, 50.0, 75.0, 90.0),
            ("#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"),
        ),
        scale=100.0,
    ),
    # Wards by people in water deeper than 0.5 m (the ward map, the report's figure).
    "people_at_risk": Style(
        "people_at_risk",
        "people",
        "Số người trong vùng ngập sâu hơn 0,5 m",
        "People in water deeper than 0.5 m",
        _ramp(
            (1.0, 50.0, 200.0, 1000.0, 5000.0),
            ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"),
        ),
        opacity=0.6,
        units_vi="người",
    ),
}
"""Variable -> how it is drawn."""

_ALIASES = {"hazard_class": "hazard", "max_hazard_class": "hazard"}


def style_for(variable: str) -> Style | None:
    """The style of a dataset variable (``hazard_class`` draws as ``hazard``), or None."""
    return STYLES.get(_ALIASES.get(variable, variable))
