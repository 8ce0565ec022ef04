"""gt's fast path (argparse, no invoke) against the invoke path, and inv in a town."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gastown.cli import fast
from gastown.cli.gt import program
from gastown.cli.invoke_tasks import HELP, values_of
from gastown.cli.modules import GROUPS, commands_of
from gastown.cli.program import rewrite
from gastown.cli.spec import Command

ALL = [(group, cmd) for group, module in GROUPS for cmd in commands_of(module)]


def _argv(group: str | None, cmd: Command) -> list[str]:
    argv = [*([group] if group else []), *cmd.name.split(".")]
    for a in cmd.args:
        if a.kind in ("pos", "pos?"):
            argv.append(f"{a.name}-value")
        elif a.kind == "flag":
            argv.append(f"--{a.long}")
        elif a.kind == "int":
            argv += [f"-{a.short}", "3"] if a.short else [f"--{a.long}=3"]
        elif a.kind == "list":
            argv += [f"--{a.long}", "x", f"--{a.long}=y"]
        elif a.kind == "str":
            argv += [f"-{a.short}", "s"] if a.short else [f"--{a.long}=s"]
    for a in cmd.args:
        if a.kind in ("pos*", "pos+"):
            argv += ["w1", "w2"]
    return argv


def _invoke_values(argv: list[str]) -> dict[str, Any]:
    p = program()
    p.create_config()
    p.parse_core(["gt", *rewrite(argv, p.namespace)])
    p.parse_collection()
    p.parse_tasks()
    (ctx,) = p.tasks
    kwargs = dict(ctx.as_kwargs)
    kwargs.pop(HELP)
    return values_of(p.collection[ctx.name].command, kwargs)


@pytest.mark.parametrize("group,cmd", ALL, ids=[f"{g or ''}.{c.name}" for g, c in ALL])
def test_fast_path_parses_as_invoke_does(group: str | None, cmd: Command) -> None:
    argv = _argv(group, cmd)
    parsed = fast.parse(argv)
    assert parsed is not None, argv
    assert parsed[0] == cmd
    assert parsed[1] == _invoke_values(argv)


def test_help_core_options_and_unknown_words_go_to_invoke() -> None:
    for argv in (["--help"], ["-l"], ["bead", "ready", "--help"], ["bead"], ["nope"],
                 ["help", "bead", "ready"], ["bead", "ready", "--bogus"]):
        assert fast.parse(argv) is None, argv


def test_gt_help_cmd_is_cmd_help(gt) -> None:
    a = gt("help", "bead", "create").assert_success()
    b = gt("bead", "create", "--help").assert_success()
    assert a.out == b.out and "Usage: gt bead create" in a.out
    assert gt("help").assert_success().out == gt("--help").assert_success().out


def test_fast_and_invoke_paths_give_the_same_output(gt, town) -> None:
    gt("bead", "create", "one", "-p", "1").assert_success()
    fast_out = gt("bead", "ready", "--json").assert_success().out
    os.chdir(town.root)
    slow = subprocess.run([sys.executable, "-c",
                           "from gastown.cli.gt import program; program().run()",
                           "bead", "ready", "--json"], cwd=town.root, capture_output=True,
                          text=True)
    assert slow.returncode == 0 and slow.stdout == fast_out


def _inv(town_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    inv = Path(sys.executable).parent / "inv"
    return subprocess.run([str(inv), *args], cwd=town_root, capture_output=True, text=True)


def test_inv_errors_match_gt(gt, town) -> None:
    g = gt("mol", "status", "gt-nope")
    i = _inv(town.root, "mol.status", "gt-nope")
    assert (i.returncode, g.code) == (1, 1)
    assert i.stderr == g.err.replace("gt: ", "inv: ", 1)
    assert "Traceback" not in i.stderr


def test_non_utf8_argument_is_a_usage_error(town) -> None:
    gt_bin = Path(sys.executable).parent / "gt"
    p = subprocess.run([os.fsencode(str(gt_bin)), b"bead", b"create", b"\xff"],
                       cwd=town.root, capture_output=True)
    assert p.returncode == 2
    assert b"argument 3" in p.stderr and b"UTF-8" in p.stderr


def test_inv_task_help_is_not_taken_as_a_positional(town) -> None:
    i = _inv(town.root, "mol.status", "--help")
    assert i.returncode == 0, i.stderr
    assert i.stdout.startswith("Usage: inv mol.status [--options] MOLECULE")
    assert "--json" in i.stdout and "Traceback" not in i.stderr


def test_inv_runs_the_same_namespace(gt, town) -> None:
    gt("bead", "create", "one").assert_success()
    listed = _inv(town.root, "-l")
    assert listed.returncode == 0 and "bead.ready" in listed.stdout
    ready = _inv(town.root, "bead.ready", "--json")
    assert ready.returncode == 0 and ready.stdout == gt("bead", "ready", "--json").out
