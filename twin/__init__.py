"""twin: scenarios, sensors, nowcasts, impact, warnings, dispatch and persistence.

No HTTP here (that is ``api``).
"""

from twin import dispatch, ensemble, verify
from twin._errors import ConflictError, NotFoundError, TwinError
from twin.alerts import AlertRules, CapMessage, GaugeExceedance, WardImpact, issue_alerts
from twin.ensemble import EnsembleSpec
from twin.impact import Impact, assess_impact
from twin.nowcast import run_nowcast
from twin.run import run_scenario
from twin.runs import RunResult, publish_run_alerts
from twin.scenario import Scenario
from twin.sensors import QCConfig, ingest_files

__all__ = [
    "AlertRules",
    "CapMessage",
    "ConflictError",
    "EnsembleSpec",
    "GaugeExceedance",
    "Impact",
    "NotFoundError",
    "QCConfig",
    "RunResult",
    "Scenario",
    "TwinError",
    "WardImpact",
    "assess_impact",
    "dispatch",
    "ensemble",
    "ingest_files",
    "issue_alerts",
    "publish_run_alerts",
    "run_nowcast",
    "run_scenario",
    "verify",
]
