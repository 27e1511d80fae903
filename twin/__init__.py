"""twin: scenarios, sensors, nowcasts, impact, warnings, dispatch and persistence.

No HTTP here (that is ``api``).
"""

from twin._errors import ConflictError, NotFoundError, TwinError

__all__ = ["ConflictError", "NotFoundError", "TwinError"]
