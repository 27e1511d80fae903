"""The one exception type of the hydro package."""

from __future__ import annotations

__all__ = ["HydroError"]


class HydroError(ValueError):
    """A flood-model input is invalid or a run cannot go on.

    Raised before any work starts for bad input (the message says what to fix),
    and during a run when it goes unstable (the message names the time and cell).
    """
