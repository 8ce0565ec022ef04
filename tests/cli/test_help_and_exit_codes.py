"""Every command has help; errors map to one set of exit codes (0, 1, 2, 3, 130)."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gastown.beads.commands import COMMANDS as BD_COMMANDS
from gastown.cli.tasks import namespace
from gastown.errors import GastownError, error_handler
from tests.conftest import BIN, run_process


def test_bd_help_lists_every_verb(tmp_path: Path) -> None:
    out = run_process("bd", "--help", cwd=tmp_path).assert_success()
    for verb in {c.name.partition(".")[0] for c in BD_COMMANDS}:
        assert f"    {verb} " in out.out or f"    {verb}\n" in out.out, verb


@pytest.mark.parametrize("command", [c.name for c in BD_COMMANDS])
def test_every_bd_verb_has_help(bd, command: str) -> None:
    out = bd(*command.split("."), "--help").assert_success()
    assert out.out.startswith(f"usage: bd {' '.join(command.split('.'))}")


@pytest.mark.parametrize("task", sorted(namespace.task_names))
def test_every_gt_command_has_help_by_words_and_by_dots(gt, task: str) -> None:
    words = gt(*task.split("."), "--help").assert_success()
    assert words.out.startswith(f"Usage: gt {' '.join(task.split('.'))} ")
    assert gt("--help", task).assert_success().out == words.out


def test_gt_help_lists_commands_as_typed_and_hides_runner_options(gt) -> None:
    out = gt("--help").assert_success().out
    assert "bead dep add" in out and "mol step done" in out
    for hidden in ("--pty", "--echo", "--hide", "--warn-only", "--prompt-for-sudo"):
        assert hidden not in out


def test_a_group_name_lists_its_commands(gt) -> None:
    out = gt("mol", "step").assert_success().out
    assert "mol step done" in out and "mol step retry" in out and "bead" not in out
    assert gt("bead", "--help").assert_success().out == gt("bead").out


def test_unknown_commands_are_usage_errors(gt) -> None:
    out = gt("bead", "frobnicate").assert_failure(2)
    assert "bead frobnicate" in out.err
    assert gt("frobnicate").assert_failure(2).err.startswith("gt: usage error")
    assert gt("bead", "create").assert_failure(2).err  # missing TITLE


def test_bd_usage_error_names_the_argument(bd) -> None:
    out = bd("create", "x", "-p", "high").assert_failure(2)
    assert "priority" in out.err and "high" in out.err


def test_error_handler_maps_outcomes_to_exit_codes(tmp_path: Path, capsys) -> None:
    def exit_code(exc: BaseException) -> int:
        with pytest.raises(SystemExit) as info, error_handler("gt"):
            raise exc
        return int(info.value.code)

    assert exit_code(GastownError("beads/work.jsonl:3: bad")) == 1
    assert "gt: error: beads/work.jsonl:3: bad" in capsys.readouterr().err
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(RuntimeError("boom")) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    log = Path(err.split("crash log was written to ")[1].strip())
    assert log.is_file() and "RuntimeError: boom" in log.read_text()
    # A file system that refuses a write is the user's to fix: a clean error, no crash log.
    lock = "/town/.git/index.lock"
    assert exit_code(OSError(errno.EROFS, "Read-only file system", lock)) == 1
    assert f"gt: error: {lock}: Read-only file system" in capsys.readouterr().err
    assert exit_code(PermissionError(errno.EACCES, "Permission denied", lock)) == 1
    assert "crash log" not in capsys.readouterr().err
    assert exit_code(OSError(errno.EIO, "Input/output error")) == 3


def test_sigint_exits_130_without_a_traceback(town) -> None:
    # `gt feed -f` waits for events until interrupted.
    proc = subprocess.Popen([str(BIN / "gt"), "feed", "-f"], cwd=town.root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert b"Traceback" not in err and b"interrupted" in err


def test_outside_a_town_the_error_says_how_to_make_one(tmp_path: Path) -> None:
    out = run_process("bd", "list", cwd=tmp_path).assert_failure(1)
    assert "not inside a town" in out.err and "gt install" in out.err
    assert sys.executable  # the real process ran with the test's interpreter
