"""Build the Huế demo city package (synthetic geometry from published facts).

Usage::

    python data/make_hue.py [--out data/hue/city]

The same bytes on every run. ``twin demo`` and ``layers.ensure_demo_city()`` build it on
first use, so running this script by hand is only needed to rebuild it somewhere else.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from layers import build_demo_city, demo_city_path


def main() -> None:
    """Parse the arguments, build the city, say where and how long it took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=demo_city_path(), help="target folder")
    args = parser.parse_args()
    start = time.perf_counter()
    path = build_demo_city(args.out)
    print(f"built {path} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
