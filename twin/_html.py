"""HTML files that work with no internet: folium maps saved with Leaflet inlined.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs; offline the page
stops at ``L is not defined``. The twin's maps use only Leaflet (circle markers, no
awesome-markers icons, legends as plain HTML), so the saved file carries the vendored
Leaflet (``twin/static/leaflet``, also served by the service at ``/static/leaflet``) inline,
its images as data URLs. Base map tiles still come from the network when there is one.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import folium

from twin._errors import TwinError

__all__ = ["LEAFLET_DIR", "save_offline"]

#: The vendored Leaflet (JS, CSS, images; BSD-2 licence in the folder).
LEAFLET_DIR = Path(__file__).parent / "static" / "leaflet"
_REMOTE = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(https?://[^"]+)"')


@cache
def _leaflet_css() -> str:
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = (LEAFLET_DIR / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    return re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)


@cache
def _leaflet_js() -> str:
    return (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")


def save_offline(fmap: folium.Map, path: str | Path) -> None:
    """Save ``fmap`` as one HTML file that loads no script or style from the internet.

    Raises
    ------
    TwinError
        When an element of the map still links a script or style on the internet (a folium
        plugin the twin does not vendor); nothing is written then.
    """
    fmap.default_js = []
    fmap.default_css = []
    header = fmap.get_root().header  # type: ignore[attr-defined]
    header.add_child(folium.Element(f"<style>{_leaflet_css()}</style>"), name="leaflet_css")
    header.add_child(folium.Element(f"<script>{_leaflet_js()}</script>"), name="leaflet")
    html = fmap.get_root().render()
    remote = sorted(set(_REMOTE.findall(html)))
    if remote:
        raise TwinError(f"the map would load {', '.join(remote)} from the internet")
    Path(path).write_text(html, encoding="utf-8")
