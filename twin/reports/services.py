"""The Open311 services a citizen can report, with the attributes each one asks for.

The catalogue follows GeoReport v2: each service has a ``service_code``, a name, a
description, ``metadata`` (true when it has attributes to fill in), a ``type`` (all of these are
``realtime``: a request is created at once), ``keywords`` and a ``group``.

Examples
--------
>>> [s.service_code for s in SERVICES]
['street_light', 'blocked_drain', 'flooded_street', 'fallen_tree']
>>> get_service("street_light").metadata
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from twin._errors import NotFoundError, TwinError

__all__ = ["SERVICES", "Service", "ServiceAttribute", "city_service", "get_service"]


@dataclass(frozen=True)
class ServiceAttribute:
    """One question a service asks (GeoReport v2 service definition ``attribute``).

    Attributes
    ----------
    code
        Its key in ``attribute[code]`` of a POST.
    description
        The question, as shown to the citizen.
    datatype
        ``string``, ``number``, ``datetime``, ``text``, ``singlevaluelist`` or
        ``multivaluelist``.
    required
        Whether a request without it is refused.
    order
        Position in a form.
    values
        ``(key, name)`` pairs for the list types.
    datatype_description
        A hint on the form of the answer.
    variable
        False for an informational attribute that takes no answer.
    """

    code: str
    description: str
    datatype: str = "string"
    required: bool = False
    order: int = 1
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str = ""
    variable: bool = True


@dataclass(frozen=True)
class Service:
    """One kind of request a citizen can make (GeoReport v2 ``service``).

    Attributes
    ----------
    service_code, service_name, description, keywords, group
        As in the GeoReport v2 service list.
    agency_responsible
        Who handles it (shown in each request).
    service_notice
        What the city promises, returned when a request is made.
    expected_hours
        Hours within which the city expects to have acted.
    attributes
        The questions it asks; ``metadata`` is true when there are any.
    """

    service_code: str
    service_name: str
    description: str
    keywords: str
    group: str
    agency_responsible: str
    service_notice: str
    expected_hours: float
    attributes: tuple[ServiceAttribute, ...] = field(default=())
    type: str = "realtime"

    @property
    def metadata(self) -> bool:
        """True when the service has attributes (a service definition to read)."""
        return bool(self.attributes)


SERVICES: tuple[Service, ...] = (
    Service(
        service_code="street_light",
        service_name="Đèn đường hỏng (broken street light)",
        description="A street light that is out, flickers or stays on by day. "
        "Give the pole number if you can see it.",
        keywords="đèn đường, chiếu sáng, street light, lamp",
        group="lighting",
        agency_responsible="Công ty Chiếu sáng công cộng Huế",
        service_notice="The lighting company repairs a reported light within 48 hours.",
        expected_hours=48.0,
        attributes=(
            ServiceAttribute(
                code="light_id",
                description="Pole number written on the light (if you can see it)",
                datatype="string",
                order=1,
                datatype_description="e.g. L0123",
            ),
            ServiceAttribute(
                code="problem",
                description="What is wrong with the light?",
                datatype="singlevaluelist",
                required=True,
                order=2,
                values=(("out", "Does not light"), ("flicker", "Flickers"), ("day", "On by day")),
            ),
        ),
    ),
    Service(
        service_code="blocked_drain",
        service_name="Cống thoát nước bị tắc (blocked drain)",
        description="A drain or gutter inlet blocked by rubbish, leaves or silt.",
        keywords="cống, thoát nước, drain, gutter",
        group="drainage",
        agency_responsible="Công ty Thoát nước và Xử lý nước thải Huế",
        service_notice="Drains reported during a flood warning are cleared first.",
        expected_hours=24.0,
    ),
    Service(
        service_code="flooded_street",
        service_name="Đường ngập (flooded street)",
        description="Water on the street. Say how deep it is.",
        keywords="ngập, lụt, flood, water",
        group="drainage",
        agency_responsible="Ban Chỉ huy Phòng chống thiên tai Huế",
        service_notice="Reports feed the flood map; for danger to life call 1900 1075.",
        expected_hours=6.0,
        attributes=(
            ServiceAttribute(
                code="depth",
                description="How deep is the water?",
                datatype="singlevaluelist",
                required=True,
                order=1,
                values=(
                    ("ankle", "Ankle (< 0.2 m)"),
                    ("knee", "Knee (about 0.5 m)"),
                    ("waist", "Waist or deeper (> 0.8 m)"),
                ),
            ),
        ),
    ),
    Service(
        service_code="fallen_tree",
        service_name="Cây đổ (fallen tree)",
        description="A tree or large branch down on a street or on power lines.",
        keywords="cây đổ, tree, branch",
        group="streets",
        agency_responsible="Công ty Công viên cây xanh Huế",
        service_notice="Trees blocking a road are cleared within 12 hours.",
        expected_hours=12.0,
        attributes=(
            ServiceAttribute(
                code="blocking",
                description="What does it block? (any that apply)",
                datatype="multivaluelist",
                order=1,
                values=(
                    ("road", "The road"),
                    ("sidewalk", "The sidewalk"),
                    ("power_lines", "Power lines"),
                    ("drain", "A drain"),
                ),
                datatype_description="send each as attribute[blocking][]=KEY",
            ),
            ServiceAttribute(
                code="trunk_cm",
                description="About how thick is the trunk or branch, in centimetres?",
                datatype="number",
                order=2,
                datatype_description="a number, e.g. 30",
            ),
        ),
    ),
)


def get_service(service_code: str) -> Service:
    """The service with this code.

    Raises
    ------
    twin.NotFoundError
        When no service has that code (the message lists the codes that exist).
    """
    for service in SERVICES:
        if service.service_code == service_code:
            return service
    codes = ", ".join(s.service_code for s in SERVICES)
    raise NotFoundError(f"no service with code {service_code!r}: use one of {codes}")


def city_service(service: Service, open311: Mapping[str, Any]) -> Service:
    """The service as a city's ``city.toml`` ``[open311]`` table tailors it.

    ``agencies`` and ``notices`` map service codes to the agency responsible and the
    notice; a service the table does not name keeps its catalogue values (the demo city's,
    Huế's agencies and its hotline 1900 1075).

    .. code-block:: toml

        [open311]
        contact = "Helsinki city hotline 09 310 01"
        agencies = { street_light = "Helen Oy" }
        notices = { flooded_street = "For danger to life call 112." }

    Raises
    ------
    twin.TwinError
        ``agencies`` or ``notices`` is not a table of text (both are reported).
    """
    problems = []
    tailored = {"agency_responsible": service.agency_responsible, "notice": service.service_notice}
    for key, name in (("agencies", "agency_responsible"), ("notices", "notice")):
        table = open311.get(key, {})
        if not (isinstance(table, dict) and all(isinstance(v, str) for v in table.values())):
            problems.append(f"{key} must map service codes to text, got {table!r}")
        elif service.service_code in table:
            tailored[name] = table[service.service_code]
    if problems:
        raise TwinError(
            "city.toml [open311]: "
            + "; ".join(problems)
            + '; fix: agencies = { street_light = "Lighting company" }'
        )
    return replace(
        service,
        agency_responsible=tailored["agency_responsible"],
        service_notice=tailored["notice"],
    )
