"""Warnings as CAP 1.2 messages: rules, lifecycle (Alert, Update, Cancel), XML, JSON, Atom.

Named ``alerts`` so that it never shadows the standard library's ``warnings``.

Examples
--------
>>> from datetime import datetime, timezone
>>> from twin.db import make_engine
>>> from twin.alerts import WardImpact, issue_alerts
>>> engine = make_engine("sqlite://")
>>> ward = WardImpact(
...     "W16", "Phú Xuân",
...     [(107.57, 16.47), (107.60, 16.47), (107.60, 16.50), (107.57, 16.50)],
...     people_by_hazard_class=(9000, 1200, 300, 0), max_hazard_class=2,
...     arrival=datetime(2025, 10, 27, 2, 10, tzinfo=timezone.utc), shelter="Trường THPT Quốc Học",
... )
>>> now = datetime(2025, 10, 27, 0, 0, tzinfo=timezone.utc)
>>> (msg,) = issue_alerts(engine, [ward], now=now)
>>> msg.msg_type, msg.infos[0].severity, msg.infos[0].urgency, msg.infos[0].certainty
('Alert', 'Severe', 'Expected', 'Likely')
>>> msg.infos[0].areas[0].polygons[0].split()[0]
'16.47,107.57'
>>> issue_alerts(engine, [ward], now=now)
[]
"""

from twin.alerts._listing import alerts_page
from twin.alerts.cap import (
    CAP_NAMESPACE,
    CapArea,
    CapInfo,
    CapMessage,
    cap_circle,
    cap_polygon,
    cap_schema,
    validate_cap_xml,
)
from twin.alerts.from_impact import gauge_exceedances_from_summary, ward_impacts_from_frame
from twin.alerts.rules import (
    AlertRules,
    GaugeExceedance,
    PlannedAlert,
    WardImpact,
    alarm_levels_from_gauges,
    gauge_exceedances,
    plan_alerts,
)
from twin.alerts.sign import CapSigner, verify_cap_signature
from twin.alerts.store import (
    AlertRecord,
    active_alerts,
    alert_json,
    alert_xml,
    atom_feed,
    cancel_alert,
    consistency_problems,
    feed_messages,
    get_alert,
    issue_alerts,
    list_alerts,
    write_alerts,
)

__all__ = [
    "CAP_NAMESPACE",
    "AlertRecord",
    "AlertRules",
    "CapArea",
    "CapInfo",
    "CapMessage",
    "CapSigner",
    "GaugeExceedance",
    "PlannedAlert",
    "WardImpact",
    "active_alerts",
    "alarm_levels_from_gauges",
    "alert_json",
    "alert_xml",
    "alerts_page",
    "atom_feed",
    "cancel_alert",
    "cap_circle",
    "cap_polygon",
    "cap_schema",
    "consistency_problems",
    "feed_messages",
    "gauge_exceedances",
    "gauge_exceedances_from_summary",
    "get_alert",
    "issue_alerts",
    "list_alerts",
    "plan_alerts",
    "validate_cap_xml",
    "verify_cap_signature",
    "ward_impacts_from_frame",
    "write_alerts",
]
