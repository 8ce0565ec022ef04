"""The cost of a town's git hooks on `git commit`, against plain repositories, in one run.

Kinds of commit, each timed as a whole `git commit` process:

* plain: a repository with no hooks;
* plain, bead edit (1k) and (10k): a repository with no hooks holding the same ledger
  as the towns, one bead edited: git's own cost of committing a large file staged in
  the same second (it hashes it again, "racily clean");
* town, no bead: a town commit that touches no ledger file (the shims answer in sh);
* town, bead (1k) and (10k): the same bead edit in a town (pre-commit validates the
  staged ledger; post-commit starts the reactor detached), each made once the
  reactor is done with the one before, as a person would;
* pre-commit framework: a repository whose pre-commit and post-commit hooks are
  managed by the pre-commit framework with one no-op hook, for reference.

The kinds are interleaved in rounds so machine noise hits them alike. The hooks'
cost of a kind is the median of its paired differences with its baseline (BASELINES)
in the same round. Targets: <= 25 ms for a non-bead commit, <= 60 ms for a bead
commit. The detached reactor's own work is not timed, but it competes for the same
two cores while the next commits run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
for _p in (str(HERE), str(HERE.parent)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import harness  # noqa: E402
import synth  # noqa: E402

NAME = "hooks"
DESCRIPTION = ("git commit through a town's hooks vs a plain repository "
               "(target: <= 25 ms over plain without beads, <= 60 ms with)")
TARGETS_S = {"town, no bead": 0.025, "town, bead (1k)": 0.060, "town, bead (10k)": 0.060}
# Each kind against the same commit without hooks: a bead edit makes git itself hash a
# ledger file that was staged within the same second ("racily clean"), so a plain
# repository holding the same ledger, edited the same way, is the fair baseline.
BASELINES = {"town, no bead": "plain", "town, bead (1k)": "plain, bead edit (1k)",
             "town, bead (10k)": "plain, bead edit (10k)", "pre-commit framework": "plain"}
ROUND = 5  # commits of each kind per round

Edit = Callable[[int], str]


def _git(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def plain_repo(base: Path, env: dict[str, str], name: str = "plain") -> Path:
    repo = base / name
    repo.mkdir()
    _git(env, repo, "init", "-q", "-b", "main")
    (repo / "f.txt").write_text("0\n")
    _git(env, repo, "add", "f.txt")
    _git(env, repo, "commit", "-qm", "init")
    return repo


def framework_repo(base: Path, env: dict[str, str]) -> Path | None:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or \
        shutil.which("pre-commit")
    if exe is None:
        return None
    repo = plain_repo(base, env, "framework")
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: noop\n    name: noop\n    entry: 'true'\n"
        "    language: unsupported\n    pass_filenames: false\n"
        "    stages: [pre-commit, post-commit]\n")
    _git(env, repo, "add", ".pre-commit-config.yaml")
    _git(env, repo, "commit", "-qm", "config")
    subprocess.run([exe, "install", "-t", "pre-commit", "-t", "post-commit"], cwd=repo,
                   check=True, capture_output=True, env=env)
    return repo


def town_with(base: Path, env: dict[str, str], beads: int) -> Path:
    return synth.make_town(base / f"town{beads}", synth.generate(beads), env).root


def plain_ledger_repo(base: Path, env: dict[str, str], beads: int) -> Path:
    """A repository without hooks holding the same ledger: git's own cost of the edit."""
    repo = plain_repo(base, env, f"plain{beads}")
    (repo / "beads").mkdir()
    (repo / "beads" / "work.jsonl").write_bytes(synth.ledger_bytes(synth.generate(beads)))
    _git(env, repo, "add", "beads")
    _git(env, repo, "commit", "-qm", "ledger")
    return repo


def bead_edit(root: Path) -> Edit:
    """Change the notes of the first bead, as a person in an editor would."""
    path = root / "beads" / "work.jsonl"

    def edit(i: int) -> str:
        from gastown.beads import codec

        first, _, rest = path.read_bytes().partition(b"\n")
        bead = json.loads(first)
        bead["notes"] = f"edit {i} {time.time_ns()}"
        path.write_bytes(codec.dumps(bead) + b"\n" + rest)
        return "beads/work.jsonl"

    return edit


def file_edit(root: Path, name: str = "f.txt") -> Edit:
    def edit(i: int) -> str:
        (root / name).write_text(f"{i} {time.time_ns()}\n")
        return name

    return edit


