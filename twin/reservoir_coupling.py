"""Feed the flood model's downstream gauge levels back to a dam's operating rules.

:func:`hydro.operating_rules.operate` asks a ``downstream(time, release_m3s)`` callback for the
gauge levels at each release decision. :class:`ModelDownstream` is that callback backed by a
running :class:`hydro.FloodModel`: at each call it puts the release of the interval just
ended into the model at the dam's entry point (a point inflow that flows over that interval
only), runs the model to the decision time, and reads the water level at each gauge's cell.
The rules then see the levels the model makes, including the effect of their own releases::

    coupled = ModelDownstream(model, dem, entry_xy=(dam.entry_x, dam.entry_y),
                              gauges={"kim-long": (x, y)}, start=inflow.index[0])
    routed, log = operate(reservoir, rules, inflow, initial_level_m=38.0, downstream=coupled)
    result = coupled.results[-1]  # the last chunk (maxima over the whole run)

Only public ``FloodModel`` calls are used (``add_inflow``, ``run`` in chunks, ``depth``): one
point inflow per decision interval, so the cost grows with the number of decisions (cheap:
a point source per step). Other dams' schedules, rain and boundaries are set on the model
beforehand as usual.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from hydro import FloodModel
from twin._errors import TwinError

__all__ = ["ModelDownstream"]


class ModelDownstream:
    """The ``downstream`` callback of :func:`hydro.operating_rules.operate` from a 2D model.

    Parameters
    ----------
    model
        The flood model, with its other forcings set, at time 0 = ``start``.
    elevation
        The elevation the model was built on (the bed under each gauge).
    entry_xy
        Where the dam's release enters the model (m, the model's CRS).
    gauges
        Gauge positions (m) by gauge id; the level read is the water surface (bed + depth)
        of the cell holding each, in the model's vertical datum.
    start
        The time of model time 0 (the inflow series' first time).
    output_every
        Snapshot interval of each chunk's result (s or "1h"); ``None``: chunk ends only.

    Attributes
    ----------
    results
        The model's result of each chunk run so far.
    """

    def __init__(
        self,
        model: FloodModel,
        elevation: xr.DataArray,
        *,
        entry_xy: tuple[float, float],
        gauges: Mapping[str, tuple[float, float]],
        start: pd.Timestamp | str,
        output_every: float | str | None = None,
    ) -> None:
        problems = []
        self._cells: dict[str, tuple[int, int]] = {}
        for gauge, (x, y) in gauges.items():
            cell = model.grid.cell_of(float(x), float(y))
            if cell is None:
                problems.append(f"gauge {gauge!r} at x={x:g}, y={y:g} lies outside the model")
            else:
                self._cells[gauge] = cell
        if model.grid.cell_of(*entry_xy) is None:
            problems.append(f"the dam's entry {entry_xy} lies outside the model")
        if problems:
            raise TwinError("reservoir coupling: " + "; ".join(problems))
        self._bed = np.asarray(elevation.transpose("y", "x").values, dtype=float)
        if self._bed.shape != model.grid.shape:
            raise TwinError("reservoir coupling: elevation is not the model's grid")
        self.model = model
        self.entry_xy = (float(entry_xy[0]), float(entry_xy[1]))
        self.start = pd.Timestamp(start)
        self.output_every = output_every
        self.results: list[xr.Dataset] = []
        self._t_s = model.time

    def __call__(self, time: pd.Timestamp, release_m3s: float) -> dict[str, float]:
        """Run the model to ``time`` with ``release_m3s`` over the interval just ended."""
        t_s = (pd.Timestamp(time) - self.start).total_seconds()
        if t_s > self._t_s:
            # the release flows over [previous decision, now) and stops at now
            pulse = xr.DataArray(
                [release_m3s, release_m3s, 0.0],
                coords={"time": [self._t_s, max(t_s - 1.0, self._t_s + 0.5), t_s]},
                dims="time",
                attrs={"units": "m3 s-1"},
            )
            self.model.add_inflow(x=self.entry_xy[0], y=self.entry_xy[1], discharge=pulse)
            self.results.append(self.model.run(until=t_s, output_every=self.output_every))
            self._t_s = t_s
        depth = self.model.depth.values
        return {g: float(self._bed[r, c] + depth[r, c]) for g, (r, c) in self._cells.items()}
