"""The shell runtime: work through a molecule's `run` steps, checkpointing each one.

How a run goes:

* One runtime per molecule (a lock the kernel frees if the runtime dies). On start it
  kills what a killed predecessor left running (process groups recorded in
  `.gastown/run/molecules/<mol>/`, matched by a token in their environment).
* Each loop turn is ONE write (one commit for a ledger molecule): it records the step
  that just finished (closed, or failed), opens timer gates whose time has come, and
  marks the steps about to start `in_progress`; then those steps are started, up to
  `jobs` at a time, independent ones in parallel.
* A step runs `sh -c RUN` in the molecule's `dir`, in its own process group, with
  stdin closed, stdout and stderr appended to `.gastown/logs/molecules/<mol>/<step>.log`,
  and the vars only as environment variables (GT_VAR_<NAME>, GT_ITEM, plus GT_TOWN,
  GT_MOLECULE, GT_STEP, GT_STEP_ID). Nothing from a bead is ever pasted into a command:
  the only shell text run is the formula author's `run` and `acceptance_run`.
* A step succeeds when `run` exits 0 and then `acceptance_run` (if any) exits 0. A
  timeout kills the step's process group (TERM, then KILL after a grace period). A
  failed attempt is retried up to `retries` times; then the step is failed: status
  `blocked` with a `failure` record, and the runtime starts nothing new (what is
  running finishes and is recorded) and exits 1. `gt mol step retry` reopens it.
* Steps without `run` (agent steps) and human gates stop the runtime when nothing else
  can run (exit 4, saying who must act); a timer gate is waited for when it opens
  within `gate_wait` seconds, else the runtime stops the same way.

Delivery: a step that closed is never run again (the runtime holds the molecule lock
and reads the step's status under the write lock before starting it). A step that was
started but did not close (the runtime was killed) is run again on resume: at least
once, so `run` lines should be safe to repeat.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gastown import git
from gastown.beads.actor import now
from gastown.errors import GastownError, NotFound
from gastown.molecules import model, ops
from gastown.molecules.model import Bead, Molecule
from gastown.molecules.storage import Edit, kick, rel, runner_lock
from gastown.town.paths import Town

EXIT_DONE, EXIT_FAILED, EXIT_WAITING = 0, 1, 4
DEFAULT_JOBS = 2
DEFAULT_GATE_WAIT = 60.0
KILL_GRACE = 2.0
KICK_EVERY = 1.0
LOG_DIR = "logs/molecules"
PID_DIR = "run/molecules"
TOKEN_VAR = "GT_RUN_TOKEN"

Report = Callable[[str], None]


@dataclass
class Outcome:
    """How one step's run went (all attempts)."""

    bead_id: str
    ok: bool
    exit_code: int | None
    attempts: int
    duration_ms: int
    log: str
    reason: str = ""
    timed_out: bool = False


@dataclass
class RunResult:
    mol_id: str
    state: str
    exit_code: int
    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    waiting: list[dict[str, Any]] = field(default_factory=list)


def log_path(town: Town, mol_id: str, step: Bead) -> Path:
    return town.state / LOG_DIR / mol_id / f"{step['step_id']}.log"


def _pid_dir(town: Town, mol_id: str) -> Path:
    return town.state / PID_DIR / mol_id


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def reap_stale(town: Town, mol_id: str) -> list[int]:
    """Kill the process groups a killed runtime left behind for this molecule.

    Only processes in the recorded group whose environment carries the recorded token
    are killed, so a reused pid is never hit. Returns the pids killed.
    """
    folder = _pid_dir(town, mol_id)
    if not folder.is_dir():
        return []
    killed: list[int] = []
    for pidfile in folder.glob("*.pid"):
        try:
            pgid_text, token = pidfile.read_text().split()
            pgid = int(pgid_text)
        except (OSError, ValueError):
            pidfile.unlink(missing_ok=True)
            continue
        marker = f"{TOKEN_VAR}={token}".encode()
        for pid in _group_members(pgid):
            try:
                with open(f"/proc/{pid}/environ", "rb") as f:
                    environ = f.read().split(b"\0")
            except OSError:
                continue
            if marker in environ:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    pass
        pidfile.unlink(missing_ok=True)
    return killed


def _group_members(pgid: int) -> list[int]:
    members = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return members
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 2 and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


