"""Where the files the app serves itself live (vendored Leaflet, the map page)."""

from __future__ import annotations

from pathlib import Path

from twin._html import LEAFLET_DIR

__all__ = ["LEAFLET_DIR", "STATIC_DIR"]

STATIC_DIR = Path(__file__).parent / "static"
