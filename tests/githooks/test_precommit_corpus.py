"""The pre-commit hook refuses bad ledger and formula edits with file:line, losing nothing."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import git_out

GOOD_A = {"id": "gt-aaaa", "title": "first", "status": "open", "priority": 2,
          "issue_type": "task"}
GOOD_B = {"id": "gt-bbbb", "title": "second", "status": "open", "priority": 1,
          "issue_type": "bug"}


def line(**fields: object) -> str:
    bead = {**GOOD_A, **fields}
    return json.dumps({k: v for k, v in bead.items() if v is not None})


def dep(target: str, kind: str = "blocks") -> list[dict]:
    return [{"issue_id": "x", "depends_on_id": target, "type": kind}]


A, B = json.dumps(GOOD_A), json.dumps(GOOD_B)

# (name, file, content, line, reason fragment)
LEDGER_CASES = [
    ("not json", "work", f"{A}\n{{nope\n", 2, "bad JSON"),
    ("trailing garbage", "work", f"{A}x\n", 1, "bad JSON"),
    ("truncated line", "work", f'{A}\n{{"id": "gt-cccc", "title": "cut\n', 2, "bad JSON"),
    ("array", "work", "[1, 2]\n", 1, "not a JSON object"),
    ("number", "work", f"{A}\n42\n", 2, "not a JSON object"),
    ("string", "work", '"gt-aaaa"\n', 1, "not a JSON object"),
    ("null", "work", "null\n", 1, "not a JSON object"),
    ("missing id", "work", line(id=None) + "\n", 1, "missing id"),
    ("empty id", "work", line(id="") + "\n", 1, "missing id"),
    ("id with space", "work", line(id="gt- a") + "\n", 1, "unsafe id"),
    ("id with slash", "work", line(id="gt-../x") + "\n", 1, "unsafe id"),
    ("id without prefix", "work", line(id="aaaa") + "\n", 1, "unsafe id"),
    ("numeric id", "work", line(id=7) + "\n", 1, "missing id"),
    ("duplicate id", "work", f"{A}\n{A}\n", 2, "duplicate id gt-aaaa"),
    ("unknown status", "work", line(status="done") + "\n", 1, "unknown status 'done'"),
    ("status wrong type", "work", line(status=3) + "\n", 1, "unknown status"),
    ("priority too high", "work", line(priority=7) + "\n", 1, "priority 7 out of range"),
    ("priority negative", "work", line(priority=-1) + "\n", 1, "out of range"),
    ("priority string", "work", line(priority="high") + "\n", 1, "priority must be an integer"),
    ("priority float", "work", line(priority=1.5) + "\n", 1, "priority must be an integer"),
    ("priority bool", "work", line(priority=True) + "\n", 1, "priority must be an integer"),
    ("empty title", "work", line(title="") + "\n", 1, "empty title"),
    ("blank title", "work", line(title="   ") + "\n", 1, "empty title"),
    ("no title", "work", line(title=None) + "\n", 1, "empty title"),
    ("labels not a list", "work", line(labels="a,b") + "\n", 1, "labels must be a list"),
    ("dependencies not a list", "work", line(dependencies={"a": 1}) + "\n", 1,
     "dependencies must be a list"),
    ("dependency without target", "work", line(dependencies=[{"type": "blocks"}]) + "\n", 1,
     "depends_on_id"),
    ("conflict markers", "work", f"<<<<<<< HEAD\n{A}\n=======\n{B}\n>>>>>>> other\n", 1,
     "conflict marker"),
    ("nested too deep for the parser", "work", f"{A}\n" + "[" * 100_000 + "\n", 2,
     "nested more than 100 levels deep"),
    ("nested too deep to write back", "work",
     line(vars="X").replace('"X"', "[" * 500 + "]" * 500) + "\n", 1, "levels deep"),
    ("defer_until not a date", "work", line(defer_until="next week") + "\n", 1,
     "defer_until must be a date"),
    ("defer_until a number", "work", line(defer_until=20260501) + "\n", 1,
     "defer_until must be a date"),
    ("nan", "work", '{"id": "gt-aaaa", "title": "x", "estimate": NaN}\n', 1, "bad JSON"),
    ("agent in work.jsonl", "work", line(issue_type="agent") + "\n", 1,
     "belongs in beads/agents.jsonl"),
    ("task in mail.jsonl", "mail", A + "\n", 1, "belongs in beads/work.jsonl"),
    ("second line bad in mq", "mq",
     json.dumps({"id": "gt-mr1", "title": "mr", "issue_type": "merge-request"}) + "\n{\n",
     2, "bad JSON"),
    ("dangling dependency", "work", line(dependencies=dep("gt-gone")) + "\n", 1,
     "depends on gt-gone, which does not exist"),
    ("blocks cycle", "work",
     json.dumps({**GOOD_A, "dependencies": dep("gt-bbbb")}) + "\n"
     + json.dumps({**GOOD_B, "dependencies": dep("gt-aaaa")}) + "\n", 1, "dependency cycle"),
    ("parent cycle", "work",
     json.dumps({**GOOD_A, "dependencies": dep("gt-aaaa", "parent-child")}) + "\n", 1,
     "dependency cycle"),
]


def _attempt(town, rel: str, content: str) -> subprocess.CompletedProcess:
    (town.root / rel).write_text(content)
    subprocess.run(["git", "add", rel], cwd=town.root, check=True)
    return subprocess.run(["git", "commit", "-qm", "bad edit"], cwd=town.root,
                          capture_output=True, text=True)


@pytest.mark.parametrize(("name", "stem", "content", "lineno", "reason"), LEDGER_CASES,
                         ids=[c[0] for c in LEDGER_CASES])
def test_bad_ledger_edit_is_refused_with_file_and_line(town, name, stem, content, lineno,
                                                        reason):
    head = git_out(town.root, "rev-parse", "HEAD")
    rel = f"beads/{stem}.jsonl"
    result = _attempt(town, rel, content)
    assert result.returncode == 1, result.stderr
    assert f"{rel}:{lineno}: " in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # Nothing lost: the edit is still in the working tree and staged; HEAD did not move.
    assert (town.root / rel).read_text() == content
    assert git_out(town.root, "diff", "--cached", "--name-only") == rel
    assert git_out(town.root, "rev-parse", "HEAD") == head


BAD_FORMULAS = [
    ("unknown key", 'formula = "f"\ncolour = "red"\n', 2, "unknown key"),
    ("name mismatch", 'formula = "other"\n', 1, "file name"),
    ("duplicate step", 'formula = "f"\n[[steps]]\nid = "a"\n[[steps]]\nid = "a"\n', 5,
     "duplicate"),
    ("needs unknown", 'formula = "f"\n[[steps]]\nid = "a"\nneeds = ["zz"]\n', 4, "zz"),
    ("bad toml", 'formula = "f"\n[[steps]\n', 2, ""),
]


@pytest.mark.parametrize(("name", "content", "lineno", "reason"), BAD_FORMULAS,
                         ids=[c[0] for c in BAD_FORMULAS])
def test_bad_formula_is_refused_with_file_and_line(town, name, content, lineno, reason):
    rel = "formulas/f.formula.toml"
    result = _attempt(town, rel, content)
    assert result.returncode == 1, result.stderr
    assert f"{rel}:{lineno}: " in result.stderr and reason in result.stderr, result.stderr
    assert (town.root / rel).read_text() == content


def test_a_dangling_link_already_in_head_does_not_block_other_commits(town):
    rel = "beads/work.jsonl"
    (town.root / rel).write_text(line(dependencies=dep("gt-gone")) + "\n")
    subprocess.run(["git", "add", rel], cwd=town.root, check=True)
    subprocess.run(["git", "commit", "-q", "--no-verify", "-m", "old dangling"],
                   cwd=town.root, check=True)
    result = _attempt(town, rel, line(dependencies=dep("gt-gone"), title="retitled") + "\n")
    assert result.returncode == 0, result.stderr


def test_a_good_edit_passes(town):
    result = _attempt(town, "beads/work.jsonl", f"{A}\n{B}\n")
    assert result.returncode == 0, result.stderr
    assert git_out(town.root, "status", "--porcelain") == ""


def test_validators_for_other_repositories(tmp_path, bd):
    bad = tmp_path / "issues.jsonl"
    bad.write_text(f"{A}\n{{oops\n")
    out = bd("validate", str(bad)).assert_failure(1)
    assert f"{bad}:2: bad JSON" in out.err
    bd("validate").assert_success()


def _existing(town, bd, count: int = 3) -> str:
    """Beads written by bd, so the index knows HEAD's rows and pre-commit reads a diff."""
    from gastown.beads import snapshot

    for n in range(count):
        bd("create", f"existing {n}", "--silent").assert_success()
    with snapshot.load(town, warn=False) as snap:
        assert snap.entries["work"].blob == git_out(town.root, "rev-parse",
                                                    "HEAD:beads/work.jsonl")
    return (town.root / "beads" / "work.jsonl").read_text()