class StepProcess:
    """Runs one step's commands (all attempts) on a worker thread."""

    def __init__(self, town: Town, mol: Molecule, step: Bead, base_env: dict[str, str],
                 results: queue.Queue[Outcome]) -> None:
        self.town = town
        self.mol_id = mol.id
        self.step = step
        self.cwd = str(mol.root.get("dir") or town.root)
        self.env = {**base_env, **model.step_env(mol.root, step), "GT_MOLECULE": mol.id,
                    "GT_STEP": step["id"], "GT_STEP_ID": step["step_id"]}
        self.results = results
        self.log = log_path(town, mol.id, step)
        self.pidfile = _pid_dir(town, mol.id) / f"{step['step_id']}.pid"
        self.proc: subprocess.Popen[bytes] | None = None
        self.cancelled = False
        self.thread = threading.Thread(target=self._main, name=f"step-{step['id']}",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.cancelled = True
        proc = self.proc
        if proc is not None and proc.returncode is None:
            _killpg(proc.pid, signal.SIGKILL)

    def _main(self) -> None:
        try:
            outcome = self.execute()
        except Exception as e:  # noqa: BLE001 - report it as the step's failure
            outcome = Outcome(self.step["id"], False, None, 1, 0, rel(self.town, self.log),
                              reason=f"runtime error: {type(e).__name__}: {e}")
        self.results.put(outcome)

    def execute(self) -> Outcome:
        step = self.step
        tries = 1 + max(0, int(step.get("retries") or 0))
        timeout = step.get("timeout_seconds")
        start = time.monotonic()
        reason, code, timed_out = "", None, False
        attempt = 0
        with open(self.log, "ab", buffering=0) as log:
            for attempt in range(1, tries + 1):
                log.write(f"--- {step['step_id']} attempt {attempt}/{tries} at {now()}\n"
                          .encode())
                code, timed_out = self._spawn(step["run"], log, timeout)
                if timed_out:
                    reason = f"timed out after {timeout}s"
                elif code != 0:
                    reason = f"exit {code}"
                elif step.get("acceptance_run"):
                    log.write(b"--- acceptance_run\n")
                    check, check_timed_out = self._spawn(step["acceptance_run"], log, timeout)
                    reason = ("" if check == 0 and not check_timed_out else
                              f"acceptance_run {'timed out' if check_timed_out else f'exit {check}'}")
                else:
                    reason = ""
                if self.cancelled:
                    reason = reason or "cancelled"
                    break
                log.write(f"--- {'ok' if not reason else reason}\n".encode())
                if not reason:
                    break
        return Outcome(step["id"], not reason, code, attempt,
                       int((time.monotonic() - start) * 1000), rel(self.town, self.log),
                       reason, timed_out)

    def _spawn(self, command: str, log: Any, timeout: int | None) -> tuple[int | None, bool]:
        token = uuid.uuid4().hex
        proc = subprocess.Popen(
            ["sh", "-c", command], cwd=self.cwd, env={**self.env, TOKEN_VAR: token},
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            process_group=0, close_fds=True)
        self.proc = proc
        with open(self.pidfile, "w") as f:
            f.write(f"{proc.pid} {token}\n")
        try:
            if self.cancelled:
                _killpg(proc.pid, signal.SIGKILL)
            try:
                return proc.wait(timeout=timeout), False
            except subprocess.TimeoutExpired:
                _killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=KILL_GRACE)
                except subprocess.TimeoutExpired:
                    pass
                _killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return proc.returncode, True
        finally:
            self.pidfile.unlink(missing_ok=True)


def _runnable(mol: Molecule, states: dict[str, str], running: dict[str, StepProcess]
              ) -> list[Bead]:
    """Run steps that may start now: ready ones, and ones a dead runtime left
    in_progress (they never closed, so they run again: at-least-once)."""
    out = []
    for s in mol.steps:
        if s["id"] in running or not s.get("run") or s.get("gate"):
            continue
        if states[s["id"]] in (model.READY, model.RUNNING):
            out.append(s)
    return out


