"""Standards kept to the letter: TileJSON 3.0.0 against its JSON schema, the landing page's
OpenAPI version, request examples on every write operation."""

from __future__ import annotations

from typing import Any

import jsonschema
from fastapi.testclient import TestClient

# TileJSON 3.0.0 (https://github.com/mapbox/tilejson-spec/tree/master/3.0.0), the schema of
# section 3 written out: member -> type and range. "legend" is a string.
TILEJSON_3_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["tilejson", "tiles"],
    "properties": {
        "tilejson": {"type": "string", "pattern": r"^[123]\.[0-9]+\.[0-9]+$"},
        "tiles": {"type": "array", "items": {"type": "string"}},
        "vector_layers": {"type": "array"},
        "attribution": {"type": "string"},
        "bounds": {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4},
        "center": {"type": "array", "items": {"type": "number"}, "minItems": 3, "maxItems": 3},
        "data": {"type": "array", "items": {"type": "string"}},
        "description": {"type": "string"},
        "fillzoom": {"type": "integer", "minimum": 0, "maximum": 30},
        "grids": {"type": "array", "items": {"type": "string"}},
        "legend": {"type": "string"},
        "maxzoom": {"type": "integer", "minimum": 0, "maximum": 30},
        "minzoom": {"type": "integer", "minimum": 0, "maximum": 30},
        "name": {"type": "string"},
        "scheme": {"enum": ["xyz", "tms"]},
        "template": {"type": "string"},
        "version": {"type": "string", "pattern": r"^[0-9]+\.[0-9]+\.[0-9]+$"},
    },
}


def test_tilejson_documents_follow_the_3_0_0_schema(client: TestClient, run_id: str) -> None:
    for var in ("depth", "max_depth", "hazard", "arrival_time"):
        doc = client.get(f"/runs/{run_id}/tilejson.json", params={"var": var}).json()
        jsonschema.validate(doc, TILEJSON_3_SCHEMA)
    jsonschema.validate(client.get("/tiles/hillshade/tilejson.json").json(), TILEJSON_3_SCHEMA)


def test_landing_page_names_the_openapi_version_served(client: TestClient) -> None:
    served = client.get("/openapi.json").json()["openapi"]
    assert served.startswith("3.1")
    link = next(x for x in client.get("/").json()["links"] if x["rel"] == "service-desc")
    assert link["type"] == "application/vnd.oai.openapi+json;version=3.1"


def _has_example(doc: dict[str, Any], media: dict[str, Any]) -> bool:
    if media.get("example") is not None or media.get("examples"):
        return True
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return bool(schema.get("examples") or schema.get("example"))


def test_every_write_operation_has_a_request_example(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    missing = [
        f"{method.upper()} {path} ({media_type})"
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("post", "put", "patch")
        for media_type, media in op.get("requestBody", {}).get("content", {}).items()
        if not _has_example(doc, media)
    ]
    assert not missing, missing


def test_request_examples_are_valid_against_their_schemas(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    checked = 0
    for item in doc["paths"].values():
        for op in item.values():
            content = op.get("requestBody", {}).get("content", {}) if isinstance(op, dict) else {}
            for media_type, media in content.items():
                # a form's values are text on the wire; its schema types the decoded values
                if "example" in media and media_type != "application/x-www-form-urlencoded":
                    schema = {**media["schema"], "components": doc["components"]}
                    jsonschema.Draft202012Validator(schema).validate(media["example"])
                    checked += 1
    assert checked >= 9
