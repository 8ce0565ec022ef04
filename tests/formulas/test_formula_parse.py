"""Parsing every field of a formula, and the line scanner behind the messages."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gastown.formulas import Gate, load, validate_file
from gastown.formulas.durations import parse_duration
from gastown.formulas.lines import LineMap, toml_error_line
from gastown.formulas.parse import parse_formula

FULL = '''\
formula = "full"
description = "Every field"
version = "2.1"
type = "workflow"

[vars]
short = "dflt"

[vars.issue]
description = "The issue"
required = true

[vars.files]
description = "Files"
default = ["a.py", "b.py"]

[[steps]]
id = "first"
title = "First {{issue}}"
description = "Do {{short}}"
acceptance = "Looks right"
timeout = "1h30m"
retries = 3

[[steps]]
id = "second"
needs = ["first"]
run = "make check"
acceptance_run = "test -f ok"
timeout = 45

[[steps]]
id = "approve"
needs = ["second"]
gate = "human"

[[steps]]
id = "wait"
needs = ["approve"]
gate = { type = "timer", after = "10m" }

[[steps]]
id = "deadline"
needs = ["approve"]
[steps.gate]
type = "timer"
at = 2030-01-31T09:00:00Z

[[steps]]
id = "each"
needs = ["wait", "deadline"]
for_each = "files"
title = "Lint {{item}}"
'''


def test_every_field_parses(write_formula) -> None:
    path = write_formula("full", FULL)
    assert validate_file(path) == []
    f = load(path)
    assert (f.name, f.description, f.version, f.type) == ("full", "Every field", "2.1", "workflow")
    assert f.vars["short"].default == "dflt" and not f.vars["short"].required
    assert f.vars["issue"].required and f.vars["issue"].description == "The issue"
    assert f.vars["files"].default == ("a.py", "b.py") and f.vars["files"].is_list
    first, second, approve, wait, deadline, each = f.steps
    assert first.title == "First {{issue}}" and first.description == "Do {{short}}"
    assert first.acceptance == "Looks right"
    assert first.timeout_seconds == 5400 and first.retries == 3 and first.run is None
    assert second.needs == ("first",) and second.run == "make check"
    assert second.acceptance_run == "test -f ok" and second.timeout_seconds == 45
    assert second.title == ""  # no title: cooking uses the id
    assert approve.gate == Gate("human")
    assert wait.gate == Gate("timer", after_seconds=600)
    assert deadline.gate == Gate("timer", at="2030-01-31T09:00:00+00:00")
    assert each.for_each == "files" and each.needs == ("wait", "deadline")
    assert f.step("each") is each
    # where each field came from
    assert first.loc("timeout") == (str(path), 22)
    assert deadline.loc("gate") == (str(path), 45)


def test_vars_shorthand_equals_table(write_formula) -> None:
    a = write_formula("a", 'formula = "a"\n[vars]\nx = "1"\nl = ["p", "q"]\n[[steps]]\nid = "s"\n')
    b = write_formula("b", 'formula = "b"\n[vars.x]\ndefault = "1"\n'
                           '[vars.l]\ndefault = ["p", "q"]\n[[steps]]\nid = "s"\n')
    fa, fb = load(a), load(b)
    for name in ("x", "l"):
        assert (fa.vars[name].default, fa.vars[name].required) == \
               (fb.vars[name].default, fb.vars[name].required)
    assert fa.vars["l"].is_list


def test_dotted_keys_and_inline_steps(write_formula) -> None:
    path = write_formula("d", 'formula = "d"\nvars.x.default = "1"\nsteps = [\n'
                              '{ id = "a", title = "{{x}}" }, { id = "b", needs = ["a"] }]\n')
    f = load(path)
    assert [s.id for s in f.steps] == ["a", "b"] and f.vars["x"].default == "1"


def test_version_may_be_int_and_description_optional(write_formula) -> None:
    f = load(write_formula("v", 'formula = "v"\nversion = 3\n[[steps]]\nid = "s"\n'))
    assert f.version == 3 and f.description == "" and f.type == "workflow"


@pytest.mark.parametrize("text,seconds", [
    ("30s", 30), ("5m", 300), ("1h", 3600), ("2d", 172800), ("1h30m", 5400), ("90", 90), (12, 12),
])
def test_durations(text: object, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "5 minutes", "1.5h", "-1s", 0, -3, True, 1.5, "0m", "m"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nope.formula.toml"
    problems = validate_file(missing)
    assert len(problems) == 1 and problems[0].line is None and "no such file" in problems[0].reason
    assert str(problems[0]) == f"{missing}: no such file"
    parsed = parse_formula(missing)
    assert not parsed.ok


def test_line_map_tracks_tables_arrays_and_strings() -> None:
    text = '''\
formula = "x"   # comment
description = """
[[steps]]
id = "fake"
"""
[vars]
a = "b"
[vars.list]
default = [
  "one",
  "two",
]
[[steps]]
id = "a"
gate = { type = "timer", after = "10m" }
[[steps]]
id = 'b'
[steps.gate]
type = "human"
[[compose.expand]]
target = "a"
"with" = "b"
'''
    tomllib.loads(text)
    lm = LineMap(text)
    assert lm.get("formula") == 1
    assert lm.get("steps", 0) == 13 and lm.get("steps", 0, "id") == 14
    assert lm.get("steps", 0, "gate", "after") == 15
    assert lm.get("steps", 1, "id") == 17 and lm.get("steps", 1, "gate", "type") == 19
    assert lm.get("vars", "a") == 7 and lm.get("vars", "list", "default", 1) == 11
    assert lm.get("compose", "expand", 0, "with") == 22
    assert lm.get("steps", 2) is None  # the fake one inside the string is not a table
    assert lm.line("steps", 1, "nothing", "here") == 16  # nearest recorded ancestor
    assert lm.line("nowhere") == 1


def test_toml_error_line() -> None:
    text = 'a = 1\nb = [1,\n'
    with pytest.raises(tomllib.TOMLDecodeError) as info:
        tomllib.loads(text)
    line, message = toml_error_line(info.value, text)
    assert line == 2 and "(at" not in message
