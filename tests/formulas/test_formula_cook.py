"""Cooking: vars, for_each, substitution (never into commands), order, serialisation."""
from __future__ import annotations

import json

import pytest

from gastown.formulas import FormulaError, Protomolecule, cook, copy_ids, load

FLOW = '''\
formula = "flow"
version = 7
description = "A flow"
[vars.name]
required = true
[vars.greeting]
default = "Hello"
[vars.empty]
description = "optional, no default"
[vars.files]
default = ["a.py", "b/c.py"]
[[steps]]
id = "hello"
title = "{{greeting}}, {{ name }}"
description = "Say {{greeting}} to {{name}} about {{files}}{{empty}}"
acceptance = "{{name}} smiled"
run = "echo {{name}} $GT_VAR_NAME"
acceptance_run = "test -n \\"$GT_VAR_NAME\\""
[[steps]]
id = "lint"
needs = ["hello"]
for_each = "files"
title = "Lint {{item}}"
run = 'lint "$GT_ITEM"'
timeout = "1m"
retries = 1
[[steps]]
id = "report"
needs = ["lint"]
gate = { type = "timer", after = "30s" }
'''


@pytest.fixture
def flow(write_formula):
    path = write_formula("flow", FLOW)
    # the run line above deliberately holds a {{name}}: validation flags it
    return path


def test_run_placeholder_is_rejected_by_validation(flow) -> None:
    with pytest.raises(FormulaError) as info:
        load(flow)
    assert "commands are never substituted: read $GT_VAR_NAME instead" in str(info.value)


@pytest.fixture
def formula(write_formula):
    text = FLOW.replace("echo {{name}} $GT_VAR_NAME", "echo $GT_VAR_NAME")
    return load(write_formula("flow", text))


def test_cook_substitutes_text_but_never_commands(formula) -> None:
    m = cook(formula, {"name": "Ada; rm -rf /"})
    hello = m.step("hello")
    assert hello.title == "Hello, Ada; rm -rf /"
    assert hello.description == "Say Hello to Ada; rm -rf / about a.py, b/c.py"
    assert hello.acceptance == "Ada; rm -rf / smiled"
    assert hello.run == "echo $GT_VAR_NAME"
    assert hello.acceptance_run == 'test -n "$GT_VAR_NAME"'
    assert hello.env["GT_VAR_NAME"] == "Ada; rm -rf /"
    assert hello.env["GT_VAR_FILES"] == "a.py\nb/c.py" and hello.env["GT_VAR_EMPTY"] == ""


def test_cook_run_is_never_substituted_even_in_hand_built_formula(formula) -> None:
    import dataclasses
    raw = dataclasses.replace(formula, steps=(dataclasses.replace(formula.steps[0],
                                                                  run="echo {{name}}"),
                                              *formula.steps[1:]))
    assert cook(raw, {"name": "x"}).step("hello").run == "echo {{name}}"


def test_for_each_copies_and_dependents(formula) -> None:
    m = cook(formula, {"name": "Ada"})
    assert [s.id for s in m.steps] == ["hello", "lint-a-py", "lint-b-c-py", "report"]
    a = m.step("lint-a-py")
    assert a.title == "Lint a.py" and a.needs == ("hello",) and a.env["GT_ITEM"] == "a.py"
    assert a.run == 'lint "$GT_ITEM"' and a.timeout_seconds == 60 and a.retries == 1
    assert m.step("report").needs == ("lint-a-py", "lint-b-c-py")
    assert "GT_ITEM" not in m.step("report").env


def test_for_each_given_list_and_comma_string(formula) -> None:
    m = cook(formula, {"name": "A", "files": ["x", "y", "z"]})
    assert [s.id for s in m.steps if s.id.startswith("lint")] == ["lint-x", "lint-y", "lint-z"]
    m = cook(formula, {"name": "A", "files": "p, q"})
    assert [s.id for s in m.steps if s.id.startswith("lint")] == ["lint-p", "lint-q"]
    assert m.vars["files"] == ("p", "q")


def test_for_each_empty_list_bridges(formula) -> None:
    m = cook(formula, {"name": "A", "files": []})
    assert [s.id for s in m.steps] == ["hello", "report"]
    assert m.step("report").needs == ("hello",)


def test_copy_ids() -> None:
    assert copy_ids("s", ["Alice", "Bob Smith"]) == ["s-alice", "s-bob-smith"]
    assert copy_ids("s", ["a b", "a-b"]) == ["s-1", "s-2"]          # slugs collide
    assert copy_ids("s", ["ok", "!!!"]) == ["s-1", "s-2"]           # empty slug
    assert copy_ids("s", ["x" * 41]) == ["s-1"]                      # too long
    assert copy_ids("s", []) == []


def test_vars_required_unknown_and_types(formula) -> None:
    with pytest.raises(FormulaError) as info:
        cook(formula, {})
    err = info.value
    assert "required var 'name' was not given" in str(err)
    assert err.line == 4 and err.path == str(formula.path)  # the [vars.name] line
    with pytest.raises(FormulaError) as info:
        cook(formula, {"name": "a", "nmae": "b", "other": "c"})
    assert len(info.value.problems) == 2
    assert "unknown var 'nmae'" in str(info.value)
    with pytest.raises(FormulaError, match="takes a single string"):
        cook(formula, {"name": ["a"]})
    with pytest.raises(FormulaError, match="takes a list of strings"):
        cook(formula, {"name": "a", "files": 3})


def test_protomolecule_is_frozen_and_json_round_trips(formula) -> None:
    m = cook(formula, {"name": "Ada"})
    data = m.to_dict()
    text = json.dumps(data)
    again = Protomolecule.from_dict(json.loads(text))
    assert again == m
    assert data["formula"] == "flow" and data["version"] == 7 and data["description"] == "A flow"
    assert data["vars"]["files"] == ["a.py", "b/c.py"]
    report = next(s for s in data["steps"] if s["id"] == "report")
    assert report["gate"] == {"type": "timer", "after_seconds": 30}
    assert set(report) >= {"id", "title", "description", "needs", "run", "acceptance",
                           "acceptance_run", "timeout_seconds", "retries", "gate"}
    with pytest.raises(AttributeError):
        m.formula = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.vars["name"] = "x"  # type: ignore[index]
    assert m.ready([]) == ["hello"]
    assert m.ready(["hello"]) == ["lint-a-py", "lint-b-c-py"]


def test_cook_order_is_topological_and_deterministic(write_formula) -> None:
    f = load(write_formula("o", 'formula = "o"\n'
                                '[[steps]]\nid = "z"\nneeds = ["y"]\n'
                                '[[steps]]\nid = "y"\n'
                                '[[steps]]\nid = "x"\n'
                                '[[steps]]\nid = "w"\nneeds = ["z", "x"]\n'))
    orders = {tuple(s.id for s in cook(f).steps) for _ in range(5)}
    assert orders == {("y", "z", "x", "w")}


def test_cook_rejects_hand_built_cycle(formula) -> None:
    import dataclasses
    steps = list(formula.steps)
    steps[0] = dataclasses.replace(steps[0], needs=("report",))
    with pytest.raises(FormulaError, match="cycle"):
        cook(dataclasses.replace(formula, steps=tuple(steps)), {"name": "a"})


def test_untitled_copies_are_titled_by_their_id(write_formula) -> None:
    f = load(write_formula("u", 'formula = "u"\n[vars]\nxs = ["p", "q"]\n'
                                '[[steps]]\nid = "do"\nfor_each = "xs"\n'))
    assert [s.title for s in cook(f).steps] == ["do-p", "do-q"]
