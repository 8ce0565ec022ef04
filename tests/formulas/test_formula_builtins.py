"""Every built-in formula validates and cooks; the demo really runs."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gastown.formulas import builtin_dir, cook, load, validate_file
from gastown.formulas.parse import formula_name_of

BUILTINS = sorted(builtin_dir().glob("*.formula.toml"))
SAMPLE_VARS = {"polecat-work": {"issue": "gt-42"}, "polecat-tdd": {"issue": "gt-42"},
               "code-review": {"change": "feature/x"}, "release": {"version": "1.2.0"}}


def test_expected_builtins_exist() -> None:
    names = {formula_name_of(p) for p in BUILTINS}
    assert names >= {"polecat-work", "refinery-patrol", "witness-patrol", "deacon-patrol",
                     "code-review", "tdd-cycle", "release", "demo"}


@pytest.mark.parametrize("path", BUILTINS, ids=[p.name for p in BUILTINS])
def test_builtin_validates_and_cooks(path: Path) -> None:
    assert validate_file(path) == []
    name = formula_name_of(path)
    formula = load(name)
    assert formula.origin == "builtin" and formula.description
    m = cook(formula, SAMPLE_VARS.get(name, {}))
    assert m.steps and len({s.id for s in m.steps}) == len(m.steps)
    seen: set[str] = set()
    for step in m.steps:
        assert set(step.needs) <= seen  # topological order
        seen.add(step.id)
        for text in (step.title, step.description, step.acceptance or ""):
            assert "{{" not in text, (step.id, text)


def test_polecat_work_shape() -> None:
    m = cook(load("polecat-work"), {"issue": "gt-7"})
    assert [s.id for s in m.steps] == ["understand", "implement", "test", "commit", "submit"]
    assert "gt done" in m.step("submit").description
    assert "gt-7" in m.step("understand").title


def test_release_requires_version() -> None:
    from gastown.formulas import FormulaError
    with pytest.raises(FormulaError, match="required var 'version'"):
        cook(load("release"), {})


def test_demo_is_run_only_with_parallel_and_for_each_steps() -> None:
    f = load("demo")
    assert all(s.run for s in f.steps)
    assert any(s.for_each for s in f.steps)
    m = cook(f)
    first_wave = m.ready(["scaffold"])
    assert {"write-test", "readme", "license"} <= set(first_wave)
    assert sum(1 for s in m.steps if s.id.startswith("greet-")) == 3


@pytest.mark.skipif(not (shutil.which("git") and shutil.which("python3") and shutil.which("sh")),
                    reason="needs sh, git and python3")
def test_demo_really_runs(tmp_path: Path) -> None:
    m = cook(load("demo"), {"project": "proj", "names": ["Ann", "Bo"]})
    closed: list[str] = []
    while len(closed) < len(m.steps):
        wave = m.ready(closed)
        assert wave
        for sid in wave:
            step = m.step(sid)
            env = {**os.environ, **step.env}
            for command in filter(None, (step.run, step.acceptance_run)):
                done = subprocess.run(["sh", "-c", command], cwd=tmp_path, env=env,
                                      capture_output=True, text=True, timeout=60)
                assert done.returncode == 0, (sid, done.stdout, done.stderr)
            closed.append(sid)
    project = tmp_path / "proj"
    assert (project / "greetings" / "Ann.txt").read_text() == "Hello, Ann!\n"
    assert (project / "README.md").is_file() and (project / "LICENSE").is_file()
    log = subprocess.run(["git", "-C", str(project), "log", "--format=%s"], capture_output=True,
                         text=True, check=True).stdout
    assert log.strip() == "Initial commit of proj"
    tracked = subprocess.run(["git", "-C", str(project), "ls-files"], capture_output=True,
                             text=True, check=True).stdout.split()
    assert "test_greeting.py" in tracked and "greetings/Bo.txt" in tracked
