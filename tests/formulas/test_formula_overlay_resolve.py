"""Overlays, resolution order and listing."""
from __future__ import annotations

from pathlib import Path

import pytest

import gastown.formulas.resolve as resolve
from gastown.formulas import FormulaError, builtin_dir, list_formulas, load, validate_file

BASE = '''\
formula = "flow"
description = "base flow"
[vars.base]
description = "target branch"
default = "main"
[[steps]]
id = "a"
[[steps]]
id = "b"
needs = ["a"]
title = "B"
timeout = "5m"
[[steps]]
id = "c"
needs = ["b"]
'''


@pytest.fixture
def town(tmp_path: Path) -> Path:  # shadows the shared fixture: a bare folder is enough here
    root = tmp_path / "town"
    (root / "formulas").mkdir(parents=True)
    return root


def test_overlay_replace_append_skip_vars(town: Path, write_formula) -> None:
    write_formula("flow", BASE, town / "formulas")
    (town / "formulas" / "flow.toml").write_text('''\
skip = ["b"]
[vars]
base = "develop"
[[replace]]
id = "a"
title = "A on {{base}}"
timeout = "1h"
[[append]]
id = "d"
needs = ["c"]
run = "echo done"
''')
    f = load("flow", town=town)
    assert [s.id for s in f.steps] == ["a", "c", "d"]
    assert f.step("c").needs == ("a",)           # inherits the skipped step's needs
    assert f.step("a").title == "A on {{base}}" and f.step("a").timeout_seconds == 3600
    assert f.vars["base"].default == "develop" and f.vars["base"].description == "target branch"
    assert f.overlay == town / "formulas" / "flow.toml" and f.origin == "town"
    assert f.step("a").loc("timeout")[0] == str(town / "formulas" / "flow.toml")
    assert f.step("a").loc("")[0] == str(town / "formulas" / "flow.formula.toml")


def test_overlay_applies_to_builtin(town: Path) -> None:
    (town / "formulas" / "polecat-work.toml").write_text(
        '[[replace]]\nid = "test"\nretries = 5\n[[append]]\nid = "notify"\nneeds = ["submit"]\n'
        'gate = "human"\n')
    f = load("polecat-work", town=town)
    assert f.origin == "builtin" and f.step("test").retries == 5
    assert f.steps[-1].id == "notify"
    assert load("polecat-work").step("test").retries == 2  # without the town: untouched


@pytest.mark.parametrize("text,line,reason", [
    ('skip = ["a"]\nsteps = []\n', 2, "unknown key 'steps' in overlay"),
    ('skip = ["a"]\nbogus = 1\n', 2, "unknown key 'bogus' in overlay"),
    ('\nskip = [\n  "a",\n  "zz",\n]\n', 4, "skip names no step 'zz'"),
    ('[[replace]]\nid = "zz"\ntitle = "x"\n', 2, "[[replace]] names no step 'zz'"),
    ('[[replace]]\ntitle = "x"\n', 1, "[[replace]] #1 is missing 'id'"),
    ('[[replace]]\nid = "a"\ntimeout = "forever"\n', 3, "bad timeout"),
    ('[[replace]]\nid = "a"\n[[replace]]\nid = "a"\n', 4, "replaced twice"),
    ('[[append]]\nid = "b"\n', 2, "already exists (use [[replace]]"),
    ('[[append]]\nid = "e"\nneeds = ["nope"]\n', 3, "needs 'nope', which names no step"),
    ('[[append]]\nid = "e"\ntitle = "{{who}}"\n', 3, "uses {{who}}, which is not a declared var"),
    ('[[replace]]\nid = "a"\nneeds = ["c"]\n', 3, "cycle: a -> c -> b -> a"),
    ('[[replace]]\nid = "a"\nwhat = 1\n', 3, "unknown key 'what' in step 'a'"),
    ('formula = "other"\n', 1, "overlay names formula 'other'"),
    ('skip = ["a", "b", "c"]\n', 1, "overlay leaves the formula with no steps"),
    ('skip = [\n', 1, "TOML syntax error"),
])
def test_bad_overlays(town: Path, write_formula, text: str, line: int, reason: str) -> None:
    write_formula("flow", BASE, town / "formulas")
    overlay = town / "formulas" / "flow.toml"
    overlay.write_text(text)
    problems = validate_file(overlay)
    found = [(p.path, p.line) for p in problems if reason in p.reason]
    assert (str(overlay), line) in found, [str(p) for p in problems]
    with pytest.raises(FormulaError):
        load("flow", town=town)


