"""Verification: modelled against observed gauge levels, and warnings against what happened.

Levels
------
:func:`compare_levels` aligns each modelled series with the observations (the model is
interpolated linearly in time onto the observation times inside the modelled period; missing
observations, NaN, are gaps and left out) and scores them:

- Nash–Sutcliffe efficiency ``NSE = 1 - Σ(s-o)² / Σ(o-ō)²`` (1 perfect, 0 no better than the
  observed mean);
- Kling–Gupta efficiency, **2009 form by default** (Gupta, Kling, Yilmaz and Martinez 2009,
  J. Hydrol. 377, 80-91): ``KGE = 1 - sqrt((r-1)² + (α-1)² + (β-1)²)`` with ``α = σs/σo``,
  ``β = μs/μo``; ``kge_version=2012`` uses Kling, Fuchs and Paulin (2012, J. Hydrol.
  424-425, 264-277), ``γ = (σs/μs)/(σo/μo)`` in place of ``α``. β and γ depend on the level
  datum: compare levels on the same datum (as the gauges layer's ``datum_m`` sets up);
- peak error (modelled peak minus observed peak, m) and peak timing error (modelled peak time
  minus observed, seconds; positive means the model is late), each peak taken on its own
  series' native times inside the common period;
- RMSE, bias and the number of aligned pairs.

Warnings
--------
:func:`verify_warnings` matches warnings to observed events per area (a ward, a gauge). An
event is the onset of what was warned about (a level passing an alarm, a ward flooding;
:func:`threshold_events` finds the onsets in a level series). A warning issued at most
``max_lead`` before an event's onset, or at most ``late`` after it, covers that event:

- hit: an event covered by a warning (lead time: onset minus the earliest covering warning);
- miss: an event no warning covers;
- false alarm: a warning that covers no event;
- correct negative: an area in ``areas`` with neither.

Scores: POD = hits/(hits+misses), FAR = false alarms/(hits+false alarms), CSI =
hits/(hits+misses+false alarms).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import pandas as pd

from twin._errors import TwinError
from twin.gauge_correction import forecast_skill

if TYPE_CHECKING:
    import geopandas as gpd
    import xarray as xr
    from matplotlib.axes import Axes

__all__ = [
    "WarningVerification",
    "align_series",
    "compare_levels",
    "forecast_skill",
    "kge",
    "level_events",
    "modelled_levels",
    "nse",
    "plot_levels",
    "threshold_events",
    "verify_warnings",
]

SeriesLike: TypeAlias = pd.Series | pd.DataFrame | Mapping[str, pd.Series]


def nse(modelled: Any, observed: Any) -> float:
    """Nash–Sutcliffe efficiency of paired values (NaN pairs dropped).

    Examples
    --------
    >>> nse([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    >>> nse([2.0, 2.0, 2.0], [1.0, 2.0, 3.0])
    0.0
    """
    s, o = _pairs(modelled, observed)
    spread = float(np.sum((o - o.mean()) ** 2))
    if spread == 0.0:
        raise TwinError("NSE needs observations that vary; these are all equal")
    return float(1.0 - np.sum((s - o) ** 2) / spread)


def kge(modelled: Any, observed: Any, *, version: Literal[2009, 2012] = 2009) -> dict[str, float]:
    """Kling–Gupta efficiency and its parts (NaN pairs dropped).

    Parameters
    ----------
    modelled, observed
        Paired values.
    version
        2009 (Gupta et al.: variability ratio ``alpha = σs/σo``) or 2012 (Kling et al.:
        ``gamma``, the ratio of coefficients of variation).

    Returns
    -------
    dict
        ``kge``, ``r`` (Pearson correlation), ``alpha`` or ``gamma``, ``beta`` (mean ratio).

    Examples
    --------
    >>> obs = [1.0, 2.0, 3.0, 4.0]
    >>> round(kge([2.0, 4.0, 6.0, 8.0], obs)["kge"], 6)  # r=1, alpha=2, beta=2: 1-sqrt(2)
    -0.414214
    >>> kge([2.0, 4.0, 6.0, 8.0], obs, version=2012)["kge"]  # gamma=1: 1-sqrt(1)
    0.0
    """
    if version not in (2009, 2012):
        raise TwinError(f"KGE version must be 2009 or 2012, got {version!r}")
    s, o = _pairs(modelled, observed)
    if s.size < 2 or o.std() == 0.0 or s.std() == 0.0 or o.mean() == 0.0:
        raise TwinError("KGE needs at least 2 pairs, varying series and a non-zero observed mean")
    r = float(np.corrcoef(s, o)[0, 1])
    beta = float(s.mean() / o.mean())
    if version == 2009:
        name, spread = "alpha", float(s.std() / o.std())
    else:
        name, spread = "gamma", float((s.std() / s.mean()) / (o.std() / o.mean()))
    value = 1.0 - float(np.sqrt((r - 1.0) ** 2 + (spread - 1.0) ** 2 + (beta - 1.0) ** 2))
    return {"kge": value, "r": r, name: spread, "beta": beta}


def align_series(modelled: pd.Series, observed: pd.Series, *, start: Any = None) -> pd.DataFrame:
    """Pair a modelled series with observations at the observation times.

    The model is interpolated linearly in time onto each observation time inside the modelled
    period; NaN observations (gaps) and times outside the period are left out.

    Parameters
    ----------
    modelled, observed
        Series indexed by time: datetimes (naive ones read as UTC) or elapsed seconds.
    start
        Start of the run, when one index is in elapsed seconds and the other in datetimes.

    Returns
    -------
    pandas.DataFrame
        ``modelled`` and ``observed`` columns on the observation times.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.Series([0.0, 1.0, 2.0], index=[0.0, 3600.0, 7200.0])
    >>> o = pd.Series([0.4, float("nan"), 1.6, 9.0], index=[1800.0, 2700.0, 5400.0, 9000.0])
    >>> align_series(m, o).to_dict("list")
    {'modelled': [0.5, 1.5], 'observed': [0.4, 1.6]}
    """
    mt, ot, _ = _common_clock(modelled.index, observed.index, start)
    m = np.asarray(modelled, dtype=float)
    o = np.asarray(observed, dtype=float)
    m_ok = np.isfinite(m)
    if m_ok.sum() < 1:
        raise TwinError("the modelled series has no finite values")
    order = np.argsort(mt[m_ok])
    mt_ok, m_vals = mt[m_ok][order], m[m_ok][order]
    keep = np.isfinite(o) & (ot >= mt_ok[0]) & (ot <= mt_ok[-1])
    values = np.interp(ot[keep], mt_ok, m_vals)
    out = pd.DataFrame({"modelled": values, "observed": o[keep]}, index=observed.index[keep])
    out.index.name = "time"
    return out


def compare_levels(
    modelled: SeriesLike,
    observed: SeriesLike,
    *,
    start: Any = None,
    kge_version: Literal[2009, 2012] = 2009,
) -> pd.DataFrame:
    """Scores of modelled against observed levels, one row per gauge.

    Parameters
    ----------
    modelled, observed
        One series (a single gauge, named ``"gauge"`` unless the series has a name), a wide
        DataFrame (index time, one column per gauge) or a mapping gauge -> series. Gauges in
        both are compared.
    start
        Start of the run, when the model's times are elapsed seconds and the observations'
        are datetimes.
    kge_version
        2009 (default) or 2012.

    Returns
    -------
    pandas.DataFrame
        Index ``gauge``; columns ``n``, ``nse``, ``kge``, ``r``, ``alpha`` (or ``gamma``),
        ``beta``, ``rmse_m``, ``bias_m``, ``peak_modelled_m``, ``peak_observed_m``,
        ``peak_error_m``, ``peak_time_modelled``, ``peak_time_observed``,
        ``peak_timing_error_s``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.date_range("2020-10-10", periods=5, freq="h", tz="UTC")
    >>> obs = pd.Series([1.0, 2.0, 4.0, 3.0, 2.0], index=t, name="KL")
    >>> mod = pd.Series([1.0, 2.0, 3.0, 4.5, 2.0], index=t, name="KL")
    >>> row = compare_levels(mod, obs).loc["KL"]
    >>> float(row.peak_error_m), float(row.peak_timing_error_s), float(row.nse)
    (0.5, 3600.0, 0.375)
    """
    mods, obss = _as_mapping(modelled), _as_mapping(observed)
    common = [g for g in mods if g in obss]
    if not common:
        raise TwinError(
            f"no gauge in both: modelled has {sorted(mods)}, observed has {sorted(obss)}"
        )
    rows = []
    for gauge in common:
        pairs = align_series(mods[gauge], obss[gauge], start=start)
        rows.append(
            {"gauge": gauge, **_scores(pairs, mods[gauge], obss[gauge], start, kge_version)}
        )
    return pd.DataFrame(rows).set_index("gauge")


def modelled_levels(
    result: xr.Dataset, gauges: gpd.GeoDataFrame, *, start: Any = None
) -> pd.DataFrame:
    """Modelled river levels at the gauges as a wide table (index time, one column per gauge).

    Reads the levels with :func:`twin.impact.gauge_levels` (the wettest cell next to each
    gauge, minus the gauge zero), so they compare with published gauge readings.

    Parameters
    ----------
    result
        A flood result.
    gauges
        The city's gauges layer (``gauge_id``, ``kind``, point geometry).
    start
        Start of the run (tz-aware) when ``result.time`` is elapsed seconds; the index is then
        datetimes, else elapsed seconds (or the result's own datetimes).
    """
    from twin.impact import gauge_levels

    long = gauge_levels(result, gauges)
    if long.empty:
        raise TwinError("no river gauge lies on the result's grid")
    wide = long.pivot(index="elapsed_s", columns="gauge_id", values="level_m")
    wide.columns.name = "gauge"
    times = np.asarray(result["time"].values)
    if np.issubdtype(times.dtype, np.datetime64):
        wide.index = pd.DatetimeIndex(times, tz="UTC", name="time")
    elif start is not None:
        wide.index = _utc(start) + pd.to_timedelta(wide.index, unit="s")
        wide.index.name = "time"
    return wide


def threshold_events(levels: pd.Series, threshold: float) -> pd.DatetimeIndex | pd.Index:
    """Onsets of the times a series passed a threshold (up-crossings, first sample included).

    The onset is interpolated linearly between the samples either side; NaN samples are gaps
    (the series is read as continuing across them).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([0.5, 1.5, 0.8, 0.9, 2.0], index=[0.0, 100.0, 200.0, 300.0, 400.0])
    >>> [round(t, 3) for t in threshold_events(s, 1.0)]
    [50.0, 309.091]
    """
    s = levels.dropna()
    if s.empty:
        return s.index[:0]
    clock, _, kind = _common_clock(s.index, s.index, None)
    v = s.to_numpy(dtype=float)
    above = v > threshold
    onsets: list[float] = [float(clock[0])] if above[0] else []
    for k in np.flatnonzero(~above[:-1] & above[1:]):
        frac = (threshold - v[k]) / (v[k + 1] - v[k])
        onsets.append(float(clock[k] + frac * (clock[k + 1] - clock[k])))
    if kind:
        return pd.DatetimeIndex(pd.to_datetime(np.asarray(onsets), unit="s", utc=True))
    return pd.Index(onsets, dtype=float)


def level_events(levels: pd.DataFrame, thresholds: Mapping[str, float]) -> pd.DataFrame:
    """Events (``area``, ``onset``) where each gauge's level passed its threshold.

    Parameters
    ----------
    levels
        Wide table: index time, one column per gauge.
    thresholds
        Gauge -> level (m), e.g. each gauge's BĐ2; gauges without one are left out.

    Returns
    -------
    pandas.DataFrame
        ``area`` (the gauge) and ``onset``, ready for :func:`verify_warnings`.

    Examples
    --------
    >>> import pandas as pd
    >>> lv = pd.DataFrame({"KL": [1.0, 3.0, 1.0], "PO": [0.0, 0.5, 0.2]}, index=[0.0, 60, 120])
    >>> level_events(lv, {"KL": 2.0, "PO": 1.0}).to_dict("list")
    {'area': ['KL'], 'onset': [30.0]}
    """
    frames = [
        pd.DataFrame({"area": gauge, "onset": threshold_events(levels[gauge], float(level))})
        for gauge, level in thresholds.items()
        if gauge in levels.columns and np.isfinite(level)
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({"area": pd.Series(dtype=object), "onset": pd.Series(dtype=float)})
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class WarningVerification:
    """Warnings matched to events.

    Attributes
    ----------
    table
        One row per event and per warning that covered no event: ``area``, ``outcome``
        (``"hit"``, ``"miss"``, ``"false alarm"``), ``issued_at``, ``onset``,
        ``lead_time_s`` (hits only).
    scores
        ``hits``, ``misses``, ``false_alarms``, ``correct_negatives``, ``pod``, ``far``,
        ``csi``, ``mean_lead_time_s``, ``min_lead_time_s``.
    """

    table: pd.DataFrame
    scores: pd.Series

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """A timeline per area: events (hit o, miss x) and false alarms (triangles)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 0.6 * max(self.table["area"].nunique(), 2) + 1.5))
        areas = sorted(self.table["area"].unique())
        row = {a: i for i, a in enumerate(areas)}
        styles = {
            "hit": ("o", "#2ca02c", "onset"),
            "miss": ("X", "#d62728", "onset"),
            "false alarm": ("v", "#ff7f0e", "issued_at"),
        }
        for outcome, (marker, colour, column) in styles.items():
            part = self.table[self.table["outcome"] == outcome]
            if not part.empty:
                ys = [row[a] for a in part["area"]]
                ax.scatter(part[column], ys, marker=marker, color=colour, label=outcome, zorder=3)
        hits = self.table[self.table["outcome"] == "hit"]
        for _, h in hits.iterrows():
            ax.plot([h["issued_at"], h["onset"]], [row[h["area"]]] * 2, color="#2ca02c", lw=1)
        ax.set_yticks(range(len(areas)), [str(a) for a in areas])
        s = self.scores
        ax.set_title(f"POD {s['pod']:.2f}  FAR {s['far']:.2f}  CSI {s['csi']:.2f}")
        ax.legend(loc="best")
        ax.grid(axis="x", alpha=0.3)
        return ax


def verify_warnings(
    warnings: pd.DataFrame,
    events: pd.DataFrame,
    *,
    max_lead: Any = "48h",
    late: Any = "0s",
    areas: Any = None,
) -> WarningVerification:
    """Match warnings to observed events per area and score them.

    Parameters
    ----------
    warnings
        ``area`` and ``issued_at`` (datetimes or elapsed seconds), one row per warning.
    events
        ``area`` and ``onset`` (same kind of time), one row per observed event.
    max_lead
        The longest lead for a warning to count for an event (a pandas Timedelta string, or
        seconds for elapsed-second times).
    late
        How late after the onset a warning still counts as a hit (negative lead time).
    areas
        Every area that could have been warned, for the correct negatives (optional).

    Returns
    -------
    WarningVerification

    Examples
    --------
    >>> import pandas as pd
    >>> w = pd.DataFrame({"area": ["W01", "W02"], "issued_at": [0.0, 0.0]})
    >>> e = pd.DataFrame({"area": ["W01", "W03"], "onset": [7200.0, 3600.0]})
    >>> v = verify_warnings(w, e, max_lead=86400, areas=["W01", "W02", "W03", "W04"])
    >>> v.scores[["hits", "misses", "false_alarms", "correct_negatives"]].tolist()
    [1, 1, 1, 1]
    >>> v.scores["csi"], v.scores["mean_lead_time_s"]
    (0.3333333333333333, 7200.0)
    """
    problems = [
        f"{name} needs columns {cols}, has {list(frame.columns)}"
        for name, frame, cols in (
            ("warnings", warnings, ["area", "issued_at"]),
            ("events", events, ["area", "onset"]),
        )
        if not set(cols) <= set(frame.columns)
    ]
    if problems:
        raise TwinError("cannot verify warnings", problems)
    issued = _clock_values(warnings["issued_at"])
    onset = _clock_values(events["onset"])
    if len(issued[1]) and len(onset[1]) and issued[0] != onset[0]:
        raise TwinError("issued_at and onset must both be datetimes or both elapsed seconds")
    datetimes = issued[0] if len(issued[1]) else onset[0]
    lead_s = _seconds(max_lead)
    late_s = _seconds(late)
    if lead_s < 0 or late_s < 0:
        raise TwinError("max_lead and late must be >= 0")
    w = pd.DataFrame({"area": warnings["area"].to_numpy(), "t": issued[1]})
    e = pd.DataFrame({"area": events["area"].to_numpy(), "t": onset[1]})
    rows: list[dict[str, Any]] = []
    covering_any = np.zeros(len(w), dtype=bool)
    for _, ev in e.sort_values("t").iterrows():
        same = (w["area"] == ev["area"]).to_numpy()
        covers = (
            same & (w["t"].to_numpy() >= ev["t"] - lead_s) & (w["t"].to_numpy() <= ev["t"] + late_s)
        )
        covering_any |= covers
        if covers.any():
            first = float(w["t"].to_numpy()[covers].min())
            rows.append(
                {
                    "area": ev["area"],
                    "outcome": "hit",
                    "issued_at": first,
                    "onset": ev["t"],
                    "lead_time_s": ev["t"] - first,
                }
            )
        else:
            rows.append(
                {
                    "area": ev["area"],
                    "outcome": "miss",
                    "issued_at": np.nan,
                    "onset": ev["t"],
                    "lead_time_s": np.nan,
                }
            )
    for _, wr in w[~covering_any].iterrows():
        rows.append(
            {
                "area": wr["area"],
                "outcome": "false alarm",
                "issued_at": wr["t"],
                "onset": np.nan,
                "lead_time_s": np.nan,
            }
        )
    table = pd.DataFrame(rows, columns=["area", "outcome", "issued_at", "onset", "lead_time_s"])
    if datetimes:
        for column in ("issued_at", "onset"):
            table[column] = pd.to_datetime(table[column], unit="s", utc=True)
    hits = int((table["outcome"] == "hit").sum())
    misses = int((table["outcome"] == "miss").sum())
    false_alarms = int((table["outcome"] == "false alarm").sum())
    negatives = np.nan
    if areas is not None:
        touched = set(w["area"]) | set(e["area"])
        negatives = len([a for a in set(areas) if a not in touched])
    leads = table.loc[table["outcome"] == "hit", "lead_time_s"].astype(float)
    scores = pd.Series(
        {
            "hits": hits,
            "misses": misses,
            "false_alarms": false_alarms,
            "correct_negatives": negatives,
            "pod": _ratio(hits, hits + misses),
            "far": _ratio(false_alarms, hits + false_alarms),
            "csi": _ratio(hits, hits + misses + false_alarms),
            "mean_lead_time_s": float(leads.mean()) if len(leads) else np.nan,
            "min_lead_time_s": float(leads.min()) if len(leads) else np.nan,
        },
        dtype=object,
    )
    return WarningVerification(table=table, scores=scores)


def plot_levels(
    modelled: pd.Series,
    observed: pd.Series,
    *,
    start: Any = None,
    alarm_levels_m: tuple[float, ...] = (),
    ax: Axes | None = None,
) -> Axes:
    """Modelled and observed levels of one gauge on one plot, with NSE/KGE in the title.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> t = pd.date_range("2020-10-10", periods=4, freq="h", tz="UTC")
    >>> ax = plot_levels(pd.Series([1.0, 2, 3, 2], t), pd.Series([1.0, 2.5, 3, 2], t),
    ...                  alarm_levels_m=(2.0,))
    >>> ax.get_title()
    'NSE 0.89  KGE 0.91  peak error +0.00 m'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    scores = compare_levels(modelled.rename("gauge"), observed.rename("gauge"), start=start).iloc[0]
    m_index = modelled.index
    if start is not None and not isinstance(m_index, pd.DatetimeIndex):
        m_index = _utc(start) + pd.to_timedelta(np.asarray(m_index, dtype=float), unit="s")
    ax.plot(m_index, modelled.to_numpy(), color="#1f4e9c", label="modelled")
    ax.plot(observed.index, observed.to_numpy(), "o", ms=3, color="k", label="observed")
    colours = ("#e6b800", "#f07800", "#d62728")
    for i, level in enumerate(alarm_levels_m):
        if np.isfinite(level):
            ax.axhline(level, ls="--", lw=1, color=colours[min(i, 2)], label=f"alarm {i + 1}")
    ax.set_ylabel("level [m]")
    nse_, kge_, peak = scores["nse"], scores["kge"], scores["peak_error_m"]
    ax.set_title(f"NSE {nse_:.2f}  KGE {kge_:.2f}  peak error {peak:+.2f} m")
    ax.legend(loc="best")
    ax.grid(alpha=0.3)
    return ax


# -- helpers ----------------------------------------------------------------------------------


def _pairs(modelled: Any, observed: Any) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(modelled, dtype=float).ravel()
    o = np.asarray(observed, dtype=float).ravel()
    if s.shape != o.shape:
        raise TwinError(f"modelled and observed differ in length: {s.size} and {o.size}")
    ok = np.isfinite(s) & np.isfinite(o)
    if not ok.any():
        raise TwinError("no pair where both modelled and observed are known")
    return s[ok], o[ok]


def _utc(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _clock_values(values: Any) -> tuple[bool, np.ndarray]:
    """(is datetime, seconds): datetimes become seconds since the Unix epoch (UTC)."""
    if isinstance(values, pd.DatetimeIndex) or pd.api.types.is_datetime64_any_dtype(values):
        idx = pd.DatetimeIndex(values)
        idx = idx.tz_localize("UTC") if idx.tz is None else idx.tz_convert("UTC")
        seconds = (idx - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")
        return True, np.asarray(seconds, dtype=float)
    try:
        return False, np.asarray(values, dtype=float)
    except (TypeError, ValueError) as err:
        raise TwinError("times must be datetimes or elapsed seconds") from err


def _common_clock(a: pd.Index, b: pd.Index, start: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """Both indexes as float seconds on one clock; True when that clock is datetimes."""
    a_dt, a_s = _clock_values(a)
    b_dt, b_s = _clock_values(b)
    if a_dt != b_dt:
        if start is None:
            raise TwinError(
                "one series is in datetimes and the other in elapsed seconds; pass start="
            )
        offset = _clock_values(pd.DatetimeIndex([_utc(start)]))[1][0]
        a_s = a_s if a_dt else a_s + offset
        b_s = b_s if b_dt else b_s + offset
    return a_s, b_s, a_dt or b_dt


def _as_mapping(data: SeriesLike) -> dict[str, pd.Series]:
    if isinstance(data, pd.DataFrame):
        return {str(c): data[c] for c in data.columns}
    if isinstance(data, pd.Series):
        return {str(data.name) if data.name is not None else "gauge": data}
    return {str(k): v for k, v in data.items()}


def _peak(series: pd.Series, clock: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    v = np.asarray(series, dtype=float)
    ok = np.isfinite(v) & (clock >= lo) & (clock <= hi)
    if not ok.any():
        return np.nan, np.nan
    k = int(np.argmax(np.where(ok, v, -np.inf)))
    return float(v[k]), float(clock[k])


def _scores(
    pairs: pd.DataFrame,
    modelled: pd.Series,
    observed: pd.Series,
    start: Any,
    version: Literal[2009, 2012],
) -> dict[str, Any]:
    n = len(pairs)
    out: dict[str, Any] = {"n": n}
    s, o = pairs["modelled"].to_numpy(), pairs["observed"].to_numpy()
    if n >= 2:
        out["nse"] = nse(s, o) if np.std(o) > 0 else np.nan
        try:
            out.update(kge(s, o, version=version))
        except TwinError:
            out["kge"] = np.nan
        out["rmse_m"] = float(np.sqrt(np.mean((s - o) ** 2)))
        out["bias_m"] = float(np.mean(s - o))
    else:
        out.update({"nse": np.nan, "kge": np.nan, "rmse_m": np.nan, "bias_m": np.nan})
    mt, ot, datetimes = _common_clock(modelled.index, observed.index, start)
    lo = max(np.nanmin(mt), np.nanmin(ot))
    hi = min(np.nanmax(mt), np.nanmax(ot))
    pm, tm = _peak(modelled, mt, lo, hi)
    po, to = _peak(observed, ot, lo, hi)
    out.update(
        {
            "peak_modelled_m": pm,
            "peak_observed_m": po,
            "peak_error_m": pm - po,
            "peak_time_modelled": _clock_label(tm, datetimes),
            "peak_time_observed": _clock_label(to, datetimes),
            "peak_timing_error_s": tm - to,
        }
    )
    return out


def _clock_label(seconds: float, datetimes: bool) -> Any:
    if not datetimes:
        return seconds
    return pd.NaT if not np.isfinite(seconds) else pd.Timestamp(seconds, unit="s", tz="UTC")


def _seconds(value: Any) -> float:
    if isinstance(value, int | float | np.integer | np.floating):
        return float(value)
    try:
        return float(pd.Timedelta(value) / pd.Timedelta(1, "s"))
    except (TypeError, ValueError) as err:
        raise TwinError(f"not a duration: {value!r} (use e.g. '48h' or seconds)") from err


def _ratio(num: int, den: int) -> float:
    return float(num / den) if den else np.nan