@pytest.mark.parametrize(("name", "stem", "content", "lineno", "reason"), LEDGER_CASES,
                         ids=[c[0] for c in LEDGER_CASES])
def test_bad_ledger_edit_after_bd_writes_is_refused_with_file_and_line(
        town, bd, name, stem, content, lineno, reason):
    """The same corpus where pre-commit reads only the changed lines (a diff against
    HEAD's rows from the index): the lines before the edit shift the numbers."""
    _existing(town, bd, 3 if stem == "work" else 1)
    head = git_out(town.root, "rev-parse", "HEAD")
    rel = f"beads/{stem}.jsonl"
    before = (town.root / rel).read_text()
    result = _attempt(town, rel, before + content)
    expected = lineno + before.count("\n")
    assert result.returncode == 1, result.stderr
    assert f"{rel}:{expected}: " in result.stderr and reason in result.stderr, result.stderr
    assert (town.root / rel).read_text() == before + content
    assert git_out(town.root, "rev-parse", "HEAD") == head


def test_the_diff_path_reads_only_the_changed_lines(town, bd, monkeypatch):
    from gastown.beads import snapshot
    from gastown.beads.index import LENGTH, OFFSET
    from gastown.githooks import staged

    _existing(town, bd, 5)
    rel = "beads/work.jsonl"
    lines = (town.root / rel).read_text().splitlines()
    edited = json.loads(lines[2])
    edited["notes"] = "by hand"
    lines[2] = json.dumps(edited)
    lines.insert(0, json.dumps({**GOOD_A, "dependencies": dep(edited["id"])}))
    del lines[4]
    (town.root / rel).write_text("\n".join(lines) + "\n")
    subprocess.run(["git", "add", rel], cwd=town.root, check=True)
    problems: list = []
    files = staged.read(town.root, staged.changes(town.root), problems)
    work = files[0]
    assert problems == [] and work.new == {"gt-aaaa", edited["id"]}

    def shape(rows):
        return [r[:OFFSET] + r[LENGTH + 1:] for r in rows]

    whole = snapshot.parse_file("work", (town.root / rel).read_bytes())
    assert shape(work.staged) == shape(whole)
    result = subprocess.run(["git", "commit", "-qm", "hand edit"], cwd=town.root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_diff_path_ignores_personal_diff_settings(town, bd):
    _existing(town, bd, 2)
    for key, value in (("diff.mnemonicPrefix", "true"), ("color.diff", "always"),
                       ("diff.context", "9")):
        subprocess.run(["git", "config", key, value], cwd=town.root, check=True)
    rel = "beads/work.jsonl"
    before = (town.root / rel).read_text()
    result = _attempt(town, rel, before + "{oops\n")
    assert result.returncode == 1
    assert f"{rel}:{before.count(chr(10)) + 1}: bad JSON" in result.stderr, result.stderr
