"""The one exception type of the layers package."""

from __future__ import annotations

__all__ = ["LayerError"]


class LayerError(ValueError):
    """A city layer is missing, malformed or inconsistent.

    The message lists every problem found (file, layer, row ids, what is wrong,
    how to fix it), so that one run of a check tells the user everything.

    Parameters
    ----------
    problems
        One line per problem. A single string is accepted too.
    """

    def __init__(self, problems: list[str] | str) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        n = len(self.problems)
        head = "1 problem" if n == 1 else f"{n} problems"
        super().__init__(f"{head}:\n" + "\n".join(f"  - {p}" for p in self.problems))
