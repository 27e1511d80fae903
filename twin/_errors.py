"""Exception types of the twin package."""

from __future__ import annotations

__all__ = ["ConflictError", "NotFoundError", "TwinError"]


class TwinError(ValueError):
    """A request to the twin is invalid (the message says what to fix).

    Parameters
    ----------
    message
        What is wrong and how to fix it.
    problems
        Every problem found, one line each, when validation collected several.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems: list[str] = list(problems or [])
        text = message
        if self.problems:
            text += "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(text)


class NotFoundError(TwinError):
    """A thing asked for by id does not exist (HTTP 404)."""


class ConflictError(TwinError):
    """The request conflicts with the current state, e.g. a team already assigned (HTTP 409)."""
