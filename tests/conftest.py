"""Shared fixtures: an isolated environment, real git towns, in-process runners."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gastown.town.install import install
from gastown.town.paths import Town

BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real HOME, global git config or crash folder."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GT_TOWN", "BD_ACTOR", "GT_AGENT", "GT_RIG", "GT_ROLE", "GT_WRITER",
                "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GT_PYTHON"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("BD_ACTOR", "tester")
    # Writers react inline so a test sees the reactions of its own writes; the
    # event-bus tests set GT_REACT=detached where that is the point.
    monkeypatch.setenv("GT_REACT", "inline")
    # New merge requests do not start a background Refinery unless a test wants one.
    monkeypatch.setenv("GT_REFINERY_AUTOSTART", "0")
    monkeypatch.setenv("PATH", f"{BIN}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def town(tmp_path: Path) -> Town:
    """A freshly installed town in a temp dir (real git repository)."""
    return install(tmp_path / "town", prefix="gt").town


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    def assert_success(self) -> Outcome:
        assert self.code == 0, f"exit {self.code}\nstdout:\n{self.out}\nstderr:\n{self.err}"
        return self

    def assert_failure(self, code: int = 1) -> Outcome:
        assert self.code == code, f"exit {self.code} (wanted {code})\n{self.out}\n{self.err}"
        return self

    def json(self) -> object:
        import json

        return json.loads(self.out)


def _in_process(entry: Callable[[], object], argv: list[str], cwd: Path) -> Outcome:
    out_b, err_b = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_b, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_b, encoding="utf-8", write_through=True)
    old_argv, old_cwd = sys.argv, os.getcwd()
    code = 0
    try:
        sys.argv = argv
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                result = entry()
                code = result if isinstance(result, int) else 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv = old_argv
        os.chdir(old_cwd)
    return Outcome(code, out_b.getvalue().decode(), err_b.getvalue().decode())


@pytest.fixture
def bd(town: Town) -> Callable[..., Outcome]:
    """Run `bd ARGS` in-process in the town; returns an Outcome."""
    from gastown.beads.cli import main

    def run(*args: str, cwd: Path | None = None) -> Outcome:
        return _in_process(lambda: main(list(args)), ["bd", *args], cwd or town.root)

    return run


@pytest.fixture
def gt(town: Town) -> Callable[..., Outcome]:
    """Run `gt ARGS` in-process in the town; returns an Outcome."""
    from gastown.cli.gt import run as gt_run

    def run(*args: str, cwd: Path | None = None) -> Outcome:
        return _in_process(lambda: gt_run(list(args)), ["gt", *args],
                           cwd or town.root)

    return run


def run_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                timeout: float = 120) -> Outcome:
    """Run a real process (e.g. the installed `bd`) and capture its outcome."""
    exe = shutil.which(args[0], path=str(BIN)) or args[0]
    proc = subprocess.run([exe, *args[1:]], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def git_out(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def git_log(town: Town) -> Callable[[], list[str]]:
    return lambda: git_out(town.root, "log", "--format=%s").splitlines()


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)
