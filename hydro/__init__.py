"""hydro: a local-inertial 2D flood model on a raster (Bates et al. 2010; de Almeida et al. 2012).

Pure and deterministic; xarray in, xarray out. Never imports geopandas, twin or api.
"""

from hydro import (  # noqa: F401  (before the kernels)
    _compile,  # where numba caches the kernels; a word while it compiles them
    _env,  # OMP_WAIT_POLICY before numba starts threads
)
from hydro._errors import HydroError
from hydro.accessor import FloodAccessor, Gauge
from hydro.hazard import hazard_class, hazard_rating
from hydro.model import FloodModel
from hydro.reservoir import Reservoir, measured_release, release_hydrograph
from hydro.runoff import gr4h_runoff, scs_runoff

__all__ = [
    "FloodAccessor",
    "FloodModel",
    "Gauge",
    "HydroError",
    "Reservoir",
    "gr4h_runoff",
    "hazard_class",
    "hazard_rating",
    "measured_release",
    "release_hydrograph",
    "scs_runoff",
]
