"""The ``ds.flood`` accessor: point series, exceedance, hazard, maps and hydrographs.

Registered on ``import hydro`` for any :class:`xarray.Dataset` shaped like a
:meth:`hydro.FloodModel.run` result: ``depth``, ``wse``, ``speed`` over ``(time, y, x)``
(extra leading dimensions such as ``member`` pass through), ``max_depth`` and friends over
``(y, x)``, projected ``x``/``y`` coordinates in metres and the CRS set with rioxarray.
``time`` is elapsed seconds (float) or ``datetime64``.

Nothing here imports geopandas: ward outlines are duck-typed (anything with
``.boundary.plot``, a ``__geo_interface__`` geometry, or ``(lon, lat)`` arrays).

Examples
--------
>>> import hydro
>>> from hydro.accessor import example_result
>>> ds = example_result()
>>> float(ds.flood.at(x=776525.0, y=1821625.0).depth.max())
0.9
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import rioxarray  # noqa: F401  (registers the .rio accessor used for the CRS)
import xarray as xr
from pyproj import CRS, Transformer

from hydro._accessor_maps import (
    draw_outlines,
    map_title,
    style_colormap,
    style_stepmap,
    to_web_mercator,
)
from hydro._errors import HydroError
from hydro.hazard import LandUse, hazard_class, hazard_rating
from hydro.styles import style_for

if TYPE_CHECKING:
    import folium
    from matplotlib.axes import Axes

__all__ = ["FloodAccessor", "Gauge", "example_result"]

_ALARM_COLOURS = ("#e6b800", "#f07800", "#d62728")


@dataclass(frozen=True)
class Gauge:
    """A point where a water level is read, with its alarm levels (metres, NaN if unknown).

    Parameters
    ----------
    x, y
        Position in the Dataset's projected CRS (metres).
    name
        Label for plots.
    alarm_levels_m
        Alarm levels in rising order (BĐ1, BĐ2, BĐ3 for Vietnamese river gauges).
    """

    x: float
    y: float
    name: str = "gauge"
    alarm_levels_m: tuple[float, ...] = field(default_factory=tuple)


@xr.register_dataset_accessor("flood")
class FloodAccessor:
    """Flood-result helpers on an :class:`xarray.Dataset` (``ds.flood``).

    Parameters
    ----------
    ds
        A flood result (see the module docstring for the expected variables).
    """

    def __init__(self, ds: xr.Dataset) -> None:
        self._ds = ds

    # -- geometry ---------------------------------------------------------------------------

    @property
    def crs(self) -> CRS | None:
        """The Dataset's CRS (from rioxarray), or None when none is set."""
        crs = self._ds.rio.crs
        return None if crs is None else CRS.from_user_input(crs.to_wkt())

    def to_xy(self, lon: float, lat: float) -> tuple[float, float]:
        """Project a WGS 84 lon/lat to the Dataset's CRS.

        Examples
        --------
        >>> from hydro.accessor import example_result
        >>> x, y = example_result().flood.to_xy(107.5898179, 16.4603091)
        >>> round(x), round(y)
        (776525, 1821625)
        """
        crs = self._require_crs("lon/lat")
        transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        x, y = transformer.transform(lon, lat)
        return float(x), float(y)

    def at(
        self,
        *,
        x: float | None = None,
        y: float | None = None,
        lon: float | None = None,
        lat: float | None = None,
        search_m: float = 0.0,
    ) -> xr.Dataset:
        """Everything at the cell that holds a point: time series and per-cell maxima.

        Give either projected ``x`` and ``y`` (metres, the Dataset's CRS) or WGS 84 ``lon``
        and ``lat`` (transformed with pyproj).

        Parameters
        ----------
        x, y, lon, lat
            The point.
        search_m
            With a radius (m), take the wettest cell (largest ``max_depth``, over every
            member) whose centre lies within it instead of the cell under the point: a river
            gauge stands on the bank, and its water is in the channel next to it.

        Returns
        -------
        xarray.Dataset
            The Dataset at that cell (its ``x``/``y`` are the cell centre's);
            ``attrs["point_x"]``/``attrs["point_y"]`` hold the point asked for.

        Raises
        ------
        HydroError
            When both or neither pair is given, or the point lies outside the grid.

        Examples
        --------
        >>> from hydro.accessor import example_result
        >>> ds = example_result()
        >>> ds.flood.at(lon=107.5898179, lat=16.4603091).depth.values.tolist()
        [0.0, 0.3, 0.6, 0.9]
        >>> float(ds.flood.at(x=776525.0, y=1821625.0, search_m=15).x)  # wetter to the east
        776535.0
        """
        px, py = self._point(x=x, y=y, lon=lon, lat=lat)
        if search_m < 0 or not np.isfinite(search_m):
            raise HydroError(f"search_m must be a distance >= 0 m, got {search_m!r}")
        out = self._ds.sel(x=px, y=py, method="nearest")
        if search_m > 0:
            out = self._ds.isel(self._wettest_cell(float(out.x), float(out.y), search_m))
        out.attrs = {**out.attrs, "point_x": px, "point_y": py}
        return out

    def _wettest_cell(self, x0: float, y0: float, radius: float) -> dict[str, int]:
        peak = self._var("max_depth")
        extra = [d for d in peak.dims if d not in ("y", "x")]
        peak = peak.max(extra) if extra else peak
        xs = self._ds["x"].values.astype(float)
        ys = self._ds["y"].values.astype(float)
        near = (xs[None, :] - x0) ** 2 + (ys[:, None] - y0) ** 2 <= radius**2
        values = np.where(near, np.nan_to_num(peak.transpose("y", "x").values, nan=-1.0), -np.inf)
        row, col = np.unravel_index(int(np.argmax(values)), values.shape)
        return {"y": int(row), "x": int(col)}

    # -- analysis ---------------------------------------------------------------------------

    def exceedance(self, depth: float = 0.5) -> xr.Dataset:
        """Where and for how long the water depth passed a threshold.

        Depth is taken to vary linearly between output times, so a crossing between two
        outputs is placed where the line crosses the threshold; "passed" means strictly
        deeper than ``depth``.

        Parameters
        ----------
        depth
            Threshold depth (m), >= 0.

        Returns
        -------
        xarray.Dataset
            ``exceeded`` (bool: deeper than the threshold at some output time),
            ``duration_s`` (seconds above the threshold) and ``first_time`` (when it was
            first passed, NaN/NaT if never; same kind as ``time``), over ``(y, x)`` and any
            extra dimensions. Lazy (Dask-backed) input stays lazy.

        Examples
        --------
        >>> from hydro.accessor import example_result
        >>> ex = example_result().flood.exceedance(depth=0.5)
        >>> ex.duration_s.isel(y=0).values.tolist()
        [0.0, 300.0, 800.0, 1050.0, 1200.0]
        >>> ex.first_time.isel(y=0).values.tolist()
        [nan, 1500.0, 1000.0, 750.0, 600.0]
        """
        if not np.isfinite(depth) or depth < 0:
            raise HydroError(f"depth threshold must be a finite number >= 0 m, got {depth!r}")
        h = self._var("depth", need_time=True)
        seconds, start = _elapsed(self._ds["time"])
        if np.any(np.diff(seconds) <= 0):
            raise HydroError("time must increase strictly; sort the Dataset with ds.sortby('time')")
        above = h > depth
        exceeded = above.any("time")
        if h.sizes["time"] == 1:
            duration = xr.zeros_like(h.isel(time=0, drop=True), dtype=float)
            first = xr.where(above.isel(time=0, drop=True), float(seconds[0]), np.nan)
        else:
            duration, first = _crossings(h, seconds, depth)
        duration = duration.where(exceeded, 0.0)
        first = first.where(exceeded)
        if start is not None:
            first = _to_datetime(first, start)
        duration.attrs = {"units": "s", "long_name": f"time with depth above {depth:g} m"}
        first.attrs = {"long_name": f"first time depth passed {depth:g} m"}
        if start is None:
            first.attrs["units"] = self._ds["time"].attrs.get("units", "s")
        exceeded.attrs = {"long_name": f"depth above {depth:g} m at some time"}
        out = xr.Dataset({"exceeded": exceeded, "duration_s": duration, "first_time": first})
        out.attrs = {"threshold_depth_m": float(depth)}
        return _keep_crs(out, self._ds)

    def hazard(self, *, land_use: LandUse = "urban") -> xr.Dataset:
        """Defra/EA hazard rating and class over time (see :mod:`hydro.hazard`).

        Parameters
        ----------
        land_use
            ``"urban"`` (default), ``"woodland"`` or ``"pasture"``: sets the debris factor.

        Returns
        -------
        xarray.Dataset
            ``hazard_rating`` and ``hazard_class`` (int8, 0 low .. 3 danger for all) over
            ``(time, y, x)``, and ``max_hazard_class`` over ``(y, x)``. Lazy input stays lazy.

        Examples
        --------
        >>> from hydro.accessor import example_result
        >>> hz = example_result().flood.hazard()
        >>> hz.hazard_rating.isel(time=3, y=0).values.round(2).tolist()
        [1.3, 1.6, 1.9, 2.2, 2.5]
        >>> hz.max_hazard_class.isel(y=0).values.tolist()
        [2, 2, 2, 3, 3]
        """
        if land_use not in ("urban", "woodland", "pasture"):
            raise HydroError(f"land_use must be urban, woodland or pasture, got {land_use!r}")
        h = self._var("depth", need_time=True)
        v = self._var("speed", need_time=True)
        rating = xr.apply_ufunc(
            _rating_array,
            h,
            v,
            kwargs={"land_use": land_use},
            dask="parallelized",
            output_dtypes=[np.float64],
        )
        klass = xr.apply_ufunc(_class_array, rating, dask="parallelized", output_dtypes=[np.int8])
        rating.attrs = {"units": "1", "long_name": "flood hazard rating d*(v+0.5)+DF (FD2321)"}
        class_attrs = {
            "units": "1",
            "long_name": "flood hazard class (FD2321)",
            "flag_values": [0, 1, 2, 3],
            "flag_meanings": "low danger_for_some danger_for_most danger_for_all",
        }
        klass.attrs = dict(class_attrs)
        peak = klass.max("time")
        peak.attrs = {**class_attrs, "long_name": "highest flood hazard class over the run"}
        out = xr.Dataset({"hazard_rating": rating, "hazard_class": klass, "max_hazard_class": peak})
        out.attrs = {"land_use": land_use}
        return _keep_crs(out, self._ds)

    # -- plots ------------------------------------------------------------------------------

    def plot(
        self,
        variable: str = "max_depth",
        *,
        time: Any = None,
        wards: Any = None,
        ax: Axes | None = None,
        cmap: str | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        mask_zero: bool = True,
    ) -> Axes:
        """A map of one variable with a labelled colour bar and, optionally, ward outlines.

        Parameters
        ----------
        variable
            A variable over ``(y, x)`` or ``(time, y, x)``; default ``"max_depth"``.
        time
            For a variable over time: the time label to show (nearest); default the last.
        wards
            Outlines to draw: a GeoDataFrame/GeoSeries (anything with ``.boundary.plot``;
            reprojected with ``.to_crs`` when it has a ``crs``), a geometry or list of
            geometries with ``__geo_interface__`` in the Dataset's CRS, or a ``(lon, lat)``
            pair of arrays (rings separated by NaN).
        ax
            Axes to draw on; a new figure when None.
        cmap, vmin, vmax
            A continuous matplotlib colour map and its limits; by default a variable of the
            style table (:mod:`hydro.styles`) is drawn in its classes and colours.
        mask_zero
            Leave cells whose value is 0 (dry) transparent.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from hydro.accessor import example_result
        >>> ax = example_result().flood.plot()
        >>> ax.figure.axes[1].get_ylabel()
        'maximum water depth [m]'
        """
        import matplotlib.pyplot as plt

        da = self._map_field(variable, time)
        if mask_zero:
            da = da.where(da != 0)
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 6), layout="constrained")
        label = f"{da.attrs.get('long_name', variable)} [{da.attrs.get('units', '-')}]"
        style = style_for(variable) if cmap is None else None
        if style is not None:
            colours, norm = style_colormap(style)
            da.plot.imshow(ax=ax, cmap=colours, norm=norm, cbar_kwargs={"label": label})
        else:
            da.plot.imshow(
                ax=ax, cmap=cmap or "Blues", vmin=vmin, vmax=vmax, cbar_kwargs={"label": label}
            )
        if wards is not None:
            draw_outlines(ax, wards, self.crs)
        ax.set_aspect("equal")
        ax.set_xlabel("x [m]")
        ax.set_ylabel("y [m]")
        ax.set_title(map_title(da, variable))
        return ax

    def explore(
        self,
        variable: str = "max_depth",
        *,
        time: Any = None,
        wards: Any = None,
        cmap: str | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        opacity: float = 0.75,
        tiles: str | None = "OpenStreetMap",
    ) -> folium.Map:
        """An interactive folium map of one variable (Web Mercator overlay with a legend).

        Parameters
        ----------
        variable, time, cmap, vmin, vmax
            As for :meth:`plot` (the style table's classes by default); cells equal to 0 are
            transparent.
        wards
            A GeoDataFrame (anything with ``to_crs`` and ``to_json``) drawn as outlines.
        opacity
            Opacity of the flood layer, 0..1.
        tiles
            Folium base tiles, or None for none.

        Returns
        -------
        folium.Map

        Examples
        --------
        >>> from hydro.accessor import example_result
        >>> m = example_result().flood.explore()
        >>> type(m).__name__, "maximum water depth" in m.get_root().render()
        ('Map', True)
        """
        import branca.colormap
        import folium
        from matplotlib import colormaps

        crs = self._require_crs("explore()")
        da = self._map_field(variable, time).astype(float)
        values, bounds = to_web_mercator(da.where(da != 0), crs)
        caption = f"{da.attrs.get('long_name', variable)} [{da.attrs.get('units', '-')}]"
        style = style_for(variable) if cmap is None else None
        legend: branca.colormap.ColorMap
        if style is not None:
            rgba = style.rgba(values)
            rgba[..., 3] = np.where(rgba[..., 3] > 0, 255, 0)
            legend = style_stepmap(style, caption)
        else:
            finite = values[np.isfinite(values)]
            lo = float(vmin if vmin is not None else (finite.min() if finite.size else 0.0))
            hi = float(vmax if vmax is not None else (finite.max() if finite.size else 1.0))
            hi = hi if hi > lo else lo + 1.0
            colour_map = colormaps[cmap or "Blues"]
            unit = colour_map(np.clip((values - lo) / (hi - lo), 0.0, 1.0))
            unit[..., 3] = np.where(np.isfinite(values), 1.0, 0.0)
            rgba = (unit * 255).astype(np.uint8)
            colours = [colour_map(f) for f in np.linspace(0, 1, 8)]
            legend = branca.colormap.LinearColormap(colours, vmin=lo, vmax=hi, caption=caption)
        fmap = folium.Map(tiles=tiles, control_scale=True)
        folium.raster_layers.ImageOverlay(
            image=rgba,
            bounds=bounds,
            opacity=opacity,
            mercator_project=False,
            name=variable,
        ).add_to(fmap)
        if wards is not None:
            geo = wards.to_crs("EPSG:4326") if getattr(wards, "crs", None) is not None else wards
            folium.GeoJson(
                geo.to_json(),
                name="wards",
                style_function=lambda _: {"fill": False, "color": "#333", "weight": 1},
            ).add_to(fmap)
        legend.add_to(fmap)
        folium.LayerControl().add_to(fmap)
        fmap.fit_bounds(bounds)
        return fmap

    def hydrograph(
        self,
        gauge: Any,
        *,
        variable: str = "wse",
        search_m: float = 0.0,
        ax: Axes | None = None,
    ) -> Axes:
        """The water level over time at a gauge, with its alarm levels as lines.

        Parameters
        ----------
        gauge
            ``(x, y)`` in the Dataset's CRS; a :class:`Gauge`; a mapping or object (a
            GeoDataFrame row works) with ``x``/``y``, ``lon``/``lat`` or a point
            ``geometry`` (in the Dataset's CRS), optional ``name`` and alarm levels
            ``alarm1_m``, ``alarm2_m``, ``alarm3_m`` (NaN ones are skipped) or
            ``alarm_levels_m``.
        variable
            The level to plot; default the water surface elevation ``"wse"``.
        search_m
            Read the wettest cell within this radius (m) of the gauge (see :meth:`at`).
        ax
            Axes to draw on; a new figure when None.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from hydro.accessor import example_result
        >>> g = {"name": "Kim Long", "x": 776525.0, "y": 1821625.0, "alarm1_m": 1.5}
        >>> ax = example_result().flood.hydrograph(g)
        >>> [t.get_text() for t in ax.get_legend().get_texts()]
        ['Kim Long', 'alarm 1: 1.50 m']
        """
        import matplotlib.pyplot as plt

        g = _as_gauge(gauge, self)
        series = self.at(x=g.x, y=g.y, search_m=search_m)[variable]
        if series.dims != ("time",):
            raise HydroError(
                f"hydrograph needs {variable!r} over time only, got dims {series.dims}; "
                "select one member first, e.g. ds.isel(member=0)"
            )
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4), layout="constrained")
        seconds, start = _elapsed(self._ds["time"])
        if start is None:
            ax.plot(seconds / 3600.0, series.values, label=g.name, color="#1f4e9c")
            ax.set_xlabel("time since start [h]")
        else:
            ax.plot(self._ds["time"].values, series.values, label=g.name, color="#1f4e9c")
            ax.set_xlabel("time [UTC]")
        for i, level in enumerate(g.alarm_levels_m):
            if np.isfinite(level):
                colour = _ALARM_COLOURS[min(i, len(_ALARM_COLOURS) - 1)]
                ax.axhline(
                    level, color=colour, ls="--", lw=1, label=f"alarm {i + 1}: {level:.2f} m"
                )
        ax.set_ylabel(
            f"{series.attrs.get('long_name', variable)} [{series.attrs.get('units', 'm')}]"
        )
        ax.set_title(g.name)
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
        return ax

    # -- internals --------------------------------------------------------------------------

    def _require_crs(self, what: str) -> CRS:
        crs = self.crs
        if crs is None:
            raise HydroError(
                f"{what} needs the Dataset's CRS; set it with ds.rio.write_crs('EPSG:32648')"
            )
        return crs

    def _var(self, name: str, *, need_time: bool = False) -> xr.DataArray:
        if name not in self._ds.data_vars:
            have = ", ".join(map(str, self._ds.data_vars)) or "none"
            raise HydroError(f"the Dataset has no {name!r} variable (it has: {have})")
        da = self._ds[name]
        if need_time and "time" not in da.dims:
            raise HydroError(f"{name!r} must have a 'time' dimension, got dims {da.dims}")
        return da

    def _point(
        self, *, x: float | None, y: float | None, lon: float | None, lat: float | None
    ) -> tuple[float, float]:
        projected = x is not None or y is not None
        geographic = lon is not None or lat is not None
        if projected == geographic:
            raise HydroError("give either x= and y= (metres) or lon= and lat= (degrees)")
        if projected:
            if x is None or y is None:
                raise HydroError("give both x= and y=")
            px, py = float(x), float(y)
        else:
            if lon is None or lat is None:
                raise HydroError("give both lon= and lat=")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise HydroError(f"lon/lat out of range: ({lon}, {lat}); lon first, then lat")
            px, py = self.to_xy(lon, lat)
        for name, value in (("x", px), ("y", py)):
            coord = self._ds[name].values
            half = abs(float(coord[1] - coord[0])) / 2 if coord.size > 1 else np.inf
            lo, hi = float(coord.min()) - half, float(coord.max()) + half
            if not lo <= value <= hi:
                raise HydroError(
                    f"point {name}={value:.1f} lies outside the grid ({lo:.1f} .. {hi:.1f}); "
                    "lon/lat given as x/y, or the wrong CRS?"
                )
        return px, py

    def _map_field(self, variable: str, time: Any) -> xr.DataArray:
        da = self._var(variable)
        if "time" in da.dims:
            da = da.isel(time=-1) if time is None else da.sel(time=time, method="nearest")
        extra = [d for d in da.dims if d not in ("y", "x")]
        if extra:
            raise HydroError(
                f"{variable!r} has extra dimensions {extra}; select one first, "
                f"e.g. ds.isel({extra[0]}=0)"
            )
        return da


