"""Where the files the app serves itself live (vendored Leaflet, the map page)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
