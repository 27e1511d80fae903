"""hydro: a local-inertial 2D flood model on a raster (Bates et al. 2010; de Almeida et al. 2012).

Pure and deterministic; xarray in, xarray out. Never imports geopandas, twin or api.
"""

from hydro import (  # noqa: F401  (before the kernels)
    _compile,  # where numba caches the kernels; a word while it compiles them
    _env,  # OMP_WAIT_POLICY before numba starts threads
)
from hydro._errors import HydroError
from hydro._from_lisflood import run_lisflood
from hydro._infiltration import per_class
from hydro.accessor import FloodAccessor, Gauge
from hydro.conditioning import fill_pits
from hydro.hazard import hazard_class, hazard_rating
from hydro.model import FloodModel
from hydro.reservoir import Reservoir, measured_release, release_hydrograph
from hydro.runoff import gr4h_runoff, scs_runoff
from hydro.water import connected_below

__all__ = [
    "FloodAccessor",
    "FloodModel",
    "Gauge",
    "HydroError",
    "Reservoir",
    "connected_below",
    "fill_pits",
    "gr4h_runoff",
    "hazard_class",
    "hazard_rating",
    "measured_release",
    "per_class",
    "release_hydrograph",
    "run_lisflood",
    "scs_runoff",
]
