"""The shell runtime on real commands: retries, timeouts, failure and resume, parallelism,
gates, vars as environment only."""
from __future__ import annotations

import time
from pathlib import Path

from gastown.molecules import ops, runtime, storage
from gastown.town.paths import Town
from tests.molecules.conftest import ledger


def _pour(gt, name: str, work: Path, *vars: str) -> str:
    args = [a for v in vars for a in ("--var", v)]
    return gt("mol", "pour", name, "--dir", str(work), *args, "--json").assert_success().json()["id"]


def _steps(town: Town, mid: str) -> dict[str, dict]:
    return {b["step_id"]: b for b in ledger(town).values() if b["id"].startswith(mid + ".")}


def test_retries_until_success_with_a_counter_file(gt, town: Town, write_formula,
                                                   tmp_path: Path) -> None:
    write_formula("flaky", """
[[steps]]
id = "flaky"
run = 'n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; echo "try $n"; [ "$n" -ge 3 ]'
retries = 2
""")
    mid = _pour(gt, "flaky", tmp_path)
    gt("mol", "run", mid).assert_success()
    step = _steps(town, mid)["flaky"]
    assert (tmp_path / "count").read_text() == "3\n"
    assert step["status"] == "closed" and step["attempts"] == 3 and step["exit_code"] == 0
    log = (town.root / step["log"]).read_text()
    assert "try 1" in log and "try 3" in log and "attempt 3/3" in log


def test_failure_stops_the_molecule_and_retry_resumes_it(gt, town: Town, write_formula,
                                                         tmp_path: Path) -> None:
    write_formula("fragile", """
[[steps]]
id = "first"
run = 'echo first >> trail.txt'

[[steps]]
id = "check"
needs = ["first"]
run = 'echo check >> trail.txt; test -f fixed'
retries = 1

[[steps]]
id = "last"
needs = ["check"]
run = 'echo last >> trail.txt'
""")
    mid = _pour(gt, "fragile", tmp_path)
    ran = gt("mol", "run", mid)
    ran.assert_failure(1)
    assert "gt mol step retry" in ran.out
    steps = _steps(town, mid)
    check = steps["check"]
    assert check["status"] == "blocked"
    assert check["failure"]["reason"] == "exit 1" and check["failure"]["attempts"] == 2
    assert steps["last"]["status"] == "open"
    info = gt("mol", "status", mid, "--json").json()
    assert info["state"] == "failed" and info["failed"] == [check["id"]]
    # running again does not get past the failed step
    gt("mol", "run", mid).assert_failure(1)
    assert (tmp_path / "trail.txt").read_text().split() == ["first", "check", "check"]

    (tmp_path / "fixed").touch()
    gt("mol", "step", "retry", check["id"]).assert_success()
    assert _steps(town, mid)["check"]["status"] == "open"
    gt("mol", "run", mid).assert_success()
    # `first` closed before the failure and never ran again
    assert (tmp_path / "trail.txt").read_text().split() == [
        "first", "check", "check", "check", "last"]
    steps = _steps(town, mid)
    assert all(s["status"] == "closed" for s in steps.values())
    assert "failure" not in steps["check"] and steps["check"]["failures"]
    assert ledger(town)[mid]["status"] == "closed"


