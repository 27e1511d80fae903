"""twin: scenarios, sensors, nowcasts, impact, warnings, dispatch and persistence.

No HTTP here (that is ``api``).
"""

from twin import dispatch
from twin._errors import ConflictError, NotFoundError, TwinError
from twin.alerts import AlertRules, CapMessage, GaugeExceedance, WardImpact, issue_alerts
from twin.scenario import Scenario
from twin.sensors import QCConfig, ingest_files

__all__ = [
    "AlertRules",
    "CapMessage",
    "ConflictError",
    "GaugeExceedance",
    "NotFoundError",
    "QCConfig",
    "Scenario",
    "TwinError",
    "WardImpact",
    "dispatch",
    "ingest_files",
    "issue_alerts",
]
