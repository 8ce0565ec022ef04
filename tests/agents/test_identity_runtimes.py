"""Pure decisions about agents (who takes which bead, addresses) and runtime presets."""
from __future__ import annotations

import pytest

from gastown.agents import identity, runtimes
from gastown.errors import GastownError, NotFound, UsageError


def polecat(name: str, hook: str | None = None, status: str = "open") -> dict:
    return {"id": identity.agent_id("r", name), "name": name, "rig": "r", "role": "polecat",
            "hook": hook, "status": status}


def test_assign_takes_free_polecats_in_pool_order_then_new_names():
    pool = ("a", "b", "c", "d")
    agents = [polecat("c"), polecat("a", hook="x-1"), polecat("b")]
    plan = identity.assign(["x-2", "x-3", "x-4"], agents, running=set(), pool=pool,
                           max_polecats=10)
    assert plan == [identity.Assignment("x-2", "b", False), identity.Assignment("x-3", "c", False),
                    identity.Assignment("x-4", "d", True)]


def test_a_polecat_whose_session_runs_is_not_free():
    plan = identity.assign(["x-2"], [polecat("a")], running={"gt-r-a"}, pool=("a", "b"),
                           max_polecats=5)
    assert plan == [identity.Assignment("x-2", "b", True)]


def test_assign_refuses_past_max_polecats_and_an_empty_pool():
    with pytest.raises(UsageError, match="max_polecats is 1"):
        identity.assign(["x-1"], [polecat("a", hook="x-0")], set(), ("a", "b"), 1)
    with pytest.raises(UsageError, match="no polecat name left"):
        identity.assign(["x-1", "x-2"], [], set(), ("a",), 5)


def test_addresses():
    assert identity.parse_address("mayor") == identity.Address(None, "mayor")
    assert identity.parse_address("demo/nux") == identity.Address("demo", "nux")
    assert identity.parse_address("@rig/demo").group
    for bad in ("", "demo/", "/nux", "Demo/nux", "a/b/c", "@rig/", "mayor/x/y", "nux"):
        with pytest.raises(UsageError, match="bad address"):
            identity.parse_address(bad)
    assert identity.agent_id("demo", "nux") == "hq-demo-nux"
    assert identity.session_name(None, "mayor") == "gt-mayor"


def test_builtin_runtimes_load_and_compile():
    assert {"shell", "claude", "codex", "gemini", "opencode", "aider"} <= set(runtimes.names(None))
    for name in runtimes.names(None):
        rt = runtimes.load(None, name)
        assert rt.command and rt.ready and rt.busy
    shell = runtimes.load(None, "shell")
    assert shell.prime == "self" and shell.argv("ignored")[1:] == ["-m", "gastown.agents.shell"]
    claude = runtimes.load(None, "claude")
    assert claude.argv("hello $(x)")[-1] == "hello $(x)"  # one argv word, never a shell string


def test_a_towns_runtime_overrides_a_builtin_and_errors_name_the_file(town):
    folder = town.root / "runtimes"
    folder.mkdir()
    (folder / "claude.toml").write_text('command = ["my-claude"]\nready = "> "\nbusy = "busy"\n')
    assert runtimes.load(town, "claude").command == ("my-claude",)
    for text, words in [
        ('command = "claude"\nready = "x"\nbusy = "y"\n', "command must be a non-empty list"),
        ('command = ["c"]\nready = "("\nbusy = "y"\n', "ready is not a regular expression"),
        ('command = ["c"]\nbusy = "y"\n', "ready (a regular expression) is missing"),
        ('command = ["c"]\nready = "x"\nbusy = "y"\nprompt = "fax"\n', "prompt must be one of"),
        ('command = ["c"]\nready = "x"\nbusy = "y"\ncolour = 1\n', "unknown key 'colour'"),
        ('command = [\n', "runtimes/bad.toml"),
    ]:
        (folder / "bad.toml").write_text(text)
        with pytest.raises(GastownError, match="runtimes/bad.toml") as err:
            runtimes.load(town, "bad")
        assert words in str(err.value)
    with pytest.raises(NotFound, match="no runtime 'nope'"):
        runtimes.load(town, "nope")