def test_overlay_for_unknown_formula(town: Path) -> None:
    overlay = town / "formulas" / "ghost.toml"
    overlay.write_text('skip = ["a"]\n')
    problems = validate_file(overlay)
    assert [(p.line, p.reason) for p in problems] == [(1, "overlay for unknown formula 'ghost'")]


def test_load_overlay_by_path(town: Path, write_formula) -> None:
    write_formula("flow", BASE, town / "formulas")
    overlay = town / "formulas" / "flow.toml"
    overlay.write_text('skip = ["c"]\n')
    assert [s.id for s in load(overlay).steps] == ["a", "b"]


def test_town_shadows_rig_shadows_builtin(tmp_path: Path, town: Path, write_formula) -> None:
    rig = tmp_path / "rig"
    write_formula("code-review", 'formula = "code-review"\ndescription = "rig review"\n'
                                 '[[steps]]\nid = "r"\n', rig / "formulas")
    f = load("code-review", rig_dir=rig)
    assert f.origin == "rig" and f.description == "rig review"
    write_formula("code-review", 'formula = "code-review"\ndescription = "town review"\n'
                                 '[[steps]]\nid = "t"\n', town / "formulas")
    f = load("code-review", town=town, rig_dir=rig)
    assert f.origin == "town" and [s.id for s in f.steps] == ["t"]
    assert load("code-review").origin == "builtin"

    infos = {i.name: i for i in list_formulas(town=town, rig_dir=rig)}
    review = infos["code-review"]
    assert review.origin == "town" and review.description == "town review"
    assert review.shadows == (rig / "formulas" / "code-review.formula.toml",
                              builtin_dir() / "code-review.formula.toml")
    assert infos["polecat-work"].origin == "builtin"


def test_town_formula_may_extend_builtin(town: Path, write_formula) -> None:
    write_formula("my-work", 'formula = "my-work"\nextends = ["polecat-work"]\n'
                             '[[steps]]\nid = "celebrate"\nneeds = ["submit"]\n', town / "formulas")
    f = load("my-work", town=town)
    assert [s.id for s in f.steps][-2:] == ["submit", "celebrate"]


def test_unknown_name(town: Path) -> None:
    with pytest.raises(FormulaError) as info:
        load("no-such-formula", town=town)
    assert "no formula named 'no-such-formula'" in str(info.value)
    assert str(town / "formulas") in str(info.value)


def test_list_formulas_builtins() -> None:
    infos = list_formulas()
    names = [i.name for i in infos]
    assert names == sorted(names)
    for required in ("polecat-work", "refinery-patrol", "witness-patrol", "deacon-patrol",
                     "code-review", "tdd-cycle", "release", "demo"):
        assert required in names
    tdd = next(i for i in infos if i.name == "tdd-cycle")
    assert tdd.type == "expansion" and tdd.origin == "builtin" and tdd.description


def test_builtin_dir_prefers_packaged_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert (builtin_dir() / "polecat-work.formula.toml").is_file()
    package = tmp_path / "site" / "gastown"
    data = package / "data" / "formulas"
    data.mkdir(parents=True)
    (data / "x.formula.toml").write_text('formula = "x"\n')
    (package / "__init__.py").write_text("")
    monkeypatch.setattr(resolve.gastown, "__file__", str(package / "__init__.py"))
    assert resolve.builtin_dir() == data
    # an installed package with no data folder and no checkout around it: sys.prefix/share
    (data / "x.formula.toml").unlink()
    share = tmp_path / "prefix" / "share" / "gastown" / "formulas"
    share.mkdir(parents=True)
    (share / "y.formula.toml").write_text('formula = "y"\n')
    monkeypatch.setattr(resolve.sys, "prefix", str(tmp_path / "prefix"))
    assert resolve.builtin_dir() == share


def test_town_object_with_root_is_accepted(town: Path, write_formula) -> None:
    from gastown.town.paths import Town

    write_formula("flow", BASE, town / "formulas")
    (town / "formulas" / "flow.toml").write_text('skip = ["c"]\n')
    f = load("flow", town=Town(town))
    assert f.origin == "town" and [s.id for s in f.steps] == ["a", "b"]
