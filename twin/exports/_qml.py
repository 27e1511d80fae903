"""QGIS (QML) and OGC SLD style text from the style table (:mod:`twin.styles`)."""

from __future__ import annotations

import math
from xml.sax.saxutils import quoteattr

from twin.styles import Style, hex_to_rgb

__all__ = [
    "QGIS_VERSION",
    "categories_qml",
    "graduated_qml",
    "graduated_sld",
    "raster_pipe",
    "raster_qml",
]

#: The QGIS version the files are written for (read by QGIS 3.x).
QGIS_VERSION = "3.34.0-Prizren"
_BIG = 1e12  # QGIS ranges are closed: an open last class ends here


def _rgba(colour: str, alpha: int = 255) -> str:
    r, g, b = hex_to_rgb(colour)
    return f"{r},{g},{b},{alpha}"


def raster_pipe(style: Style, lang: str) -> str:
    """The ``<pipe>`` of a one-band raster drawn in the style's classes (QGIS "discrete":
    a pixel takes the first item whose value is >= its own)."""
    alpha = round(255 * style.opacity)
    first = style.classes[0]
    items = [f'<item value="{first.lower!r}" label="" color="#000000" alpha="0"/>']
    for i, c in enumerate(style.classes):
        upper = "inf" if math.isinf(c.upper) else repr(c.upper)
        items.append(
            f"<item value={quoteattr(upper)} label={quoteattr(style.label(i, lang))} "
            f'color="{c.colour}" alpha="{alpha}"/>'
        )
    return (
        '<pipe><rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" '
        'alphaBand="-1" nodataColor="">'
        '<rastershader><colorrampshader colorRampType="DISCRETE" classificationMode="2" '
        'clip="0">' + "".join(items) + "</colorrampshader></rastershader>"
        "</rasterrenderer></pipe>"
    )


def raster_qml(style: Style, lang: str) -> str:
    """A QML file of a raster in ``style`` (QGIS loads ``name.qml`` beside ``name.tif``)."""
    return (
        f'<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM">\n'
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology">'
        f"{raster_pipe(style, lang)}</qgis>\n"
    )


def _symbol(name: str, kind: str, colour: str, alpha: float, width_mm: float = 0.6) -> str:
    if kind == "fill":
        layer, props = (
            "SimpleFill",
            {
                "color": _rgba(colour),
                "outline_color": "85,85,85,255",
                "outline_width": "0.26",
                "style": "solid",
            },
        )
    elif kind == "line":
        layer, props = "SimpleLine", {"line_color": _rgba(colour), "line_width": f"{width_mm}"}
    else:
        layer, props = "SimpleMarker", {"color": _rgba(colour), "size": "2", "name": "circle"}
    options = "".join(
        f'<Option type="QString" name="{k}" value={quoteattr(v)}/>' for k, v in props.items()
    )
    return (
        f'<symbol type="{kind}" name="{name}" alpha="{alpha:g}" clip_to_extent="1" '
        f'force_rhr="0"><layer class="{layer}" enabled="1" locked="0" pass="0">'
        f'<Option type="Map">{options}</Option></layer></symbol>'
    )


def graduated_qml(style: Style, field: str, kind: str, lang: str) -> str:
    """A vector QML: ``field`` graduated in the style's classes (``kind`` fill/line/marker)."""
    ranges, symbols = [], []
    for i, c in enumerate(style.classes):
        upper = _BIG if math.isinf(c.upper) else c.upper
        ranges.append(
            f'<range lower="{c.lower!r}" upper="{upper!r}" symbol="{i}" '
            f'label={quoteattr(style.label(i, lang))} render="true"/>'
        )
        symbols.append(_symbol(str(i), kind, c.colour, style.opacity))
    return (
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology">'
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} '
        'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<ranges>{''.join(ranges)}</ranges><symbols>{''.join(symbols)}</symbols>"
        "</renderer-v2></qgis>"
    )


def categories_qml(
    field: str, kind: str, categories: list[tuple[str, str, str]], width_mm: float = 0.6
) -> str:
    """A vector QML: ``field`` in categories ``(value, colour, label)``."""
    cats = "".join(
        f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} render="true"/>'
        for i, (v, _, label) in enumerate(categories)
    )
    symbols = "".join(
        _symbol(str(i), kind, colour, 1.0, width_mm) for i, (_, colour, _) in enumerate(categories)
    )
    return (
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} symbollevels="0" '
        f'enableorderby="0" forceraster="0"><categories>{cats}</categories>'
        f"<symbols>{symbols}</symbols></renderer-v2></qgis>"
    )


def graduated_sld(style: Style, layer: str, field: str, lang: str) -> str:
    """An SLD 1.1 of polygons: ``field`` in the style's classes (for clients without QML)."""
    rules = []
    for i, c in enumerate(style.classes):
        upper = (
            ""
            if math.isinf(c.upper)
            else (
                f"<ogc:PropertyIsLessThan><ogc:PropertyName>{field}</ogc:PropertyName>"
                f"<ogc:Literal>{c.upper:g}</ogc:Literal></ogc:PropertyIsLessThan>"
            )
        )
        lower = (
            f"<ogc:PropertyIsGreaterThanOrEqualTo><ogc:PropertyName>{field}</ogc:PropertyName>"
            f"<ogc:Literal>{c.lower:g}</ogc:Literal></ogc:PropertyIsGreaterThanOrEqualTo>"
        )
        test = f"<ogc:And>{lower}{upper}</ogc:And>" if upper else lower
        rules.append(
            f"<se:Rule><se:Name>{style.label(i, lang)}</se:Name><ogc:Filter>{test}</ogc:Filter>"
            f'<se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">{c.colour}'
            f'</se:SvgParameter><se:SvgParameter name="fill-opacity">{style.opacity:g}'
            "</se:SvgParameter></se:Fill></se:PolygonSymbolizer></se:Rule>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<StyledLayerDescriptor version="1.1.0" xmlns="http://www.opengis.net/sld" '
        'xmlns:se="http://www.opengis.net/se" xmlns:ogc="http://www.opengis.net/ogc">'
        f"<NamedLayer><se:Name>{layer}</se:Name><UserStyle><se:Name>{style.name}</se:Name>"
        f"<se:FeatureTypeStyle>{''.join(rules)}</se:FeatureTypeStyle></UserStyle>"
        "</NamedLayer></StyledLayerDescriptor>"
    )
