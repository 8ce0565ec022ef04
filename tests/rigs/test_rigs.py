"""`gt rig add|list|status|remove` on real repositories."""
from __future__ import annotations

import subprocess
from pathlib import Path

from gastown.rigs import config
from tests.conftest import git_out
from tests.rigs.conftest import make_source


def test_add_clones_bare_and_commits_rig_toml(town, gt, source, git_log):
    gt("rig", "add", "demo", str(source), "--prefix", "dm").assert_success()
    bare = town.root / "rigs" / "demo" / "repo.git"
    assert git_out(bare, "rev-parse", "--is-bare-repository") == "true"
    assert git_out(bare, "rev-parse", "refs/remotes/origin/main") == git_out(source, "rev-parse",
                                                                            "HEAD")
    cfg = config.load(town, "demo")
    assert (cfg.url, cfg.branch, cfg.prefix) == (str(source.resolve()), "main", "dm")
    assert git_log()[0].startswith("gt rig add: demo")
    # the rig's Witness and Refinery identities come in the same commit
    agents = gt("agents", "list", "--rig", "demo", "--json").assert_success().json()
    assert sorted(a["name"] for a in agents) == ["demo/refinery", "demo/witness"]
    assert not any(a["running"] for a in agents)
    # only rig.toml is committed; the clone is ignored and the tree is clean
    assert git_out(town.root, "ls-files", "rigs/demo") == "rigs/demo/rig.toml"
    assert git_out(town.root, "status", "--porcelain") == ""


def test_default_branch_is_the_remotes_head(town, gt, tmp_path):
    src = make_source(tmp_path / "trunk-src", branch="trunk")
    gt("rig", "add", "t", str(src)).assert_success()
    assert config.load(town, "t").branch == "trunk"
    out = gt("rig", "add", "u", str(src), "--branch", "nope").assert_failure()
    assert "no branch 'nope'" in out.err
    assert not (town.root / "rigs" / "u").exists()


def test_list_and_status_json(town, gt, source):
    gt("rig", "add", "one", str(source)).assert_success()
    gt("rig", "add", "two", str(source), "--runtime", "shell").assert_success()
    rigs = gt("rig", "list", "--json").assert_success().json()
    assert [r["name"] for r in rigs] == ["one", "two"]
    assert rigs[1]["runtime"] == "shell" and rigs[0]["cloned"] is True
    status = gt("rig", "status", "one", "--json").assert_success().json()
    assert status["tip"] == git_out(source, "rev-parse", "HEAD")


def test_bad_input_is_refused_and_changes_nothing(town, gt, source, git_log):
    before = git_log()
    for args, words in [
        (("rig", "add", "Bad-Name", str(source)), "bad rig name"),
        (("rig", "add", "x", str(source.parent / "missing")), "no such repository"),
        (("rig", "add", "x", str(source), "--prefix", "a b"), "--prefix"),
        (("rig", "add", "x", str(source), "--runtime", "nosuch"), "no runtime 'nosuch'"),
        (("rig", "status", "ghost"), "no rig 'ghost'"),
    ]:
        out = gt(*args)
        assert out.code in (1, 2), (args, out)
        assert words in out.err, (args, out.err)
        assert "Traceback" not in out.err
    assert git_log() == before
    assert not (town.root / "rigs" / "x").exists()
    gt("rig", "add", "x", str(source)).assert_success()
    assert "exists" in gt("rig", "add", "x", str(source)).assert_failure().err


def test_hand_edited_rig_toml_errors_name_file_and_key(town, gt, source):
    gt("rig", "add", "demo", str(source)).assert_success()
    toml = town.root / "rigs" / "demo" / "rig.toml"
    for text, words in [
        ('url = "x"\nmax_polecats = 0\n', "max_polecats must be a whole number"),
        ('url = "x"\ngates = "make test"\n', "gates must be a list"),
        ('url = "x"\ncolour = 1\n', "unknown key 'colour'"),
        ('branch = "main"\n', "url is missing"),
        ('url = "x\n', "rigs/demo/rig.toml"),
    ]:
        toml.write_text(text)
        out = gt("rig", "status", "demo")
        assert out.code == 1 and "rigs/demo/rig.toml" in out.err and words in out.err, out.err


def test_remove_refuses_unpushed_work_unless_forced(town, gt, source, git_log):
    gt("rig", "add", "demo", str(source)).assert_success()
    bare = town.root / "rigs" / "demo" / "repo.git"
    wt = town.root / "rigs" / "demo" / "polecats" / "nux"
    subprocess.run(["git", "worktree", "add", "-q", "-b", "polecat/nux/x", str(wt),
                    "refs/remotes/origin/main"], cwd=bare, check=True)
    (wt / "new.txt").write_text("unsaved\n")
    out = gt("rig", "remove", "demo").assert_failure()
    assert "not pushed" in out.err and "uncommitted" in out.err
    assert wt.exists()
    gt("rig", "remove", "demo", "--force").assert_success()
    assert not (town.root / "rigs" / "demo").exists()
    assert git_log()[0] == "gt rig remove: demo"
    assert gt("agents", "list", "--rig", "demo", "--json").json() == []
    assert git_out(town.root, "ls-files", "rigs/demo") == ""


def test_a_clone_of_the_town_clones_the_rig_when_it_needs_it(town, gt, source, tmp_path: Path):
    from gastown.rigs import ops
    from gastown.town.install import install

    gt("rig", "add", "demo", str(source)).assert_success()
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(town.root), str(clone)], check=True)
    other = install(clone).town
    assert not (clone / "rigs" / "demo" / "repo.git").exists()
    bare = ops.ensure_clone(other, config.load(other, "demo"))
    assert git_out(bare, "rev-parse", "refs/remotes/origin/main") == git_out(source, "rev-parse",
                                                                            "HEAD")
