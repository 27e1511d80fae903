"""An example request body for every write operation, added to the OpenAPI document.

Kept in one table (not on each route) so that a test can check that every write operation
has one and that each example is valid against its operation's schema.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REQUEST_EXAMPLES", "add_request_examples"]

_SCENARIO_TOML = """name = "quick"
city = "demo"
resolution_m = 180.0
start = "2025-10-26T18:00:00+07:00"
duration = "7200s"

[rain]
kind = "design"
total_mm = 100.0
hours = 1.5
"""

REQUEST_EXAMPLES: dict[tuple[str, str], Any] = {
    ("post", "/scenarios"): _SCENARIO_TOML,
    ("post", "/nowcasts"): {"hours": 6, "resolution_m": 60, "forecast_rain_mm_h": 20},
    ("post", "/alerts/{identifier}/cancel"): {"note": "Nước đã rút / the water has gone down"},
    ("post", "/dispatch/calls"): {
        "phone": "+84 234 3822 222",
        "address": "12 Kiệt 32 Lê Văn Hưu, Phú Hội",
        "lon": 107.5936,
        "lat": 16.4637,
        "people": 4,
        "vulnerable": ["elderly", "child"],
        "reported_water_m": 0.8,
        "notes": "Two elderly people on the upper floor",
    },
    ("patch", "/dispatch/calls/{call_id}"): {"status": "rescued", "note": "All four safe"},
    ("post", "/dispatch/calls/{call_id}/assign"): {"team_id": "T01"},
    ("patch", "/dispatch/teams/{team_id}"): {"status": "available"},
    ("post", "/open311/v2/requests.{format}"): {
        "service_code": "streetlight",
        "lat": 16.4637,
        "long": 107.5936,
        "description": "Đèn đường bị tắt / street light out",
    },
    ("patch", "/open311/v2/requests/{service_request_id}.{format}"): {
        "status": "closed",
        "status_notes": "Repaired on 27 October",
    },
    ("post", "/keys"): {"role": "dispatcher", "name": "Phú Hội dispatch desk"},
}
"""(method, path) -> the example body of its first media type."""


def add_request_examples(doc: dict[str, Any]) -> dict[str, Any]:
    """Put each :data:`REQUEST_EXAMPLES` body on its operation's request media types."""
    for (method, path), example in REQUEST_EXAMPLES.items():
        operation = doc.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue
        for media in operation.get("requestBody", {}).get("content", {}).values():
            media.setdefault("example", example)
    return doc
