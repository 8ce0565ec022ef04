"""`gt install DIR`: make a town (a git repository laid out for gastown), or top one up."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from gastown import git
from gastown.beads import schema
from gastown.errors import GastownError, UsageError
from gastown.town.paths import TOWN_FILE, Town, is_town

GITIGNORE = """\
# gastown runtime state: locks, index, wisps, nudge queues, logs (never committed)
.gastown/
# rig runtime folders: bare clones, refinery worktrees, polecats, crew
rigs/*/*
!rigs/*/rig.toml
!rigs/*/formulas/
"""

# `-text`: git never converts a ledger file's line endings (core.autocrlf, eol), so
# the bytes committed are the bytes every clone reads and writes.
LEDGER_ATTRIBUTES = "beads/*.jsonl merge=beads -text"
# The hook shims are sh scripts: a CRLF checkout (core.autocrlf) would break them.
HOOK_ATTRIBUTES = "githooks/* text eol=lf"
GITATTRIBUTES = f"""\
# Ledger files merge bead by bead (see `bd merge`) and are stored byte for byte.
{LEDGER_ATTRIBUTES}
# The git hook shims keep LF endings in every checkout.
{HOOK_ATTRIBUTES}
"""

TASKS_PY = """\
# `inv -l` in this town lists every gastown command (the same ones `gt` runs).
from gastown.cli.tasks import namespace  # noqa: F401
"""


def town_toml(name: str, prefix: str) -> str:
    return f"""\
[town]
name = "{name}"
prefix = "{prefix}"
default_runtime = "shell"

[limits]
max_polecats = 8
"""


@dataclass(frozen=True)
class InstallResult:
    town: Town
    created: bool
    changed: list[str]  # files written (and committed)
    commit: str | None
    configured: list[str]  # git settings set (they are not cloned with the town)


GIT_SETTINGS = ("core.hooksPath", "merge.beads.driver")


def _git_settings(root: Path) -> dict[str, str]:
    return {key: git.git(root, "config", key, check=False).stdout.decode().strip()
            for key in GIT_SETTINGS}


def _check_target(root: Path) -> bool:
    """True if `root` is already a town; refuses a non-empty folder that is not one."""
    if root.exists() and not root.is_dir():
        raise GastownError(f"{root} exists and is not a directory")
    if not root.exists():
        return False
    if is_town(root):
        return True
    entries = [p.name for p in root.iterdir()]
    if entries:
        shown = ", ".join(sorted(entries)[:5]) + (" ..." if len(entries) > 5 else "")
        raise GastownError(
            f"{root} is not empty and is not a town (has {shown}); "
            "pick an empty or new folder"
        )
    return False


def _write_if_missing(path: Path, text: str, changed: list[str], root: Path) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path.relative_to(root).as_posix())


MERGE_ARGS = "merge %A %O %A %B %P"


def merge_driver() -> str:
    """`bd merge ...` with this installation's `bd`, so git finds it without a venv."""
    import shlex
    import shutil

    beside = Path(sys.executable).parent / "bd"
    exe = str(beside) if beside.is_file() else shutil.which("bd") or "bd"
    return f"{shlex.quote(exe)} {MERGE_ARGS}"


def _configure_git(root: Path) -> None:
    git.git(root, "config", "merge.beads.name", "gastown bead-level merge")
    git.git(root, "config", "merge.beads.driver", merge_driver())
    git.git(root, "config", "core.looseCompression", "0")  # see gastown.beads.packing
    for key, value in (("user.name", "gastown"), ("user.email", "gastown@localhost")):
        if git.git(root, "config", key, check=False).returncode != 0:
            git.git(root, "config", key, value)


def install(directory: str | os.PathLike[str], *, name: str | None = None,
            prefix: str = "gt") -> InstallResult:
    """Create the town at `directory` (or complete an existing one) and commit it."""
    from gastown.beads.ids import PREFIX_RE

    if not PREFIX_RE.match(prefix):
        raise UsageError(f"--prefix {prefix!r}: use letters, digits, '_' and '-'")
    root = Path(directory).expanduser().absolute()
    existed = _check_target(root)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / ".git").exists():
        git.git(root, "init", "-q", "-b", "main")
    changed: list[str] = []
    _write_if_missing(root / TOWN_FILE, town_toml(name or root.name, prefix), changed, root)
    _write_if_missing(root / "tasks.py", TASKS_PY, changed, root)
    _write_if_missing(root / ".gitignore", GITIGNORE, changed, root)
    _write_if_missing(root / ".gitattributes", GITATTRIBUTES, changed, root)
    for stem in schema.LEDGER_FILES:
        _write_if_missing(root / "beads" / f"{stem}.jsonl", "", changed, root)
    _write_if_missing(root / "formulas" / ".gitkeep", "", changed, root)
    _write_if_missing(root / "rigs" / ".gitkeep", "", changed, root)
    from gastown.githooks.install import install_shims

    before = _git_settings(root)
    changed.extend(install_shims(root))
    _configure_git(root)
    after = _git_settings(root)
    configured = [key for key in GIT_SETTINGS if before[key] != after[key]]
    (root / ".gastown").mkdir(exist_ok=True)
    commit = None
    if changed:
        git.git(root, "add", "--", *changed)
        message = "gt install: town " + (name or root.name) if not existed else "gt install: top up town"
        git.git(root, "commit", "-q", "--no-verify", "-m", message, "--", *changed,
                env={**os.environ, "GT_WRITER": "1"})
        commit = git.out(root, "rev-parse", "HEAD")
    from gastown.githooks.reactor import read_cursor, write_cursor

    if read_cursor(Town(root)) is None:
        write_cursor(Town(root), git.out(root, "rev-parse", "HEAD"))
    return InstallResult(Town(root), not existed, changed, commit, configured)
