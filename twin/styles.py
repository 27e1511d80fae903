"""The style table of flood maps (:mod:`hydro.styles`), for twin's and the service's maps.

The table lives in hydro because ``ds.flood.explore`` draws with it and hydro imports
nothing of twin; this module is where twin and api take it from, with the legend as HTML.
"""

from __future__ import annotations

from html import escape

from hydro import HydroError
from hydro.styles import (
    LANGUAGES,
    STYLES,
    ColourClass,
    Language,
    Style,
    hex_to_rgb,
)
from hydro.styles import check_language as _check_language
from twin._errors import TwinError

__all__ = [
    "LANGUAGES",
    "STYLES",
    "ColourClass",
    "Language",
    "Style",
    "check_language",
    "hex_to_rgb",
    "legend_html",
]


def check_language(lang: str) -> Language:
    """``lang`` when it is one of :data:`LANGUAGES`, else a :class:`~twin.TwinError`."""
    try:
        return _check_language(lang)
    except HydroError as exc:
        raise TwinError(str(exc)) from None


def legend_html(style: Style, lang: str = "en") -> str:
    """The legend of ``style`` as a small HTML block (title, then one swatch per class).

    Examples
    --------
    >>> html = legend_html(STYLES["hazard"], "vi")
    >>> "Nguy hiểm cho tất cả mọi người" in html and "#800026" in html
    True
    """
    rows = "".join(
        f'<div><i style="display:inline-block;width:14px;height:10px;'
        f'background:{c.colour};margin-right:4px"></i>{escape(style.label(i, lang))}</div>'
        for i, c in enumerate(style.classes)
    )
    return (
        f'<div class="twin-legend" data-style="{escape(style.name)}">'
        f"<b>{escape(style.title(lang))}</b>{rows}</div>"
    )
