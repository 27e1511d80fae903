"""Imports go one way: layers <- hydro <- twin <- api; hydro never imports geopandas.

Every import statement of every module counts (top level, inside functions, under
``TYPE_CHECKING``): a lower package that names a higher one, even only for a type, is tied to it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ("layers", "hydro", "twin", "api")
#: Third-party packages a package must not import.
BANNED = {"hydro": ("geopandas",)}


def _imported(module: ast.Module) -> list[tuple[int, str]]:
    """(line, top-level name) of every absolute import in a module."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def layering_violations(root: Path) -> list[str]:
    """Every import under ``root/<package>`` that goes against :data:`ORDER` or :data:`BANNED`.

    Returns
    -------
    list of str
        ``path:line: package imports name`` for each wrong import.
    """
    problems = []
    for rank, package in enumerate(ORDER):
        higher = set(ORDER[rank + 1 :])
        banned = higher | set(BANNED.get(package, ()))
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, name in _imported(tree):
                if name in banned:
                    rel = path.relative_to(root)
                    problems.append(f"{rel}:{line}: {package} imports {name}")
    return problems


def test_the_packages_import_one_way() -> None:
    assert layering_violations(ROOT) == []


@pytest.mark.parametrize(
    ("package", "source", "expected"),
    [
        ("layers", "import hydro\n", "layers/bad.py:1: layers imports hydro"),
        ("hydro", "from twin.runs import RunResult\n", "hydro/bad.py:1: hydro imports twin"),
        ("hydro", "import geopandas as gpd\n", "hydro/bad.py:1: hydro imports geopandas"),
        (
            "twin",
            "def settings():\n    from api.settings import Settings\n",
            "twin/bad.py:2: twin imports api",
        ),
    ],
)
def test_a_wrong_import_is_found(tmp_path: Path, package: str, source: str, expected: str) -> None:
    for name in ORDER:
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text('"""A package."""\n', encoding="utf-8")
    # the allowed direction passes
    (tmp_path / "api" / "ok.py").write_text("import layers\nfrom twin import x\n", "utf-8")
    assert layering_violations(tmp_path) == []
    (tmp_path / package / "bad.py").write_text(source, encoding="utf-8")
    assert layering_violations(tmp_path) == [expected]
