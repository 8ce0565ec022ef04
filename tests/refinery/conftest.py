"""A rig whose repository takes pushes to main, branches made in it, MRs submitted."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from gastown.town.paths import Town
from tests.conftest import git_out
from tests.rigs.conftest import make_source


def git(cwd: Path, *args: str) -> str:
    return git_out(cwd, "-c", "user.name=dev", "-c", "user.email=dev@example.invalid", *args)


class Rig:
    def __init__(self, town: Town, gt, bd, src: Path) -> None:
        self.town, self.gt, self.bd, self.src, self.name = town, gt, bd, src, "demo"

    def configure(self, **keys: object) -> None:
        """Replace rig.toml keys (values as TOML text); gates as a raw TOML tail."""
        toml = self.town.root / "rigs" / self.name / "rig.toml"
        lines = [ln for ln in toml.read_text().split("[[gates]]")[0].splitlines()
                 if ln.split(" = ")[0] not in keys]
        gates = keys.pop("gates", "")
        lines += [f"{k} = {v}" for k, v in keys.items()]
        toml.write_text("\n".join(lines) + "\n" + str(gates) + "\n")
        git_out(self.town.root, "add", "rigs")
        git_out(self.town.root, "commit", "-qm", "rig config")

    def branch(self, name: str, files: dict[str, str], base: str = "main") -> str:
        git(self.src, "checkout", "-q", "--detach", base)
        for path, text in files.items():
            (self.src / path).write_text(text)
        git(self.src, "add", "-A")
        git(self.src, "commit", "-qm", f"work on {name}")
        git(self.src, "branch", "-f", name, "HEAD")
        git(self.src, "checkout", "-q", "--detach", "main")
        return git(self.src, "rev-parse", name)

    def issue(self, title: str) -> str:
        return self.bd("create", title, "--json").assert_success().json()["id"]

    def submit(self, branch: str, issue: str, *extra: str) -> dict:
        return self.gt("mq", "submit", branch, "--rig", self.name, "--issue", issue,
                       *extra, "--json").assert_success().json()

    def work(self, name: str, files: dict[str, str]) -> dict:
        """A branch, its issue and its MR."""
        self.branch(name, files)
        return self.submit(name, self.issue(f"do {name}"))

    def run(self) -> dict:
        return self.gt("mq", "run", "--rig", self.name, "--json").assert_success().json()

    def ledger(self, stem: str) -> dict[str, dict]:
        text = (self.town.root / "beads" / f"{stem}.jsonl").read_text()
        return {b["id"]: b for b in (json.loads(x) for x in text.split("\n") if x)}

    def branches(self) -> list[str]:
        return git_out(self.src, "for-each-ref", "--format=%(refname:short)",
                       "refs/heads").split()

    def on_main(self, sha: str) -> bool:
        return subprocess.run(["git", "merge-base", "--is-ancestor", sha, "main"],
                              cwd=self.src).returncode == 0

    def feed(self) -> list[dict]:
        path = self.town.state / "events.jsonl"
        text = path.read_text() if path.exists() else ""
        return [json.loads(x) for x in text.split("\n") if x]


@pytest.fixture
def rig(town: Town, gt, bd, tmp_path: Path) -> Rig:
    src = make_source(tmp_path / "src")
    git(src, "checkout", "-q", "--detach")  # main takes pushes: no worktree holds it
    gt("rig", "add", "demo", str(src)).assert_success()
    return Rig(town, gt, bd, src)
