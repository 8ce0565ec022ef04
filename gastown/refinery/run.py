"""A Refinery run: merge the rig's queue, batch by batch, until it is empty.

For each batch: fetch; in the scratch worktree at origin/<target>'s tip merge the MRs
in order and run the gates; on success, under the town's write lock, check the MRs are
still queued, push the result with a compare-and-swap on the old tip, and record them
merged; only then delete their branches. A failing batch is bisected (bisect.py). A
run killed at any point leaves nothing half done that the next run does not finish:
an MR whose commit is already on the target is recorded as merged, a merged MR's
branch left behind is deleted.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from gastown.beads import snapshot, store
from gastown.beads.actor import now
from gastown.errors import GastownError
from gastown.refinery import bisect, candidate, feed, gates, outcomes, process, queue, requests
from gastown.refinery import rework as rework_mod
from gastown.refinery.requests import CLOSED, MERGED
from gastown.rigs import config, ops, repo
from gastown.rigs.config import RigConfig
from gastown.town.paths import Town

Bead = dict[str, Any]
LANDED, TESTED, CONFLICT, GONE, MOVED = "landed", "tested", "conflict", "gone", "moved"
MISSING = "missing"
MAX_MOVES = 20  # compare-and-swap retries of one candidate before giving up


class RunningAlready(GastownError):
    """Another process runs this rig's Refinery."""


class Tally(NamedTuple):
    merged: list[str]
    rejected: list[str]
    batches: int


class Outcome(NamedTuple):
    kind: str
    mr: Bead | None = None
    verdict: gates.Verdict | None = None  # the first failing candidate's
    detail: str = ""
    results: tuple[bool, ...] = ()