def _elapsed(time: xr.DataArray) -> tuple[np.ndarray, np.datetime64 | None]:
    """Output times as float seconds, and the start when ``time`` holds datetimes."""
    values = np.asarray(time.values)
    if np.issubdtype(values.dtype, np.datetime64):
        start = values[0]
        return (values - start) / np.timedelta64(1, "s"), start
    return values.astype(float), None


def _crossings(
    h: xr.DataArray, seconds: np.ndarray, threshold: float
) -> tuple[xr.DataArray, xr.DataArray]:
    """Duration above ``threshold`` and first crossing, with depth linear between outputs."""
    d0 = h.isel(time=slice(None, -1)).drop_vars("time").rename(time="interval")
    d1 = h.isel(time=slice(1, None)).drop_vars("time").rename(time="interval")
    t0 = xr.DataArray(seconds[:-1], dims="interval")
    dt = xr.DataArray(np.diff(seconds), dims="interval")
    a0, a1 = d0 > threshold, d1 > threshold
    falling = (d0 - threshold) / (d0 - d1).where(a0 & ~a1, 1.0)
    rising = (threshold - d0) / (d1 - d0).where(~a0 & a1, 1.0)
    fraction = xr.where(a0 & a1, 1.0, xr.where(a0, falling, xr.where(a1, 1.0 - rising, 0.0)))
    duration = (fraction * dt).sum("interval")
    crossing = xr.where(a0, t0, xr.where(a1, t0 + rising * dt, np.inf))
    first = crossing.min("interval")
    return duration, first.where(np.isfinite(first))


