"""The layer schema as a Markdown document, written from :data:`layers.LAYERS` (never by hand).

``layers/SCHEMA.md`` is this module's output; a test checks that the committed file equals
it, so the document cannot drift from the table every loader and check reads. Write it
again after changing ``layers/_schema.py``::

    python -c "import layers._schema_doc as d; d.write_schema_doc()"
"""

from __future__ import annotations

from pathlib import Path

from layers._schema import LAYERS, Column, LayerSpec

__all__ = ["SCHEMA_PATH", "schema_markdown", "write_schema_doc"]

#: Where the document lives in the repository.
SCHEMA_PATH = Path(__file__).resolve().with_name("SCHEMA.md")

_TYPES = {
    "str": "text",
    "str?": "text, may be empty",
    "json": "text: a JSON list of numbers",
    "int": "whole number",
    "Int64": "whole number, may be empty",
    "float": "number",
    "float?": "number, may be empty",
    "bool": "true/false",
}

# Column names carry their unit (project rule): the suffix says it.
_UNITS = (
    ("_m3s", "m³/s"),
    ("_m3", "m³"),
    ("_km2", "km²"),
    ("_kmh", "km/h"),
    ("_persons", "persons"),
    ("_m", "m"),
)
_UNIT_OF = {"population": "persons", "persons": "persons"}

_WARD_FILLED = ("roads", "lights", "shelters", "households")


def _unit(column: Column) -> str:
    if column.name in _UNIT_OF:
        return _UNIT_OF[column.name]
    for suffix, unit in _UNITS:
        if column.name.endswith(suffix):
            return unit
    return ""


def _allowed(spec: LayerSpec, column: Column) -> str:
    parts = []
    if column.choices:
        parts.append(", ".join(f"`{c}`" for c in column.choices))
    if column.nonnegative:
        parts.append(">= 0")
    if column.name == spec.id_column:
        parts.append("unique")
    if spec.name == "wards" and column.name == "kind":
        parts.append("any; the keys of `[ward_kinds]` in city.toml when it has them")
    if spec.name in _WARD_FILLED and column.name == "ward_id":
        parts.append("a ward_id of the wards layer; empty or missing: filled from the wards")
    return "; ".join(parts)


def schema_markdown() -> str:
    """The schema of every city layer as Markdown (the text of ``layers/SCHEMA.md``)."""
    lines = [
        "# City layers: the schema",
        "",
        "Written by `layers/_schema_doc.py` from `layers/_schema.py`; do not edit by hand.",
        "",
        "A city package is a folder with `city.toml` (name, crs and the city's settings: see",
        "`layers/settings.py`), `dem.tif` (elevation in metres, any CRS, int or float, nodata",
        "set) and the vector layers below, in `city.gpkg` (one layer each) or in files of their",
        "own (`wards.geojson`, `roads.shp`, `stations.parquet`, `roads.osm.pbf`...). Optional",
        "grids on the DEM: `landuse.tif` (land-use codes), `manning.tif` (Manning's n),",
        "`population.tif` (people per cell). Every layer is reprojected to the city's CRS.",
        "Extra columns are kept. `twin layers check PATH` lists every problem at once.",
        "",
    ]
    for spec in LAYERS.values():
        need = "required, at least one feature" if spec.required else "optional"
        lines += [
            f"## `{spec.name}` ({need})",
            "",
            f"Geometry: {' or '.join(spec.geometry)}. Id column: `{spec.id_column}`."
            + (" Features may lie outside the DEM." if spec.may_leave_dem else ""),
            "",
            "| column | type | unit | required | allowed values |",
            "|---|---|---|---|---|",
        ]
        for column in spec.columns:
            required = "no" if spec.name in _WARD_FILLED and column.name == "ward_id" else "yes"
            lines.append(
                f"| `{column.name}` | {_TYPES[column.dtype]} | {_unit(column)} | {required} | "
                f"{_allowed(spec, column)} |"
            )
        lines.append("")
    return "\n".join(lines)


def write_schema_doc(path: Path = SCHEMA_PATH) -> Path:
    """Write :func:`schema_markdown` to ``path`` (default ``layers/SCHEMA.md``)."""
    path.write_text(schema_markdown(), encoding="utf-8")
    return path
