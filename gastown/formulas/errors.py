"""Formula problems: each names a file and line; many of them make one FormulaError."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gastown.errors import GastownError


@dataclass(frozen=True)
class Problem:
    """One mistake in a formula file. `line` is 1-based, or None when no line applies."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"

    def sort_key(self) -> tuple[str, int, str]:
        return (self.path, self.line or 0, self.reason)


def problem(path: str | Path, line: int | None, reason: str) -> Problem:
    return Problem(str(path), line, reason)


def tidy(problems: Iterable[Problem]) -> list[Problem]:
    """Drop exact duplicates (composed formulas can meet one mistake twice); sort by file, line."""
    return sorted(set(problems), key=Problem.sort_key)


class FormulaError(GastownError):
    """A formula could not be loaded or cooked.

    `path`, `line`, `reason` describe the first problem; `problems` holds all of them.
    The message is one `path:line: reason` per problem, one per line.
    """

    def __init__(self, path: str | Path, line: int | None = None, reason: str = "",
                 *, problems: Iterable[Problem] | None = None) -> None:
        found = tidy(problems) if problems is not None else [Problem(str(path), line, reason)]
        if not found:
            found = [Problem(str(path), line, reason or "invalid formula")]
        self.problems: list[Problem] = found
        first = found[0]
        self.path = first.path
        self.line = first.line
        self.reason = first.reason
        super().__init__("\n".join(str(p) for p in found))

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> FormulaError:
        """One error carrying every problem (there must be at least one)."""
        found = tidy(problems)
        first = found[0]
        return cls(first.path, first.line, first.reason, problems=found)
