"""Vietnamese text without diacritics, for ``name_ascii`` columns and look-ups."""

from __future__ import annotations

import unicodedata

__all__ = ["to_ascii"]

# đ/Đ are letters of their own, not d plus a mark, so NFD does not split them.
_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def to_ascii(text: str) -> str:
    """Drop the diacritics of a Vietnamese name.

    Parameters
    ----------
    text
        Any text.

    Returns
    -------
    str
        The same text in ASCII letters where Vietnamese letters were.

    Examples
    --------
    >>> to_ascii("Kiệt 32 Lê Văn Hưu, Đông Ba")
    'Kiet 32 Le Van Huu, Dong Ba'
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