def _to_datetime(seconds: xr.DataArray, start: np.datetime64) -> xr.DataArray:
    def convert(values: np.ndarray) -> np.ndarray:
        out = np.full(values.shape, np.datetime64("NaT", "ns"))
        ok = np.isfinite(values)
        out[ok] = start + np.round(values[ok] * 1e9).astype("timedelta64[ns]")
        return out

    return xr.apply_ufunc(
        convert, seconds, dask="parallelized", output_dtypes=[np.dtype("datetime64[ns]")]
    )


def _rating_array(depth: np.ndarray, speed: np.ndarray, *, land_use: LandUse) -> np.ndarray:
    return hazard_rating(depth, speed, land_use=land_use)


def _class_array(rating: np.ndarray) -> np.ndarray:
    return hazard_class(rating)


def _keep_crs(out: xr.Dataset, like: xr.Dataset) -> xr.Dataset:
    if "spatial_ref" in like.coords and "spatial_ref" not in out.coords:
        out = out.assign_coords(spatial_ref=like.coords["spatial_ref"])
    return out


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping) or (hasattr(obj, "get") and hasattr(obj, "index")):
        value = obj.get(name)
    else:
        value = getattr(obj, name, None)
    return value


def _as_gauge(gauge: Any, accessor: FloodAccessor) -> Gauge:
    if isinstance(gauge, Gauge):
        return gauge
    if isinstance(gauge, Sequence) and not isinstance(gauge, str) and len(gauge) == 2:
        return Gauge(x=float(gauge[0]), y=float(gauge[1]))
    x, y = _field(gauge, "x"), _field(gauge, "y")
    if x is None or y is None:
        geometry = _field(gauge, "geometry")
        lon, lat = _field(gauge, "lon"), _field(gauge, "lat")
        if geometry is not None and hasattr(geometry, "x"):
            x, y = geometry.x, geometry.y
        elif lon is not None and lat is not None:
            x, y = accessor.to_xy(float(lon), float(lat))
        else:
            raise HydroError(
                "gauge must be (x, y), a Gauge, or have x/y, lon/lat or a point geometry"
            )
    levels = _field(gauge, "alarm_levels_m")
    if levels is None:
        levels = [_field(gauge, f"alarm{i}_m") for i in (1, 2, 3)]
        while levels and levels[-1] is None:
            levels.pop()
    alarms = tuple(np.nan if v is None else float(v) for v in levels)
    name = _field(gauge, "name")
    return Gauge(float(x), float(y), str(name) if name is not None else "gauge", alarms)


