"""GeoReport v2 (Open311) documents in JSON and XML, as the specification writes them.

Each document is first built as plain Python (dicts, lists, strings, numbers, booleans, None)
and then written as JSON, or as XML with the spec's element names: a list is an element holding
one child per item, named by :data:`_ITEM_NAMES` (``services``/``service``,
``service_requests``/``request``, ``attributes``/``attribute``, ``values``/``value``,
``endpoints``/``endpoint``, ``formats``/``format``, ``errors``/``error``). XML starts with the
declaration ``encoding="UTF-8"``; times carry their UTC offset (Asia/Ho_Chi_Minh, +07:00).

Examples
--------
>>> print(to_xml("errors", [{"code": 404, "description": "no service request '7'"}]))
<?xml version="1.0" encoding="UTF-8"?>
<errors><error><code>404</code><description>no service request '7'</description></error></errors>
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree
from starlette.responses import Response

from twin.reports import Service, ServiceRequest

__all__ = [
    "DEFAULT_CONTACT",
    "JSON_MEDIA_TYPE",
    "LOCAL_TZ",
    "XML_MEDIA_TYPE",
    "discovery_document",
    "error_response",
    "format_of",
    "is_open311_path",
    "post_result",
    "render",
    "request_document",
    "service_definition",
    "service_document",
    "to_xml",
]

PREFIX = "/open311/v2/"
XML_MEDIA_TYPE = "text/xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/json; charset=utf-8"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def is_open311_path(path: str) -> bool:
    """Whether a request path is under the Open311 API (errors then take its format)."""
    return path.startswith(PREFIX)


def format_of(path: str) -> str:
    """``xml`` for a path ending in ``.xml``, else ``json``."""
    return "xml" if path.endswith(".xml") else "json"


def _w3c(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _build(parent: etree._Element, name: str, value: Any) -> None:
    element = etree.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: etree._Element, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, child in value.items():
            _build(element, str(key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        item = _ITEM_NAMES.get(name, "item")
        for child in value:
            _build(element, item, child)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, value: Any) -> str:
    """Write a document as GeoReport v2 XML with root element ``root``."""
    element = etree.Element(root)
    _fill(element, root, value)
    body: str = etree.tostring(element, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body


def render(path: str, root: str, value: Any, *, status: int = 200) -> Response:
    """A response in the format the path asks for (``.xml`` or ``.json``)."""
    if format_of(path) == "xml":
        return Response(to_xml(root, value), status_code=status, media_type=XML_MEDIA_TYPE)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type=JSON_MEDIA_TYPE)


def error_response(
    path: str, status: int, messages: Sequence[str], *, headers: Mapping[str, str] | None = None
) -> Response:
    """GeoReport v2 errors: ``[{code, description}]`` (JSON) or ``<errors>`` (XML)."""
    # GeoReport v2 clients expect 400 for any request they got wrong.
    status = 400 if status == 422 else status
    errors = [{"code": status, "description": m} for m in messages]
    response = render(path, "errors", errors, status=status)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def service_document(service: Service) -> dict[str, Any]:
    """One entry of GET services."""
    return {
        "service_code": service.service_code,
        "service_name": service.service_name,
        "description": service.description,
        "metadata": service.metadata,
        "type": service.type,
        "keywords": service.keywords,
        "group": service.group,
    }


def service_definition(service: Service) -> dict[str, Any]:
    """GET services/{code}: the service's attributes."""
    return {
        "service_code": service.service_code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": a.order,
                "description": a.description,
                "values": [{"key": k, "name": n} for k, n in a.values],
            }
            for a in service.attributes
        ],
    }


def request_document(req: ServiceRequest) -> dict[str, Any]:
    """One entry of GET requests (every GeoReport v2 field, in the spec's order)."""
    return {
        "service_request_id": req.service_request_id,
        "status": req.status,
        "status_notes": req.status_notes,
        "service_name": req.service_name,
        "service_code": req.service_code,
        "description": req.description,
        "agency_responsible": req.agency_responsible,
        "service_notice": req.service_notice,
        "requested_datetime": _w3c(req.requested_datetime),
        "updated_datetime": _w3c(req.updated_datetime),
        "expected_datetime": _w3c(req.expected_datetime),
        "address": req.address,
        "address_id": req.address_id,
        "zipcode": req.zipcode,
        "lat": req.lat,
        "long": req.lon,
        "media_url": req.media_url,
    }


def post_result(req: ServiceRequest, account_id: str | None) -> dict[str, Any]:
    """The answer to POST requests: the new id, the city's notice and the account id."""
    return {
        "service_request_id": req.service_request_id,
        "service_notice": req.service_notice,
        "account_id": account_id,
    }


#: The discovery ``contact`` of a city whose ``city.toml`` ``[open311]`` gives none (the demo's).
DEFAULT_CONTACT = "Huế city hotline 1900 1075"


def discovery_document(
    base_url: str, changeset: datetime, contact: str = DEFAULT_CONTACT
) -> dict[str, Any]:
    """The service discovery document (one production GeoReport v2 endpoint)."""
    return {
        "changeset": _w3c(changeset),
        "contact": contact,
        "key_service": "Citizens need no key. Staff keys: `twin keys create --role ROLE`.",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base_url.rstrip("/"),
                "changeset": _w3c(changeset),
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
