"""extends and compose.expand."""
# ruff: noqa: E501
from __future__ import annotations

from pathlib import Path

import pytest

from gastown.formulas import FormulaError, cook, load, validate_file

BASE = '''\
formula = "base"
[vars]
who = "world"
[vars.level]
default = "low"
[[steps]]
id = "plan"
[[steps]]
id = "build"
needs = ["plan"]
title = "Build for {{who}}"
[[steps]]
id = "ship"
needs = ["build"]
'''


def ids(formula) -> list[str]:
    return [s.id for s in formula.steps]


def test_extends_inherits_and_replaces_in_place(write_formula, tmp_path: Path) -> None:
    write_formula("base", BASE)
    child = write_formula("child", '''\
formula = "child"
extends = ["base"]
[vars]
level = "high"
[[steps]]
id = "build"
needs = ["plan"]
title = "Build it {{level}}"
[[steps]]
id = "announce"
needs = ["ship"]
''')
    f = load(child)
    assert ids(f) == ["plan", "build", "ship", "announce"]
    assert f.step("build").title == "Build it {{level}}"
    assert f.vars["who"].default == "world" and f.vars["level"].default == "high"
    assert f.step("ship").loc("")[0] == str(tmp_path / "base.formula.toml")
    assert f.step("build").loc("")[0] == str(child)


def test_extends_several_parents_later_wins(write_formula) -> None:
    write_formula("p1", 'formula = "p1"\n[[steps]]\nid = "a"\ntitle = "one"\n[[steps]]\nid = "b"\n')
    write_formula("p2", 'formula = "p2"\n[[steps]]\nid = "a"\ntitle = "two"\n[[steps]]\nid = "c"\n')
    f = load(write_formula("kid", 'formula = "kid"\nextends = ["p1", "p2"]\n'))
    assert ids(f) == ["a", "b", "c"] and f.step("a").title == "two"


def test_diamond_extends_reports_parent_problem_once(write_formula, tmp_path: Path) -> None:
    write_formula("root", 'formula = "root"\n[[steps]]\nid = "r"\ntimeout = "never"\n')
    write_formula("l", 'formula = "l"\nextends = ["root"]\n')
    write_formula("r", 'formula = "r"\nextends = ["root"]\n')
    top = write_formula("top", 'formula = "top"\nextends = ["l", "r"]\n')
    problems = validate_file(top, search=[tmp_path])
    assert [(Path(p.path).name, p.line) for p in problems] == [("root.formula.toml", 4)]


SUB = '''\
formula = "sub"
type = "expansion"
[vars]
depth = "3"
[[steps]]
id = "red"
title = "Red {{depth}}"
[[steps]]
id = "green"
needs = ["red"]
[[steps]]
id = "docs"
needs = ["red"]
'''


def test_expand_replaces_target_and_rewires(write_formula) -> None:
    write_formula("base", BASE)
    write_formula("sub", SUB)
    f = load(write_formula("host", 'formula = "host"\nextends = ["base"]\n'
                                   '[[compose.expand]]\ntarget = "build"\nwith = "sub"\n'))
    assert ids(f) == ["plan", "build.red", "build.green", "build.docs", "ship"]
    assert f.step("build.red").needs == ("plan",)          # root inherits the target's needs
    assert f.step("build.green").needs == ("build.red",)   # internal needs are prefixed
    assert f.step("ship").needs == ("build.green", "build.docs")  # dependents need the leaves
    assert f.vars["depth"].default == "3"                   # expansion vars come along
    m = cook(f, {})
    assert m.step("build.red").title == "Red 3"


def test_expand_in_builtin_polecat_tdd() -> None:
    f = load("polecat-tdd")
    assert ids(f) == ["understand", "implement.red", "implement.green", "implement.refactor",
                      "test", "commit", "submit"]
    assert f.step("implement.red").needs == ("understand",)
    assert f.step("test").needs == ("implement.refactor",)


def test_expand_with_empty_formula_bridges(write_formula) -> None:
    write_formula("empty", 'formula = "empty"\ntype = "expansion"\n')
    f = load(write_formula("h", 'formula = "h"\n[[steps]]\nid = "a"\n[[steps]]\nid = "b"\nneeds = ["a"]\n'
                                '[[steps]]\nid = "c"\nneeds = ["b"]\n'
                                '[[compose.expand]]\ntarget = "b"\nwith = "empty"\n'))
    assert ids(f) == ["a", "c"] and f.step("c").needs == ("a",)


def test_nested_expansion(write_formula) -> None:
    write_formula("inner", 'formula = "inner"\n[[steps]]\nid = "x"\n[[steps]]\nid = "y"\nneeds = ["x"]\n')
    write_formula("outer", 'formula = "outer"\n[[steps]]\nid = "m"\n'
                           '[[compose.expand]]\ntarget = "m"\nwith = "inner"\n')
    f = load(write_formula("top", 'formula = "top"\n[[steps]]\nid = "go"\n'
                                  '[[compose.expand]]\ntarget = "go"\nwith = "outer"\n'))
    assert ids(f) == ["go.m.x", "go.m.y"] and f.step("go.m.y").needs == ("go.m.x",)


def test_child_needs_may_name_expanded_steps(write_formula) -> None:
    write_formula("sub", SUB)
    f = load(write_formula("h", 'formula = "h"\n[[steps]]\nid = "work"\n[[steps]]\nid = "check"\n'
                                'needs = ["work.docs"]\n'
                                '[[compose.expand]]\ntarget = "work"\nwith = "sub"\n'))
    assert f.step("check").needs == ("work.docs",)


def test_expand_cycle_across_files(write_formula, tmp_path: Path) -> None:
    write_formula("a", 'formula = "a"\n[[steps]]\nid = "s"\n[[compose.expand]]\ntarget = "s"\nwith = "b"\n')
    b = write_formula("b", 'formula = "b"\n[[steps]]\nid = "s"\n[[compose.expand]]\ntarget = "s"\nwith = "a"\n')
    with pytest.raises(FormulaError) as info:
        load(b)
    assert "expand cycle: b -> a -> b" in str(info.value)
    assert info.value.path == str(tmp_path / "a.formula.toml") and info.value.line == 6


def test_cycle_created_by_child_is_reported_in_child(write_formula, tmp_path: Path) -> None:
    write_formula("base", BASE)
    child = write_formula("child", 'formula = "child"\nextends = ["base"]\n'
                                   '[[steps]]\nid = "plan"\nneeds = ["ship"]\n')
    problems = validate_file(child, search=[tmp_path])
    assert len(problems) == 1
    assert (problems[0].path, problems[0].line) == (str(child), 5)
    assert "plan -> ship -> build -> plan" in problems[0].reason
