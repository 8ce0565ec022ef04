"""Tab completion: nested groups as words, only gt's own flags, through a real bash."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from gastown.town.paths import Town
from tests.conftest import run_process


def _complete(town: Town, prog: str, *words: str) -> list[str]:
    out = run_process(prog, "--complete", "--", *words, cwd=town.root).assert_success().out
    return out.split()


def test_groups_and_commands_are_words(town: Town) -> None:
    top = _complete(town, "gt", "")
    assert {"bead", "mol", "formula", "install", "doctor"} <= set(top)
    assert not any("." in w for w in top)
    assert _complete(town, "gt", "bead", "dep", "") == ["add", "cycles", "remove", "tree"]
    assert _complete(town, "gt", "bead.dep", "r") == ["remove"]
    assert _complete(town, "gt", "mol", "step", "") == ["done", "retry"]
    assert _complete(town, "bd", "dep", "") == ["add", "cycles", "remove", "tree"]


def test_only_the_commands_own_flags(town: Town) -> None:
    flags = _complete(town, "gt", "bead", "ready", "--")
    assert "--mine" in flags and "--assignee" in flags
    assert not {"--pty", "--echo", "--issue-type"} & set(flags)  # invoke's, not ours
    assert _complete(town, "gt", "--") == ["--help", "--version", "--list",
                                            "--print-completion-script"]
    assert _complete(town, "gt", "bead", "list", "--status", "in") == ["in_progress"]
    used = _complete(town, "gt", "bead", "ready", "--mine", "--m")
    assert used == []


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("prog", ["gt", "bd"])
def test_the_bash_script_completes_a_partial_line(town: Town, prog: str) -> None:
    script = run_process(prog, "--print-completion-script", "bash", cwd=town.root)
    line = ["bead", "dep", "re"] if prog == "gt" else ["dep", "re"]
    words = " ".join(f"'{w}'" for w in [prog, *line])
    probe = (f"{script.assert_success().out}\n"
             f"COMP_WORDS=({words}); COMP_CWORD={len(line)}\n"
             f"_{prog}_complete; printf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    done = subprocess.run(["bash", "-c", probe], cwd=town.root, capture_output=True, text=True,
                          env=os.environ, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["remove"]