class Refinery:
    """One run's state: the rig, its bare clone and scratch worktree, and the tally."""

    def __init__(self, town: Town, cfg: RigConfig, log: Callable[[str], None]) -> None:
        self.town, self.cfg, self.log = town, cfg, log
        self.bare = ops.ensure_clone(town, cfg)
        self.worktree = candidate.scratch(town, cfg, self.bare)
        self.logs = process.log_dir(town, cfg.name)
        self.merged: list[str] = []
        self.rebased: dict[str, str] = {}  # MR -> its commits rebased (auto_rebase)
        self.rejected: list[str] = []
        self.to_assign: list[tuple[str, str]] = []  # (rework bead, worker), after the batch
        self.batches = 0
        self.last_tip = ""

    def close(self) -> None:
        candidate.remove_scratch(self.town, self.cfg, self.bare, f"run-{os.getpid()}*")

    # --- the loop ---------------------------------------------------------------

    def drain(self, stop: Callable[[], bool]) -> None:
        self.delete_leftover_branches()
        while not stop():
            batch = self.next_batch()
            if not batch:
                return
            self.batches += 1
            self.process(batch, stop)

    def next_batch(self) -> list[Bead]:
        """The next batch of the rig's queue, after settling those of its MRs that are on
        the target already (a run killed after its push, a merge made by hand)."""
        while True:
            repo.fetch(self.bare)
            tip = candidate.tip(self.bare, self.cfg.branch)
            with snapshot.load(self.town, warn=False) as snap:
                mrs = requests.mrs(snap, self.cfg.name)
                lf = snap.files["convoys"]
                convoys = [lf.bead(r) for r in lf.rows]
            ordered = queue.order([m for m in mrs if m.get("target") == self.cfg.branch],
                                  convoys)
            batch = queue.select_batch(ordered, self.cfg.batch_size)
            absent = candidate.missing(self.bare, [m["commit_sha"] for m in batch])
            landed = [m for m in batch if m["commit_sha"] not in absent
                      and candidate.is_ancestor(self.bare, m["commit_sha"], tip)]
            if not landed:
                return batch
            done = outcomes.record_merged(self.town, self.cfg.name, self.bare, landed, tip,
                                          f"refinery: {len(landed)} MR(s) found merged on "
                                          f"{self.cfg.branch} at {tip[:10]}")
            self.after_landing(done, tip)

    def process(self, batch: list[Bead], stop: Callable[[], bool]) -> None:
        """Land what passes of one batch; culprits go back (their rework is slung once
        the batch is done, so it starts from the tip the rest landed on). An unknown rest
        left after a culprit returns to the queue, to be batched with the MRs behind it."""
        try:
            self._process(batch, stop)
        finally:
            self.assign_reworks()

    def assign_reworks(self) -> None:
        while self.to_assign:
            bead_id, worker = self.to_assign.pop(0)
            said = rework_mod.assign_rework(self.town, bead_id, worker)
            if said:
                self.log(f"rework {bead_id}: {said}")

    def _process(self, batch: list[Bead], stop: Callable[[], bool]) -> None:
        by_id = {m["id"]: m for m in batch}
        plan = bisect.Bisection(list(by_id), ways=self.cfg.bisect_ways)
        failures: dict[str, gates.Verdict] = {}
        for mr in batch:
            feed.emit(self.town, "merge_started", mr, self.cfg.name,
                      batch=[m["id"] for m in batch])
        while not plan.done() and not stop():
            if plan.tests and not plan.todo[0].known_bad:
                return
            if plan.tests and self.target_moved():
                plan.moved()  # what failed on the old tip may pass on the new one
                continue
            step = plan.step()
            mrs = [by_id[i] for i in step.mrs]
            if step.action == bisect.REJECT:
                verdict = failures.get(mrs[0]["id"])
                self.refuse(mrs[0], f"gate {verdict.gate if verdict else '?'} failed",
                            _gate_detail(verdict), "rejected")
                plan.rejected()
                continue
            outcome = self.try_cuts(mrs, step.cuts)
            if outcome.kind == TESTED:
                landed = bisect.landing(step, list(outcome.results))
                for mr in mrs[landed:]:
                    if outcome.verdict is not None:
                        failures.setdefault(mr["id"], outcome.verdict)
                plan.record(list(outcome.results))
                if not all(outcome.results):
                    feed.emit(self.town, "bisect", mrs[0], self.cfg.name,
                              batch=[m["id"] for m in mrs], landed=landed,
                              gate=outcome.verdict.gate if outcome.verdict else "",
                              next=[list(s.mrs) for s in plan.todo])
            elif outcome.kind in (CONFLICT, MISSING):
                assert outcome.mr is not None
                reason = "merge conflict" if outcome.kind == CONFLICT else "commit missing"
                self.refuse(outcome.mr, reason, outcome.detail, outcome.kind.replace(
                    MISSING, "rejected"))
                plan.drop(outcome.mr["id"])
            elif outcome.kind == GONE:
                assert outcome.mr is not None
                self.log(f"{outcome.mr['id']} left the queue ({outcome.detail}); not merged")
                plan.drop(outcome.mr["id"])

    def target_moved(self) -> bool:
        """Whether the target's tip is other than the one this run last built on or
        pushed (someone else pushed to it)."""
        repo.fetch(self.bare)
        return candidate.tip(self.bare, self.cfg.branch) != self.last_tip

    # --- one step: candidates side by side ----------------------------------------

    def try_cuts(self, mrs: list[Bead], cuts: tuple[int, ...]) -> Outcome:
        """Gate tip + mrs[:cut] for every cut, side by side; land the longest passing
        prefix with a compare-and-swap push. Again on the new tip if the target moved."""
        for _ in range(MAX_MOVES):
            repo.fetch(self.bare)
            tip = self.last_tip = candidate.tip(self.bare, self.cfg.branch)
            heads = self.build(mrs[:max(cuts)], tip, cuts)
            if isinstance(heads, Outcome):
                return heads
            verdicts = self.gate([(f"{mrs[0]['id']}+{cut - 1}" if cut > 1 else mrs[0]["id"],
                                   heads[cut]) for cut in cuts])
            results = tuple(v.ok for v in verdicts)
            failed = next((v for v in verdicts if not v.ok), None)
            landed = bisect.landing(bisect.Step(bisect.TEST, (), cuts), list(results))
            if not landed:
                return Outcome(TESTED, verdict=failed, results=results)
            pushed = self.push_and_record(mrs[:landed], tip, heads[landed])
            if pushed.kind == LANDED:
                self.last_tip = heads[landed]
                return Outcome(TESTED, verdict=failed, results=results)
            if pushed.kind != MOVED:
                return pushed
            self.log(f"{self.cfg.branch} moved while {mrs[0]['id']}... was gated; again on "
                     f"the new tip")
        raise GastownError(f"rig {self.cfg.name}: {self.cfg.branch} moved {MAX_MOVES} times "
                           f"under one candidate; giving up this run")

    def build(self, mrs: list[Bead], tip: str, cuts: tuple[int, ...]) -> dict[int, str] | Outcome:
        """Merge mrs in order onto tip in the scratch worktree; the head at each cut."""
        candidate.reset(self.worktree, tip)
        for mr in mrs:
            self.rebased.pop(mr["id"], None)  # this candidate merges them afresh
        heads: dict[int, str] = {}
        absent = candidate.missing(self.bare, [m["commit_sha"] for m in mrs])
        for number, mr in enumerate(mrs, 1):
            if mr["commit_sha"] in absent:
                return Outcome(MISSING, mr, detail=f"commit {mr['commit_sha'][:10]} is not in "
                                                   f"{self.cfg.url}")
            # a commit already in the candidate merges as "already up to date"
            conflict = candidate.merge(self.worktree, self.cfg.name, mr)
            if conflict is not None and self.cfg.on_conflict == "auto_rebase":
                conflict = self.merge_rebased(mr, conflict)
            if conflict is not None:
                return Outcome(CONFLICT, mr, detail="conflicting files:\n"
                               + "\n".join(f"  {f}" for f in conflict.files))
            if number in cuts:
                heads[number] = candidate.head(self.worktree)
        return heads

    def merge_rebased(self, mr: Bead, conflict: candidate.Conflict
                      ) -> candidate.Conflict | None:
        """on_conflict = "auto_rebase": merge the MR's commits rebased onto the candidate
        instead; the rebased tip is what must reach the target."""
        rebased = candidate.rebase(self.worktree, self.cfg.name, mr)
        if rebased is None:
            return conflict
        if candidate.merge(self.worktree, self.cfg.name, {**mr, "commit_sha": rebased}):
            return conflict
        self.rebased[mr["id"]] = rebased
        self.log(f"{mr['id']}: conflicted; rebased onto the candidate as {rebased[:10]}")
        return None

    def gate(self, candidates: list[tuple[str, str]]) -> list[gates.Verdict]:
        """The gates of each (label, commit), side by side in worktrees of their own (the
        last one in the scratch worktree, which is at it already)."""
        env = {**os.environ, "GT_TOWN": str(self.town.root), "GT_RIG": self.cfg.name}
        # made one after another: concurrent `git worktree add`s trip over each other
        trees = [candidate.slot(self.town, self.cfg, self.bare, i, sha)
                 for i, (_, sha) in enumerate(candidates[:-1])] + [self.worktree]

        def one(tree: Path, label: str) -> gates.Verdict:
            verdict = gates.run(self.cfg.gates, tree, self.logs, label, self.cfg.retry_flaky,
                                env=env)
            if verdict.flaky:
                self.log(f"{label}: flaky gate(s) {', '.join(verdict.flaky)} passed on retry")
            if not verdict.ok:
                self.log(f"{label}: gate {verdict.gate} failed (log {verdict.log})")
            return verdict

        if len(candidates) == 1:
            return [one(self.worktree, candidates[0][0])]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(candidates)) as pool:
            return list(pool.map(one, trees, [label for label, _ in candidates]))

    def push_and_record(self, mrs: list[Bead], tip: str, new: str) -> Outcome:
        with store.transaction(self.town) as snap:
            for mr in mrs:
                if not outcomes.still_queued(snap, mr):
                    now_mr = snap.get(mr["id"]) or {}
                    return Outcome(GONE, mr, detail=str(now_mr.get("close_reason")
                                                        or now_mr.get("status")))
            if new != tip and not candidate.push(self.worktree, self.cfg.branch, new, tip):
                return Outcome(MOVED)
            put = outcomes.merged_puts(snap, self.bare, mrs, new, now(), self.rebased)
            store.apply(self.town, snap, store.Change(put=put),
                        f"refinery: merged {', '.join(m['id'] for m in mrs)} into "
                        f"{self.cfg.branch} at {new[:10]}"[:200]
                        + f"\n\nActor: {self.cfg.name}/refinery\n")
        self.after_landing([put[m["id"]] for m in mrs], new)
        return Outcome(LANDED)

    def after_landing(self, mrs: list[Bead], new: str) -> None:
        for mr in mrs:
            self.merged.append(mr["id"])
            feed.emit(self.town, "merged", mr, self.cfg.name, commit=new,
                      merged_sha=mr.get("merged_sha"), source_issue=mr["source_issue"])
        candidate.delete_branches(self.bare, [(m["branch"], m["commit_sha"]) for m in mrs])

    def delete_leftover_branches(self) -> None:
        """Branches of merged MRs a killed run did not get to delete."""
        remote = candidate.remote_branches(self.bare)
        with snapshot.load(self.town, warn=False) as snap:
            left = [(m["branch"], m["commit_sha"]) for m in requests.mrs(snap, self.cfg.name)
                    if m.get("close_reason") == MERGED and m.get("status") == CLOSED
                    and remote.get(m["branch"]) == m["commit_sha"]]
        candidate.delete_branches(self.bare, left)

    def refuse(self, mr: Bead, reason: str, detail: str, kind: str) -> None:
        try:
            updated, bead = outcomes.fail(self.town, self.cfg.name, mr, reason, detail, kind)
        except GastownError as e:
            self.log(f"{mr['id']}: {e}")
            return
        self.rejected.append(mr["id"])
        feed.emit(self.town, "rejected", updated, self.cfg.name, reason=reason,
                  rework=bead["id"], status=updated["status"])
        self.log(f"{mr['id']}: {reason}; rework {bead['id']}; MR {updated['status']}")
        if int(updated.get("retry_count") or 0) >= outcomes.MAX_FAILURES:
            rework_mod.escalate(self.town, self.cfg.name, updated, reason)
        self.to_assign.append((bead["id"], str(mr.get("worker") or "")))