def time_commits(env: dict[str, str], repo: Path, edit: Edit, start: int, runs: int,
                 settle: bool) -> list[float]:
    times = []
    for i in range(start, start + runs):
        _git(env, repo, "add", edit(i))
        t0 = time.perf_counter()
        subprocess.run(["git", "commit", "-qm", f"c{i}"], cwd=repo, check=True, env=env,
                       capture_output=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        if settle:
            _settle(repo)
    return times


def _settle(town: Path, limit: float = 30.0) -> None:
    """Wait until the detached reactor is done with HEAD: it moved the cursor there and
    the index knows the ledger's committed blob (what the next pre-commit reads a diff
    against). A person commits at that pace; back-to-back commits would race it."""
    from gastown.beads import index

    cursor = town / ".gastown" / "cursor"
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        head, blob = subprocess.run(["git", "rev-parse", "HEAD", "HEAD:beads/work.jsonl"],
                                    cwd=town, capture_output=True, text=True).stdout.split()
        entries, _ = index.load(str(town / ".gastown" / "index.bin"))
        try:
            if cursor.read_text().strip() == head and getattr(entries.get("work"), "blob",
                                                               None) == blob:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.02)


def run(ctx: harness.Context) -> harness.Report:
    rounds = 2 if ctx.quick else 8
    env = synth.bench_env(ctx.workdir / "home")
    env["GIT_AUTHOR_NAME"] = env["GIT_COMMITTER_NAME"] = "bench"
    env["GIT_AUTHOR_EMAIL"] = env["GIT_COMMITTER_EMAIL"] = "bench@example.invalid"
    base = ctx.workdir
    ctx.log("building a plain repository, 1k and 10k-bead towns, a pre-commit repository")
    plain = plain_repo(base, env)
    small, large = town_with(base, env, 1000), town_with(base, env, 10_000)
    for town in (small, large):  # a first commit through the hooks, so the index knows it
        time_commits(env, town, bead_edit(town), 999, 1, settle=True)
    framework = framework_repo(base, env)
    plain1k, plain10k = plain_ledger_repo(base, env, 1000), plain_ledger_repo(base, env, 10_000)
    kinds: dict[str, tuple[Path, Edit]] = {
        "plain": (plain, file_edit(plain)),
        "plain, bead edit (1k)": (plain1k, bead_edit(plain1k)),
        "plain, bead edit (10k)": (plain10k, bead_edit(plain10k)),
        "town, no bead": (small, file_edit(small, "notes.txt")),
        "town, bead (1k)": (small, bead_edit(small)),
        "town, bead (10k)": (large, bead_edit(large)),
    }
    if framework is not None:
        kinds["pre-commit framework"] = (framework, file_edit(framework))
    series: dict[str, list[float]] = {k: [] for k in kinds}
    for r in range(rounds):
        ctx.log(f"round {r + 1}/{rounds}: {ROUND} commits of each kind")
        for name, (repo, edit) in kinds.items():
            series[name] += time_commits(env, repo, edit, r * ROUND, ROUND,
                                         settle="bead (" in name)
    method = "perf_counter around `git commit` (whole process), kinds interleaved"
    ms = [harness.Measurement(f"git commit: {name}", NAME, samples, method,
                              warmup=0, load=harness.loadavg())
          for name, samples in series.items()]
    for name, baseline in BASELINES.items():
        if name not in series:
            continue
        diffs = [s - p for s, p in zip(series[name], series[baseline])]
        ms.append(harness.Measurement(f"hooks' cost: {name} - {baseline}", NAME, diffs,
                                      "paired with the baseline commit of the same round",
                                      target=TARGETS_S.get(name)))
    rows = []
    for m in ms:
        st = m.stats
        verdict = "-" if m.ok is None else ("ok" if m.ok else "OVER")
        rows.append([m.name, str(st.n), harness.fmt_s(st.median), harness.fmt_s(st.p95),
                     harness.fmt_s(m.target) if m.target else "-", verdict])
    table = harness.Table(f"hooks: git commit, {rounds} rounds x {ROUND} of each kind",
                          ["measure", "n", "median", "p95", "target", ""], rows,
                          caption="reactions run detached; their CPU competes with the "
                                  "next commits")
    return harness.Report(measurements=ms, tables=[table])


if __name__ == "__main__":
    import run as runner

    raise SystemExit(runner.main(["--only", NAME, *sys.argv[1:]]))
