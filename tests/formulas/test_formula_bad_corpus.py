"""A corpus of broken formulas: each must be reported at the exact line, with a reason."""
# ruff: noqa: E501
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gastown.formulas import FormulaError, load, validate_file


@dataclass
class Bad:
    id: str
    text: str                 # the file under test, t.formula.toml (or `main`)
    line: int | None
    reason: str               # a substring of the reason
    others: dict[str, str] = field(default_factory=dict)  # more files beside it
    main: str = "t.formula.toml"
    at: str | None = None     # the file the problem is in, when not `main`


OK_STEP = '[[steps]]\nid = "a"\n'

CASES = [
    Bad("unknown-top-key", 'formula = "t"\nbogus = 1\n' + OK_STEP, 2, "unknown key 'bogus' at top level"),
    Bad("unknown-step-key", 'formula = "t"\n[[steps]]\nid = "a"\n\n[[steps]]\nid = "b"\nneed = ["a"]\n',
        7, "did you mean 'needs'"),
    Bad("unknown-var-key", 'formula = "t"\n[vars.x]\ndefualt = "1"\n' + OK_STEP, 3,
        "unknown key 'defualt' in var 'x'"),
    Bad("missing-formula", 'description = "no name"\n' + OK_STEP, 1, "missing required key 'formula'"),
    Bad("name-mismatch", '# header\nformula = "other"\n' + OK_STEP, 2, "does not match its file name"),
    Bad("formula-not-string", 'formula = 3\n' + OK_STEP, 1, "'formula' must be a string"),
    Bad("duplicate-id", 'formula = "t"\n[[steps]]\nid = "a"\n[[steps]]\nid = "b"\n[[steps]]\nid = "a"\n',
        7, "duplicate step id 'a' (first defined on line 3)"),
    Bad("needs-unknown", 'formula = "t"\n' + OK_STEP + '[[steps]]\nid = "b"\ntitle = "B"\nneeds = ["a", "zzz"]\n',
        7, "needs 'zzz', which names no step"),
    Bad("cycle", 'formula = "t"\n[[steps]]\nid = "a"\nneeds = ["c"]\n[[steps]]\nid = "b"\nneeds = ["a"]\n'
        '[[steps]]\nid = "c"\nneeds = ["b"]\n', 4, "cycle: a -> c -> b -> a"),
    Bad("self-cycle", 'formula = "t"\n' + OK_STEP + 'needs = ["a"]\n', 4, "cycle: a -> a"),
    Bad("timeout-words", 'formula = "t"\n' + OK_STEP + 'timeout = "5 minutes"\n', 4, "bad timeout"),
    Bad("timeout-zero", 'formula = "t"\n' + OK_STEP + 'timeout = "0s"\n', 4, "greater than zero"),
    Bad("timeout-negative", 'formula = "t"\n' + OK_STEP + 'timeout = -5\n', 4, "greater than zero"),
    Bad("timeout-float", 'formula = "t"\n' + OK_STEP + 'timeout = 1.5\n', 4, "bad timeout"),
    Bad("retries-negative", 'formula = "t"\n' + OK_STEP + 'retries = -1\n', 4, "bad retries: must be >= 0"),
    Bad("retries-string", 'formula = "t"\n' + OK_STEP + 'retries = "3"\n', 4, "bad retries"),
    Bad("gate-unknown", 'formula = "t"\n' + OK_STEP + 'gate = "robot"\n', 4, "unknown gate 'robot'"),
    Bad("gate-timer-bare", 'formula = "t"\n' + OK_STEP + 'gate = "timer"\n', 4, "timer gate needs a time"),
    Bad("gate-timer-bad-after", 'formula = "t"\n' + OK_STEP + 'gate = { type = "timer", after = "soon" }\n',
        4, "bad timer gate 'after'"),
    Bad("gate-table-key", 'formula = "t"\n' + OK_STEP + '[steps.gate]\ntype = "human"\nwho = "bob"\n',
        6, "unknown key 'who' in step 'a' gate"),
    Bad("gate-type-unknown", 'formula = "t"\n' + OK_STEP + '[steps.gate]\n\ntype = "robot"\n',
        6, "unknown gate type 'robot'"),
    Bad("undeclared-var", 'formula = "t"\n[vars]\nx = "1"\n' + OK_STEP + 'description = """\nUse {{x}}\nand {{y}}\n"""\n',
        6, "uses {{y}}, which is not a declared var"),
    Bad("item-outside-for-each", 'formula = "t"\n' + OK_STEP + 'title = "{{item}}"\n', 4,
        "only for_each steps have"),
    Bad("run-placeholder", 'formula = "t"\n[vars]\nproject = "p"\n' + OK_STEP + 'run = "mkdir {{project}}"\n',
        6, "read $GT_VAR_PROJECT instead"),
    Bad("for-each-undeclared", 'formula = "t"\n' + OK_STEP + 'for_each = "files"\n', 4,
        "for_each names 'files', which is not a declared var"),
    Bad("for-each-not-list", 'formula = "t"\n[vars]\nfiles = "a.py"\n' + OK_STEP + 'for_each = "files"\n', 6,
        "needs a list default"),
    Bad("extends-unknown", 'formula = "t"\nextends = [\n  "base",\n  "nope",\n]\n' + OK_STEP, 4,
        "extends names unknown formula 'nope'", others={"base.formula.toml": 'formula = "base"\n' + OK_STEP}),
    Bad("extends-string", 'formula = "t"\nextends = "base"\n' + OK_STEP, 2, "must be an array"),
    Bad("expand-unknown", 'formula = "t"\n' + OK_STEP + '[[compose.expand]]\ntarget = "a"\nwith = "nope"\n',
        6, "expand names unknown formula 'nope'"),
    Bad("expand-no-target", 'formula = "t"\n' + OK_STEP + '[[compose.expand]]\ntarget = "zz"\nwith = "t"\n',
        5, "expand target 'zz' names no step"),
    Bad("expand-missing-with", 'formula = "t"\n' + OK_STEP + '[[compose.expand]]\ntarget = "a"\n',
        4, "missing 'with'"),
    Bad("extends-cycle", 'formula = "t"\nextends = ["u"]\n' + OK_STEP, 2, "extends cycle: t -> u -> t",
        others={"u.formula.toml": 'formula = "u"\nextends = ["t"]\n' + OK_STEP},
        at="u.formula.toml"),
    Bad("expand-self", 'formula = "t"\n' + OK_STEP + '[[compose.expand]]\ntarget = "a"\nwith = "t"\n',
        6, "expand cycle: t -> t"),
    Bad("toml-syntax", 'formula = "t"\n' + OK_STEP + 'title = "unterminated\n', 4, "TOML syntax error"),
    Bad("toml-duplicate-key", 'formula = "t"\n' + OK_STEP + 'title = "x"\ntitle = "y"\n', 5, "TOML syntax error"),
    Bad("bad-step-id", 'formula = "t"\n[[steps]]\n\nid = "Bad Id"\n', 4, "bad step id 'Bad Id'"),
    Bad("missing-step-id", 'formula = "t"\n' + OK_STEP + '\n[[steps]]\ntitle = "no id"\n', 5,
        "[[steps]] #2 is missing 'id'"),
    Bad("unknown-type", 'formula = "t"\ntype = "pipeline"\n' + OK_STEP, 2, "unknown formula type 'pipeline'"),
    Bad("version-float", 'formula = "t"\nversion = 1.5\n' + OK_STEP, 2, "'version' must be an integer or a string"),
    Bad("var-default-int", 'formula = "t"\n[vars.n]\ndescription = "a number"\ndefault = 3\n' + OK_STEP, 4,
        "default must be a string or an array of strings"),
    Bad("var-required-not-bool", 'formula = "t"\n[vars.n]\nrequired = "yes"\n' + OK_STEP, 3,
        "'required' must be true or false"),
    Bad("var-bad-name", 'formula = "t"\n[vars]\n"bad name" = "x"\n' + OK_STEP, 3, "bad var name 'bad name'"),
    Bad("var-reserved", 'formula = "t"\n[vars]\nitem = "x"\n' + OK_STEP, 3, "reserved"),
    Bad("needs-not-array", 'formula = "t"\n' + OK_STEP + 'needs = "b"\n', 4, "'needs' must be an array"),
    Bad("needs-element-not-string", 'formula = "t"\n' + OK_STEP + '[[steps]]\nid = "b"\nneeds = [\n  "a",\n  7,\n]\n',
        8, "'needs' must hold strings"),
    Bad("steps-not-tables", 'formula = "t"\nsteps = ["a"]\n', 2, "'steps' must be an array of tables"),
    Bad("no-steps", 'formula = "t"\ndescription = "empty"\n', 1, "formula has no steps"),
    Bad("run-empty", 'formula = "t"\n' + OK_STEP + 'run = "  "\n', 4, "'run' is empty"),
    Bad("inline-steps-needs", 'formula = "t"\nsteps = [\n  { id = "a" },\n  { id = "b", needs = ["x"] },\n]\n',
        4, "needs 'x', which names no step"),
    Bad("parent-mistake-points-at-parent", 'formula = "t"\nextends = ["base"]\n' + OK_STEP, 4,
        "bad timeout", others={"base.formula.toml": 'formula = "base"\n[[steps]]\nid = "p"\ntimeout = "1 week"\n'},
        at="base.formula.toml"),
    Bad("expansion-mistake-points-at-expansion",
        'formula = "t"\n' + OK_STEP + '[[compose.expand]]\ntarget = "a"\nwith = "sub"\n', 5,
        "which is not a declared var",
        others={"sub.formula.toml": 'formula = "sub"\ntype = "expansion"\n[[steps]]\nid = "s"\ntitle = "{{nope}}"\n'},
        at="sub.formula.toml"),
    Bad("child-needs-checked-in-child", 'formula = "t"\nextends = ["base"]\n[[steps]]\nid = "c"\nneeds = ["p", "q"]\n',
        5, "needs 'q', which names no step", others={"base.formula.toml": 'formula = "base"\n[[steps]]\nid = "p"\n'}),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_formula_reported_at_line(case: Bad, tmp_path: Path) -> None:
    for name, text in case.others.items():
        (tmp_path / name).write_text(text)
    main = tmp_path / case.main
    main.write_text(case.text)
    problems = validate_file(main, search=[tmp_path])
    expected_path = str(tmp_path / (case.at or case.main))
    matching = [p for p in problems if case.reason in p.reason]
    assert matching, f"no problem mentions {case.reason!r}: {[str(p) for p in problems]}"
    assert any(p.path == expected_path and p.line == case.line for p in matching), \
        [str(p) for p in problems]
    # load() raises one error carrying the same problems
    with pytest.raises(FormulaError) as info:
        load(main)
    assert case.reason in str(info.value)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25


def test_all_problems_are_collected(tmp_path: Path) -> None:
    path = tmp_path / "t.formula.toml"
    path.write_text('formula = "t"\nbogus = 1\n[[steps]]\nid = "a"\ntimeout = "x"\nretries = -1\n'
                    'gate = "robot"\nneeds = ["nope"]\n')
    problems = validate_file(path, search=[tmp_path])
    assert [p.line for p in problems] == [2, 5, 6, 7, 8]
    with pytest.raises(FormulaError) as info:
        load(path)
    err = info.value
    assert len(err.problems) == 5
    lines = str(err).splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{path}:2: unknown key 'bogus'")
    assert (err.path, err.line) == (str(path), 2)