def example_result(*, start: str | None = None) -> xr.Dataset:
    """A tiny synthetic flood result (4 x 5 cells of 10 m near Huế, 4 outputs) for examples.

    Depth rises linearly: ``0.1 m * k * (column + 1)`` at output ``k`` (0, 600, 1200,
    1800 s), the same in every row; speed 0.5 m/s where wet; bed 1 m; EPSG:32648.

    Parameters
    ----------
    start
        A UTC datetime string: ``time`` becomes datetimes from it instead of seconds.

    Examples
    --------
    >>> from hydro.accessor import example_result
    >>> ds = example_result()
    >>> dict(ds.sizes), ds.depth.isel(time=-1, y=0).values.round(2).tolist()
    ({'time': 4, 'y': 4, 'x': 5}, [0.3, 0.6, 0.9, 1.2, 1.5])
    """
    seconds = np.arange(4) * 600.0
    x = 776505.0 + 10.0 * np.arange(5)
    y = 1821635.0 - 10.0 * np.arange(4)
    k = np.arange(4)[:, None, None]
    j = np.arange(5)[None, None, :]
    depth = (0.1 * k * (j + 1) * np.ones((1, 4, 1))).round(6)
    speed = np.where(depth > 0, 0.5, 0.0)
    dims = ("time", "y", "x")
    ds = xr.Dataset(
        {
            "depth": (dims, depth, {"units": "m", "long_name": "water depth"}),
            "wse": (dims, 1.0 + depth, {"units": "m", "long_name": "water surface elevation"}),
            "speed": (dims, speed, {"units": "m s-1", "long_name": "depth-averaged speed"}),
            "max_depth": (
                ("y", "x"),
                depth.max(axis=0),
                {"units": "m", "long_name": "maximum water depth"},
            ),
            "max_speed": (
                ("y", "x"),
                speed.max(axis=0),
                {"units": "m s-1", "long_name": "maximum speed"},
            ),
        },
        coords={
            "time": ("time", seconds, {"units": "s", "long_name": "time since start"}),
            "y": ("y", y, {"units": "m", "standard_name": "projection_y_coordinate"}),
            "x": ("x", x, {"units": "m", "standard_name": "projection_x_coordinate"}),
        },
    )
    if start is not None:
        t0 = pd.Timestamp(start)
        t0 = t0.tz_convert("UTC").tz_localize(None) if t0.tzinfo is not None else t0
        times = t0 + pd.to_timedelta(seconds, unit="s")
        ds = ds.assign_coords(time=("time", times.values, {"long_name": "time (UTC)"}))
    return ds.rio.write_crs("EPSG:32648")
