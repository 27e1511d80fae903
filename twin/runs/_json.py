"""Plain JSON of what a run's summary holds (numpy scalars, times, NaN as null)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["jsonable", "records"]


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars, times and missing values as JSON can hold them.

    Examples
    --------
    >>> jsonable({"a": np.float32(1.5), "b": float("nan"), 3: (1, 2)})
    {'a': 1.5, 'b': None, '3': [1, 2]}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts."""
    return [jsonable(r) for r in frame.to_dict("records")]
