"""The README's Python example runs as written (a new user copies it into a notebook)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_readme_has_a_python_example() -> None:
    assert _python_blocks(), "README.md lost its Python example"


@pytest.mark.slow
@pytest.mark.parametrize("block", _python_blocks())
def test_readme_python_example_runs(block: str) -> None:
    exec(compile(block, str(README), "exec"), {"__name__": "readme_example"})
