"""Priority of a call: a score that is the sum of factors, each of them shown.

============================  ===========================================================
factor                        points
============================  ===========================================================
``hazard_now``                20 x hazard class now (0-3)                  -> 0-60
``hazard_forecast``           10 x the peak class over the forecast (0-3)  -> 0-30
``time_to_danger``            30 x (1 - t/6 h) for t in [0, 6 h] until class >= 2, else 0
``people``                    5 x log2(1 + people)                         -> 5 for 1, 10 for 3
``vulnerable``                8 per vulnerable person, at most 40
``reported_water``            10 per metre of water the caller reports, at most 20
``waiting``                   0.2 per minute since the call, at most 30 (2.5 h)
============================  ===========================================================

The hazard factors use the model at the caller's position; the caller's own report counts
separately, so a call from a place the model has dry still rises when the caller says the
water is at the chest. Ties are broken by the earlier call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["FACTORS", "TIME_TO_DANGER_WINDOW_S", "priority_scores"]

#: Names of the factors, in the order they are shown.
FACTORS = (
    "hazard_now",
    "hazard_forecast",
    "time_to_danger",
    "people",
    "vulnerable",
    "reported_water",
    "waiting",
)
#: The time-to-danger factor counts from this horizon down to zero.
TIME_TO_DANGER_WINDOW_S = 6 * 3600.0


def priority_scores(
    *,
    hazard_class_now: npt.ArrayLike,
    peak_class: npt.ArrayLike,
    time_to_danger_s: npt.ArrayLike,
    people: npt.ArrayLike,
    vulnerable: npt.ArrayLike,
    reported_water_m: npt.ArrayLike,
    waiting_s: npt.ArrayLike,
) -> dict[str, npt.NDArray[np.float64]]:
    """Score and factors for many calls at once (vectorised).

    Parameters
    ----------
    hazard_class_now, peak_class
        Hazard class now and the forecast peak class (0-3).
    time_to_danger_s
        Seconds until the class reaches "danger for most" (0 already, inf never).
    people, vulnerable
        Number of people and of vulnerable people at the call.
    reported_water_m
        Water level the caller reported (m); NaN when not said.
    waiting_s
        Seconds since the call was taken.

    Returns
    -------
    dict
        One array per name in :data:`FACTORS` (points) and ``"score"`` (their sum).

    Examples
    --------
    >>> s = priority_scores(hazard_class_now=[2], peak_class=[3], time_to_danger_s=[0.0],
    ...                     people=[3], vulnerable=[1], reported_water_m=[1.2], waiting_s=[600])
    >>> {k: round(float(v[0]), 1) for k, v in s.items()}  # doctest: +NORMALIZE_WHITESPACE
    {'hazard_now': 40.0, 'hazard_forecast': 30.0, 'time_to_danger': 30.0, 'people': 10.0,
     'vulnerable': 8.0, 'reported_water': 12.0, 'waiting': 2.0, 'score': 132.0}
    """
    ttd = np.asarray(time_to_danger_s, dtype=float)
    water = np.nan_to_num(np.asarray(reported_water_m, dtype=float), nan=0.0)
    out: dict[str, npt.NDArray[np.float64]] = {
        "hazard_now": 20.0 * np.asarray(hazard_class_now, dtype=float),
        "hazard_forecast": 10.0 * np.asarray(peak_class, dtype=float),
        "time_to_danger": 30.0 * np.clip(1.0 - ttd / TIME_TO_DANGER_WINDOW_S, 0.0, 1.0),
        "people": 5.0 * np.log2(1.0 + np.maximum(np.asarray(people, dtype=float), 0.0)),
        "vulnerable": np.minimum(8.0 * np.asarray(vulnerable, dtype=float), 40.0),
        "reported_water": np.minimum(10.0 * np.clip(water, 0.0, None), 20.0),
        "waiting": np.minimum(0.2 * np.asarray(waiting_s, dtype=float) / 60.0, 30.0),
    }
    out["score"] = np.sum([out[f] for f in FACTORS], axis=0)
    return out


def factors_of(scores: dict[str, npt.NDArray[Any]], i: int) -> dict[str, float]:
    """The factors and score of row ``i``, rounded for display."""
    return {k: round(float(v[i]), 2) for k, v in scores.items()}
