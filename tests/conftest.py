"""Suite-wide settings. Per-package fixtures live in tests/<package>/conftest.py."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Numba compiles on first call; hypothesis' deadline would count the compilation.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=30
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
