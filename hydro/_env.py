"""Process settings the solver needs before numba starts its first parallel region.

numba's default threading layer here is OpenMP (GNU libgomp). Between parallel regions its
worker threads spin-wait (by default for ~300,000 iterations, about 0.1-1 ms) before they
sleep: the solver runs three short parallel regions per time step, so idle workers keep
every core busy while the main thread does the Python part of the step, and on a shared
machine (a web API, other models, a Dask worker next door) they steal the cores the others
need. ``OMP_WAIT_POLICY=passive`` makes them sleep at once; libgomp reads it when it is
loaded, which numba does lazily at the first parallel call, so setting it on import of
``hydro`` is early enough unless numba already ran parallel code in this process. Sleeping
at once has a price too: waking a worker takes tens of microseconds, three times a step, which
on a 500 × 500 grid cost a quarter of the two-thread speed. ``GOMP_SPINCOUNT=5000`` (which
libgomp honours even with the passive policy) lets a worker spin for a few thousand ``pause``
instructions (a fraction of a millisecond) before it sleeps: long enough to bridge the Python
between the regions of one step, too short to hold a core once a run is over. A value the
user set wins. The threading layer itself is left to numba (``NUMBA_THREADING_LAYER``):
TBB, where installed, does not spin, and "workqueue" is not safe from several threads.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
os.environ.setdefault("GOMP_SPINCOUNT", "5000")