def test_timeout_kills_the_process_group(gt, town: Town, write_formula,
                                         tmp_path: Path) -> None:
    write_formula("slow", """
[[steps]]
id = "hang"
run = 'sleep 30 & echo $! > child.pid; wait'
timeout = 1
""")
    mid = _pour(gt, "slow", tmp_path)
    started = time.monotonic()
    gt("mol", "run", mid).assert_failure(1)
    assert time.monotonic() - started < 10
    step = _steps(town, mid)["hang"]
    assert step["failure"]["timed_out"] is True
    assert step["failure"]["reason"] == "timed out after 1s"
    child = int((tmp_path / "child.pid").read_text())
    time.sleep(0.2)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper that never comes counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_acceptance_run_decides(gt, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("accept", """
[[steps]]
id = "make"
run = 'echo made'
acceptance_run = 'test -f made.txt'
""")
    mid = _pour(gt, "accept", tmp_path)
    gt("mol", "run", mid).assert_failure(1)
    assert _steps(town, mid)["make"]["failure"]["reason"] == "acceptance_run exit 1"
    (tmp_path / "made.txt").touch()
    gt("mol", "step", "retry", f"{mid}:make").assert_success()
    gt("mol", "run", mid).assert_success()


def test_independent_steps_run_in_parallel(gt, town: Town, write_formula,
                                           tmp_path: Path) -> None:
    stamp = 'python3 -c "import time; print(time.time())"'
    body = "\n".join(f"""
[[steps]]
id = "{name}"
run = '{stamp} > {name}.start; sleep 0.6; {stamp} > {name}.end'
""" for name in ("left", "right"))
    write_formula("pair", body)

    def spans(folder: Path) -> list[tuple[float, float]]:
        return [(float((folder / f"{n}.start").read_text()), float((folder / f"{n}.end").read_text()))
                for n in ("left", "right")]

    both = tmp_path / "both"
    gt("mol", "run", _pour(gt, "pair", both)).assert_success()
    (a0, a1), (b0, b1) = spans(both)
    assert a0 < b1 and b0 < a1, "with --jobs 2 the two steps overlap"

    one = tmp_path / "one"
    gt("mol", "run", _pour(gt, "pair", one), "--jobs", "1").assert_success()
    (a0, a1), (b0, b1) = spans(one)
    assert a1 <= b0 or b1 <= a0, "with --jobs 1 they do not"


def test_failure_lets_running_steps_finish_but_starts_nothing_new(
        gt, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("mixed", """
[[steps]]
id = "slowok"
run = 'sleep 0.5; touch slowok'

[[steps]]
id = "bad"
run = 'exit 7'

[[steps]]
id = "later"
run = 'touch later'
""")
    mid = _pour(gt, "mixed", tmp_path)
    gt("mol", "run", mid).assert_failure(1)
    steps = _steps(town, mid)
    assert steps["slowok"]["status"] == "closed"
    assert steps["bad"]["failure"]["exit_code"] == 7
    assert steps["later"]["status"] == "open" and not (tmp_path / "later").exists()


def test_vars_reach_commands_only_as_environment(gt, town: Town, write_formula,
                                                 tmp_path: Path) -> None:
    write_formula("echo", """
[vars]
msg = "hello"
names = ["a", "b"]

[[steps]]
id = "say"
title = "Say {{msg}}"
run = 'printf "%s" "$GT_VAR_MSG" > said.txt; printf "%s" "$GT_VAR_NAMES" > names.txt'

[[steps]]
id = "each"
for_each = "names"
run = 'printf "%s" "$GT_ITEM" > "item-$GT_ITEM.txt"'
""")
    evil = "$(touch pwned); `touch pwned2`; touch pwned3"
    mid = _pour(gt, "echo", tmp_path, f"msg={evil}")
    gt("mol", "run", mid).assert_success()
    assert (tmp_path / "said.txt").read_text() == evil
    assert (tmp_path / "names.txt").read_text() == "a\nb"
    assert (tmp_path / "item-a.txt").read_text() == "a"
    assert not any((tmp_path / p).exists() for p in ("pwned", "pwned2", "pwned3"))
    assert not any(town.root.glob("pwned*"))
    say = _steps(town, mid)["say"]
    assert say["title"] == f"Say {evil}"  # substituted in text, never in commands
    assert "pwned" not in say["run"]


def test_agent_steps_and_human_gates_stop_the_runtime(gt, town: Town, write_formula,
                                                      tmp_path: Path) -> None:
    write_formula("handoff", """
[[steps]]
id = "prep"
run = 'touch prep'

[[steps]]
id = "think"
description = "An agent does this"

[[steps]]
id = "after"
needs = ["think"]
run = 'touch after'
""")
    mid = _pour(gt, "handoff", tmp_path)
    ran = gt("mol", "run", mid)
    assert ran.code == 4 and "waiting for an agent" in ran.out
    assert (tmp_path / "prep").exists() and not (tmp_path / "after").exists()
    gt("mol", "step", "done", f"{mid}:think", "--note", "thought").assert_success()
    gt("mol", "run", mid).assert_success()
    assert (tmp_path / "after").exists()


def test_short_timer_gate_is_waited_for(gt, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("pause", """
[[steps]]
id = "before"
run = 'touch before'

[[steps]]
id = "cool"
needs = ["before"]
gate = { type = "timer", after = 1 }

[[steps]]
id = "after"
needs = ["cool"]
run = 'touch after'
""")
    mid = _pour(gt, "pause", tmp_path)
    assert gt("mol", "run", mid, "--gate-wait", "0").code == 4
    time.sleep(1.1)
    started = time.monotonic()
    gt("mol", "run", mid).assert_success()
    assert time.monotonic() - started < 5
    assert _steps(town, mid)["cool"]["close_reason"] == "timer passed"

    mid = _pour(gt, "pause", tmp_path / "again")
    started = time.monotonic()
    gt("mol", "run", mid).assert_success()
    assert time.monotonic() - started >= 1.0


def test_a_step_left_in_progress_runs_again_and_closed_ones_never(
        gt, bd, town: Town, write_formula, tmp_path: Path) -> None:
    write_formula("two", """
[[steps]]
id = "a"
run = 'echo a >> trail.txt'

[[steps]]
id = "b"
needs = ["a"]
run = 'echo b >> trail.txt'
""")
    mid = _pour(gt, "two", tmp_path)
    gt("mol", "run", mid).assert_success()
    gt("mol", "run", mid).assert_success()  # done: nothing runs again
    assert (tmp_path / "trail.txt").read_text() == "a\nb\n"
    # a runtime that died after marking `b` started leaves it in_progress
    mid = _pour(gt, "two", tmp_path / "second")
    bd("update", f"{mid}.1", "--status", "closed").assert_success()
    bd("update", f"{mid}.2", "--status", "in_progress").assert_success()
    gt("mol", "run", mid).assert_success()
    assert (tmp_path / "second" / "trail.txt").read_text() == "b\n"


def test_one_runtime_per_molecule(town: Town, gt, write_formula, tmp_path: Path) -> None:
    write_formula("one", '[[steps]]\nid = "a"\nrun = "true"\n')
    mid = _pour(gt, "one", tmp_path)
    with storage.runner_lock(town, mid):
        err = gt("mol", "run", mid).assert_failure(1).err
    assert "already being run" in err
    result = runtime.run(town, mid)
    assert result.exit_code == 0 and result.ran == ["a"]
    assert ops.load(town, mid).state() == "done"
