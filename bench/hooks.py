"""Cost of a town's git hooks on `git commit`, against a plain repository in the same run.

Four kinds of commit, each the median of many: a plain repository; a town commit that
touches no bead; a town commit that edits one bead (ledger of 1k and 10k beads); and,
for reference, the same non-bead commit in a repository whose hooks are managed by the
pre-commit framework. The reactions themselves run detached and are not timed.
"""
from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gastown.beads import codec  # noqa: E402
from gastown.town.install import install  # noqa: E402

ENV = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@x",
       "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "b@x", "GT_REACT": "off"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, env=ENV, capture_output=True)


def time_commits(repo: Path, edit, runs: int) -> list[float]:
    times = []
    for i in range(runs):
        path = edit(i)
        git(repo, "add", path)
        start = time.perf_counter()
        subprocess.run(["git", "commit", "-qm", f"c{i}"], cwd=repo, check=True, env=ENV,
                       capture_output=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def plain_repo(base: Path, name: str = "plain") -> Path:
    repo = base / name
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "f.txt").write_text("0\n")
    git(repo, "add", "f.txt")
    git(repo, "commit", "-qm", "init")
    return repo


def framework_repo(base: Path) -> Path | None:
    if shutil.which("pre-commit") is None:
        return None
    repo = plain_repo(base, "framework")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: noop\n    name: noop\n    entry: 'true'\n"
        "    language: unsupported\n    pass_filenames: false\n")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-qm", "config")
    subprocess.run(["pre-commit", "install", "-t", "pre-commit", "-t", "post-commit"],
                   cwd=repo, check=True, capture_output=True, env=ENV)
    return repo


def town_with(base: Path, beads: int) -> Path:
    root = install(base / f"town{beads}").town.root
    lines = []
    for i in range(beads):
        lines.append(codec.dumps({
            "id": f"gt-{i:06d}", "title": f"bead {i}", "description": "lorem ipsum " * 40,
            "status": "open", "priority": i % 5, "issue_type": "task",
            "created_at": "2026-01-01T00:00:00Z"}))
    (root / "beads" / "work.jsonl").write_bytes(b"\n".join(sorted(lines)) + b"\n")
    git(root, "add", "beads/work.jsonl")
    git(root, "commit", "-q", "--no-verify", "-m", "seed")
    return root


def bead_edit(root: Path):
    path = root / "beads" / "work.jsonl"

    def edit(i: int) -> str:
        data = path.read_bytes().split(b"\n")
        bead = json.loads(data[0])
        bead["notes"] = f"edit {i} {time.time_ns()}"
        data[0] = codec.dumps(bead)
        path.write_bytes(b"\n".join(data))
        return "beads/work.jsonl"

    return edit


def file_edit(root: Path, name: str = "f.txt"):
    def edit(i: int) -> str:
        (root / name).write_text(f"{i} {time.time_ns()}\n")
        return name

    return edit


def run(runs: int = 30) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.environ.update({"HOME": tmp, "GIT_CONFIG_NOSYSTEM": "1"})
        plain = plain_repo(base)
        small, large = town_with(base, 1000), town_with(base, 10_000)
        framework = framework_repo(base)
        cases = {}
        # Interleave the kinds so machine noise hits them alike.
        series: dict[str, list[float]] = {k: [] for k in
                                          ("plain", "town, no bead", "town, bead (1k)",
                                           "town, bead (10k)", "pre-commit framework")}
        for chunk in range(runs // 5):
            series["plain"] += time_commits(plain, file_edit(plain), 5)
            series["town, no bead"] += time_commits(small, file_edit(small, "notes.txt"), 5)
            series["town, bead (1k)"] += time_commits(small, bead_edit(small), 5)
            series["town, bead (10k)"] += time_commits(large, bead_edit(large), 5)
            if framework:
                series["pre-commit framework"] += time_commits(framework, file_edit(framework), 5)
        base_ms = statistics.median(series["plain"])
        for name, values in series.items():
            if not values:
                continue
            med = statistics.median(values)
            cases[name] = {"median_ms": round(med, 1),
                           "p95_ms": round(sorted(values)[int(len(values) * 0.95) - 1], 1),
                           "over_plain_ms": round(med - base_ms, 1), "runs": len(values)}
        return cases


TARGETS = {"town, no bead": 25.0, "town, bead (1k)": 60.0, "town, bead (10k)": 60.0}


def report(cases: dict) -> str:
    rows = [f"{'commit':<24}{'median':>9}{'p95':>9}{'over plain':>12}  target"]
    for name, c in cases.items():
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"<= {target:.0f} ms over: " + ("ok" if c["over_plain_ms"] <= target else "MISSED")
        rows.append(f"{name:<24}{c['median_ms']:>7.1f}ms{c['p95_ms']:>7.1f}ms"
                    f"{c['over_plain_ms']:>10.1f}ms  {verdict}")
    return "\n".join(rows)


def main() -> None:
    runs = 10 if "--quick" in sys.argv else 30
    cases = run(runs)
    print("git hooks: cost of `git commit` (median of %d each)" % runs)
    print(report(cases))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "hooks.json").write_text(json.dumps(cases, indent=2))


if __name__ == "__main__":
    main()
