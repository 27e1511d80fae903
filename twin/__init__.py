"""twin: scenarios, sensors, nowcasts, impact, warnings, dispatch and persistence.

No HTTP here (that is ``api``).
"""

from twin._errors import ConflictError, NotFoundError, TwinError
from twin.scenario import Scenario

__all__ = ["ConflictError", "NotFoundError", "Scenario", "TwinError"]
