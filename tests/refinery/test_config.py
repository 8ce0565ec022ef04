"""rig.toml's Refinery keys: gates in both forms, batch_size, on_conflict, retry_flaky."""
from __future__ import annotations

import tomllib

import pytest

from gastown.errors import GastownError
from gastown.rigs.config import Gate, RigConfig, parse

WHERE = "rigs/demo/rig.toml"


def test_gates_as_tables_or_strings_and_the_defaults():
    cfg = parse("demo", tomllib.loads('url = "x"\n[[gates]]\nname = "test"\nrun = "make test"\n'
                                      'timeout = "10m"\n[[gates]]\nrun = "make lint"\n'), WHERE)
    assert cfg.gates == (Gate("test", "make test", 600), Gate("2", "make lint", 600))
    assert (cfg.batch_size, cfg.on_conflict, cfg.retry_flaky) == (4, "assign_back", 0)
    old = parse("demo", {"url": "x", "gates": ["make test", "make lint"]}, WHERE)
    assert [g.name for g in old.gates] == ["1", "2"]


def test_to_toml_round_trips():
    cfg = RigConfig("demo", "x", gates=(Gate("t", 'echo "hi"', 30), Gate("2", "true")),
                    batch_size=8, on_conflict="auto_rebase", retry_flaky=2)
    assert parse("demo", tomllib.loads(cfg.to_toml()), WHERE) == cfg


@pytest.mark.parametrize("extra, words", [
    ({"gates": "make test"}, "gates must be a list"),
    ({"gates": [{"name": "t"}]}, "gates[1]: run must be a non-empty command"),
    ({"gates": [{"run": "x", "timeout": "soon"}]}, "gates[1]: timeout: bad duration"),
    ({"gates": [{"run": "x", "when": 1}]}, "gates[1]: unknown key 'when'"),
    ({"gates": ["a", {"name": "1", "run": "b"}]}, "a second gate named '1'"),
    ({"gates": [3]}, "gates[1] must be a command string or a table"),
    ({"batch_size": 0}, "batch_size must be a whole number"),
    ({"on_conflict": "panic"}, "on_conflict must be one of assign_back, auto_rebase"),
    ({"retry_flaky": -1}, "retry_flaky must be a whole number of at least 0"),
])
def test_errors_name_the_file_and_the_key(extra, words):
    with pytest.raises(GastownError) as e:
        parse("demo", {"url": "x", **extra}, WHERE)
    assert WHERE in str(e.value) and words in str(e.value)
