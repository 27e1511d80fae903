"""A small TOML writer for ``city.toml`` (read with the standard library's ``tomllib``).

It writes what a city's metadata holds: strings, numbers, booleans, lists of those (a table
in a list is written inline: ``stations = [{ id = "thuan-an", kind = "river" }]``), and
nested tables. Keys are sorted inside each table so that the file is the same bytes on
every run.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(value[k])}" for k in sorted(value)) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML: {value!r}")


def _table(table: Mapping[str, Any], prefix: str, out: list[str]) -> None:
    scalars = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
    tables = {k: v for k, v in table.items() if isinstance(v, Mapping)}
    if prefix and (scalars or not tables):
        out.append(f"\n[{prefix}]")
    for key in sorted(scalars):
        out.append(f"{_key(key)} = {_value(scalars[key])}")
    for key in sorted(tables):
        _table(tables[key], f"{prefix}.{_key(key)}" if prefix else _key(key), out)


def dumps_toml(data: Mapping[str, Any]) -> str:
    """Write a mapping as TOML text.

    Parameters
    ----------
    data
        Nested mappings of strings, numbers, booleans and lists.

    Returns
    -------
    str
        TOML text ending with a newline.

    Examples
    --------
    >>> import tomllib
    >>> text = dumps_toml({"name": "Huế", "sources": {"dem": "synthetic"}})
    >>> tomllib.loads(text)
    {'name': 'Huế', 'sources': {'dem': 'synthetic'}}
    """
    out: list[str] = []
    _table(data, "", out)
    return "\n".join(out).lstrip("\n") + "\n"