class Runtime:
    def __init__(self, town: Town, name: str, *, jobs: int = DEFAULT_JOBS,
                 gate_wait: float = DEFAULT_GATE_WAIT, report: Report | None = None,
                 lock_wait: float = 0) -> None:
        if jobs < 1:
            raise GastownError(f"--jobs must be at least 1, got {jobs}")
        self.town = town
        self.backend, self.mol_id = ops.resolve(town, name)
        self.jobs = jobs
        self.gate_wait = gate_wait
        self.report = report or (lambda text: None)
        self.lock_wait = lock_wait
        self.running: dict[str, StepProcess] = {}
        self.results: queue.Queue[Outcome] = queue.Queue()
        self.last_kick = 0.0
        self.commits = 0
        self.ran: list[str] = []

    # -- the loop -----------------------------------------------------------------

    def run(self) -> RunResult:
        with runner_lock(self.town, self.mol_id, self.lock_wait):
            for pid in reap_stale(self.town, self.mol_id):
                self.report(f"killed process {pid} left running by an earlier run")
            self.last_kick = time.monotonic()
            try:
                return self._loop()
            finally:
                for proc in list(self.running.values()):
                    proc.cancel()
                if not self.backend.wisp:
                    kick(self.town)  # its commits (and any a predecessor left) react now

    def _loop(self) -> RunResult:
        mol = self.backend.load(self.mol_id)
        work_dir = Path(str(mol.root.get("dir") or self.town.root))
        work_dir.mkdir(parents=True, exist_ok=True)
        (self.town.state / LOG_DIR / self.mol_id).mkdir(parents=True, exist_ok=True)
        _pid_dir(self.town, self.mol_id).mkdir(parents=True, exist_ok=True)
        base_env = git.no_git_env()
        for key in ("GT_WRITER",):
            base_env.pop(key, None)
        base_env["GT_TOWN"] = str(self.town.root)
        finished: deque[Outcome] = deque()
        while True:
            outcome = finished.popleft() if finished else None
            try:
                mol, to_start = self._turn(outcome)
            except NotFound:
                if not self.backend.wisp:
                    raise
                self._stop_all()
                self.report(f"wisp {self.mol_id} was removed (burned); stopping")
                return RunResult(self.mol_id, model.BURNED, EXIT_FAILED, self.ran)
            if outcome is not None:
                self._report_outcome(mol, outcome)
            if mol.burned:
                self._stop_all()
                self.report(f"molecule {self.mol_id} was burned; stopping")
                return RunResult(self.mol_id, model.BURNED, EXIT_FAILED, self.ran)
            for step in to_start:
                proc = StepProcess(self.town, mol, step, base_env, self.results)
                self.running[step["id"]] = proc
                self.report(f"> {step['step_id']}: {step.get('title', '')}")
                proc.start()
            if finished:
                continue
            due = self._next_timer(mol)
            if not self.running:
                if due is not None and due - time.time() <= self.gate_wait:
                    wait = max(0.0, due - time.time())
                    self.report(f"waiting {wait:.1f}s for a timer gate")
                    time.sleep(wait + 0.01)
                    continue
                return self._result(mol)
            timeout = None
            if due is not None and due - time.time() <= self.gate_wait:
                timeout = max(0.0, due - time.time()) + 0.01
            try:
                finished.append(self.results.get(timeout=timeout))
            except queue.Empty:
                continue
            while True:
                try:
                    finished.append(self.results.get_nowait())
                except queue.Empty:
                    break

    def _turn(self, outcome: Outcome | None) -> tuple[Molecule, list[Bead]]:
        """One write: record `outcome`, open due timers, mark the next steps started."""
        to_start: list[Bead] = []
        with self.backend.edit(self.mol_id, kick=False) as ed:
            mol = ed.mol
            if mol.burned:
                return mol, []
            notes = []
            if outcome is not None:
                self.running.pop(outcome.bead_id, None)
                notes.append(self._record(ed, outcome))
            notes.extend(self._open_timers(ed))
            ops.close_root_if_done(ed)
            mol = ed.mol
            states = mol.states()
            if model.FAILED not in states.values():
                free = self.jobs - len(self.running)
                to_start = _runnable(mol, states, self.running)[:max(0, free)]
                stamp = now()
                for step in to_start:
                    step = dict(step)
                    step["status"] = "in_progress"
                    step["started_at"] = stamp
                    ed.put(step)
                if to_start:
                    notes.append("start " + " ".join(s["step_id"] for s in to_start))
                    if mol.root.get("status", "open") == "open":
                        root = dict(mol.root)
                        root["status"] = "in_progress"
                        ed.put(root)
            to_start = [mol.step(s["id"]) for s in to_start]
            ed.describe("step", "; ".join(notes))
            if ed.changed:
                self.commits += 1
        if not self.backend.wisp and ed.changed:
            self._maybe_kick()
        return ed.mol, to_start

    def _record(self, ed: Edit, outcome: Outcome) -> str:
        step = dict(ed.mol.step(outcome.bead_id))
        self.ran.append(step["step_id"])
        if step.get("status") == "closed":
            return f"{step['step_id']} was closed meanwhile"
        step["exit_code"] = outcome.exit_code
        step["duration_ms"] = outcome.duration_ms
        step["attempts"] = outcome.attempts
        step["log"] = outcome.log
        step["finished_at"] = now()
        if outcome.ok:
            ops.close_step(step, "exit 0" + (" (accepted)" if step.get("acceptance_run") else ""))
            ed.put(step)
            return f"close {step['step_id']}"
        step["status"] = "blocked"
        step["failure"] = {"reason": outcome.reason, "exit_code": outcome.exit_code,
                           "timed_out": outcome.timed_out, "attempts": outcome.attempts,
                           "duration_ms": outcome.duration_ms, "log": outcome.log,
                           "at": step["finished_at"]}
        ed.put(step)
        return f"fail {step['step_id']} ({outcome.reason})"

    def _open_timers(self, ed: Edit) -> list[str]:
        notes = []
        changed = True
        while changed:
            changed = False
            mol = ed.mol
            states = mol.states()
            for s in mol.steps:
                if states[s["id"]] != model.TIMER_GATE:
                    continue
                due = mol.timer_due(s)
                if due is not None and due <= model.utcnow():
                    ed.put(ops.close_step(dict(s), "timer passed"))
                    notes.append(f"timer {s['step_id']} passed")
                    self.report(f"= {s['step_id']}: timer gate passed")
                    changed = True
        return notes

    def _next_timer(self, mol: Molecule) -> float | None:
        states = mol.states()
        dues = [mol.timer_due(s) for s in mol.steps if states[s["id"]] == model.TIMER_GATE]
        stamps = [d.timestamp() for d in dues if d is not None]
        return min(stamps) if stamps else None

    def _maybe_kick(self) -> None:
        if time.monotonic() - self.last_kick >= KICK_EVERY:
            self.last_kick = time.monotonic()
            kick(self.town)

    def _stop_all(self) -> None:
        for proc in list(self.running.values()):
            proc.cancel()
        for proc in list(self.running.values()):
            proc.thread.join(timeout=KILL_GRACE + 1)
        self.running.clear()

    # -- reporting -------------------------------------------------------------------

    def _report_outcome(self, mol: Molecule, outcome: Outcome) -> None:
        step = mol.step(outcome.bead_id)
        seconds = outcome.duration_ms / 1000
        tries = f", {outcome.attempts} attempts" if outcome.attempts > 1 else ""
        if outcome.ok:
            self.report(f"ok {step['step_id']} ({seconds:.2f}s{tries})")
        else:
            self.report(f"FAILED {step['step_id']}: {outcome.reason} ({seconds:.2f}s{tries}); "
                        f"log: {outcome.log}")

    def _result(self, mol: Molecule) -> RunResult:
        state = mol.state()
        states = mol.states()
        failed = [s["id"] for s in mol.steps if states[s["id"]] == model.FAILED]
        waiting = []
        for s in mol.steps:
            st = states[s["id"]]
            if st not in model.WAITING_STATES:
                continue
            entry: dict[str, Any] = {"id": s["id"], "step_id": s["step_id"], "on": st}
            if st == model.HUMAN_GATE:
                self.report(f"waiting for a person to approve {s['step_id']}: "
                            f"gt mol step done {s['id']}")
            elif st == model.AGENT:
                self.report(f"waiting for an agent to do {s['step_id']} "
                            f"({s.get('title', '')}): gt mol step done {s['id']} when done")
            else:
                due = mol.timer_due(s)
                stamp = due.isoformat().replace("+00:00", "Z") if due else "?"
                entry["due"] = stamp
                self.report(f"timer gate {s['step_id']} opens at {stamp}; "
                            f"run `gt mol run {mol.id}` again then")
            waiting.append(entry)
        if state == model.DONE:
            code = EXIT_DONE
            self.report(f"molecule {mol.id} is done")
        elif failed:
            code = EXIT_FAILED
            for bid in failed:
                s = mol.step(bid)
                self.report(f"molecule {mol.id} failed at {s['step_id']}: "
                            f"{(s.get('failure') or {}).get('reason', '?')}; see "
                            f"{(s.get('failure') or {}).get('log', '')}, then "
                            f"`gt mol step retry {bid}` and `gt mol run {mol.id}`")
        else:
            code = EXIT_WAITING
        return RunResult(mol.id, state, code, self.ran, failed, waiting)


def run(town: Town, name: str, *, jobs: int = DEFAULT_JOBS,
        gate_wait: float = DEFAULT_GATE_WAIT, report: Report | None = None,
        lock_wait: float = 0) -> RunResult:
    """Run molecule (or wisp) `name` in the foreground until done, failed or waiting."""
    return Runtime(town, name, jobs=jobs, gate_wait=gate_wait, report=report,
                   lock_wait=lock_wait).run()
