"""layers/SCHEMA.md is the schema table written out: it cannot drift from layers/_schema.py."""

from __future__ import annotations

from layers import LAYERS
from layers._schema_doc import SCHEMA_PATH, schema_markdown


def test_committed_schema_document_is_the_generated_one() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_markdown(), (
        'layers/SCHEMA.md is stale: python -c "import layers._schema_doc as d; '
        'd.write_schema_doc()"'
    )


def test_every_layer_and_column_is_documented() -> None:
    text = schema_markdown()
    for spec in LAYERS.values():
        assert f"## `{spec.name}`" in text
        for column in spec.columns:
            assert f"| `{column.name}` |" in text
    assert "| `depth_m` |" not in text
    assert "| `spillway_width_m` | number | m | yes | >= 0 |" in text
    assert "| `population` | whole number | persons | yes | >= 0 |" in text