def _gate_detail(verdict: gates.Verdict | None) -> str:
    if verdict is None:
        return ""
    return f"Gate {verdict.gate} failed; log {verdict.log}, last lines:\n\n{verdict.tail}"


def run(town: Town, rig: str, *, log: Callable[[str], None] = lambda _m: None,
        stop: Callable[[], bool] = lambda: False) -> Tally:
    """Run the rig's Refinery until its queue is empty (one per rig: a second run at the
    same time is refused). After letting go of the lock the queue is read once more, so
    an MR filed while this run was finishing is not left waiting."""
    cfg = config.load(town, rig)
    merged: list[str] = []
    rejected: list[str] = []
    batches = 0
    while True:
        with process.holding(town, rig) as taken:
            if not taken:
                if merged or rejected or batches:
                    break
                raise RunningAlready(f"the refinery of rig {rig} is running already "
                                     f"(pid {process.pid_of(town, rig) or '?'})")
            refinery = Refinery(town, cfg, log)
            try:
                refinery.drain(stop)
            finally:
                refinery.close()
                merged += refinery.merged
                rejected += refinery.rejected
                batches += refinery.batches
        if stop() or not pending(town, rig):
            break
    return Tally(merged, rejected, batches)


def pending(town: Town, rig: str) -> bool:
    """Whether the rig has MRs queued for its target."""
    target = config.load(town, rig).branch
    with snapshot.load(town, warn=False) as snap:
        return any(m.get("status") == "open" and m.get("target") == target
                   for m in requests.mrs(snap, rig))
