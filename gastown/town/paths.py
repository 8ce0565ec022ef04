"""Where things are in a town, and how a command finds its town."""
from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path

from gastown.errors import GastownError

TYPE_CHECKING = False  # typing is slow to import and the git hooks import this
if TYPE_CHECKING:
    from typing import Any

TOWN_FILE = "town.toml"


class Town(namedtuple("Town", "root")):
    """A town by its root folder (a namedtuple: dataclasses cost the hot path 10 ms and
    typing.NamedTuple imports typing)."""

    __slots__ = ()
    root: Path

    @property
    def beads(self) -> Path:
        return self.root / "beads"

    @property
    def state(self) -> Path:
        """Ignored runtime state: locks, index, wisps, logs."""
        return self.root / ".gastown"

    @property
    def write_lock(self) -> Path:
        """The lock every ledger writer holds (see gastown.beads.store)."""
        return self.root / ".gastown" / "locks" / "write.lock"

    def ledger_file(self, stem: str) -> Path:
        return self.beads / f"{stem}.jsonl"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def config(self) -> dict[str, Any]:
        import tomllib

        path = self.root / TOWN_FILE
        try:
            with open(path, "rb") as f:
                return tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise GastownError(f"{path}: {e}") from None

    def prefix(self) -> str:
        return str(self.config().get("town", {}).get("prefix", "gt"))


def is_town(path: Path) -> bool:
    return (path / TOWN_FILE).is_file() and (path / "beads").is_dir()


def find_town(start: str | os.PathLike[str] | None = None) -> Town:
    """The town named by GT_TOWN, else the nearest folder up from `start` that is one."""
    env = os.environ.get("GT_TOWN")
    if env and start is None:
        root = Path(env)
        if not is_town(root):
            raise GastownError(f"GT_TOWN={env} is not a town (no {TOWN_FILE} and beads/)")
        return Town(root.resolve())
    here = Path(start or os.getcwd()).resolve()
    for candidate in (here, *here.parents):
        if is_town(candidate):
            return Town(candidate)
    raise GastownError(
        f"not inside a town: no {TOWN_FILE} with a beads/ folder in {here} or above "
        "(create one with `gt install DIR`, or set GT_TOWN)"
    )
