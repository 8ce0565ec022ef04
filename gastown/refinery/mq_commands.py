"""`gt mq ...`: submit, list, status, retry, reject, run."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json, printable
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.refinery.mq_commands:"


def _need(value: str | None, flag: str) -> str:
    from gastown.errors import UsageError

    if not value:
        raise UsageError(f"{flag} is required")
    return value


def _line(mr: dict[str, Any], position: int | None = None) -> str:
    where = f"#{position:<3}" if position is not None else "    "
    state = mr.get("status", "open")
    if state == "closed":
        state = f"closed ({mr.get('close_reason')})"
    return (f"{where} {mr['id']:<12} {state:<18} p{mr.get('priority', 2)}  "
            f"retries {mr.get('retry_count') or 0}  {printable(str(mr.get('branch')))} -> "
            f"{mr.get('target')}  {mr.get('source_issue')}  by {mr.get('worker')}")


def submit(*, branch: str, rig: str | None, issue: str | None, worker: str | None,
           json: bool) -> int:
    from gastown.refinery import requests

    mr = requests.submit(find_town(), branch, _need(rig, "--rig RIG"), _need(issue, "--issue BEAD"),
                         worker)
    if json:
        print_json(mr)
    else:
        echo(f"Merge request {mr['id']} queued: {branch} at {mr['commit_sha'][:10]} -> "
             f"{mr['target']} for {issue}")
    return 0


def list_(*, rig: str | None, every: bool, json: bool) -> int:
    from gastown.refinery import status

    rows = status.listing(find_town(), rig, every=every)
    if json:
        print_json(rows)
    elif not rows:
        echo("the merge queue is empty" + ("" if every else " (--all shows closed MRs)"))
    else:
        for mr in rows:
            echo(_line(mr, mr.get("position")))
    return 0


def status_(*, mr: str, json: bool) -> int:
    from gastown.refinery import status

    info = status.describe(find_town(), mr)
    if json:
        print_json(info)
        return 0
    echo(_line(info["mr"], info["position"]))
    echo(f"  commit {info['mr'].get('commit_sha')}  merged_sha {info['mr'].get('merged_sha')}")
    for bead in info["reworks"]:
        echo(f"  rework {bead['id']} [{bead.get('status')}] {printable(bead.get('title', ''))}")
    return 0


def retry(*, mr: str, json: bool) -> int:
    from gastown.refinery import outcomes

    bead = outcomes.retry(find_town(), mr)
    if json:
        print_json(bead)
    else:
        echo(f"{mr} is queued again (failures so far: {bead.get('retry_count') or 0})")
    return 0


def reject(*, mr: str, reason: str, json: bool) -> int:
    from gastown.refinery import outcomes

    bead = outcomes.reject(find_town(), mr, reason)
    if json:
        print_json(bead)
    else:
        echo(f"{mr} rejected; it will not be merged")
    return 0


def run(*, rig: str | None, json: bool) -> int:
    import time

    from gastown.refinery import run as refinery

    def log(message: str) -> None:
        if not json:
            echo(f"{time.strftime('%H:%M:%S')} {message}")

    tally = refinery.run(find_town(), _need(rig, "--rig RIG"), log=log)
    if json:
        print_json(tally._asdict())
    else:
        echo(f"merged {len(tally.merged)}, sent back {len(tally.rejected)}, "
             f"in {tally.batches} batch(es); the queue is empty")
    return 0


MR = Arg("mr", (), "the merge request", "pos")
COMMANDS: tuple[Command, ...] = (
    Command("submit", "Queue a branch of a rig's repository for merging, for an issue",
            H + "submit", (
                Arg("branch", (), "the branch (in the rig's repository)", "pos"),
                Arg("rig", ("--rig",), "the rig"),
                Arg("issue", ("--issue",), "the work bead the branch does"),
                Arg("worker", ("--worker",), "who made it (default: you)"),
                JSON)),
    Command("list", "The merge queue in merge order (blocked MRs after it)", H + "list_", (
        Arg("rig", ("--rig",), "only this rig"),
        Arg("every", ("--all",), "closed MRs too", "flag", False), JSON)),
    Command("status", "One merge request: state, queue position, rework beads",
            H + "status_", (MR, JSON)),
    Command("retry", "Queue a blocked or refused merge request again", H + "retry",
            (MR, JSON)),
    Command("reject", "Close a merge request; it is never merged", H + "reject", (
        MR, Arg("reason", ("-r", "--reason"), "why", "str", ""), JSON)),
    Command("run", "Run the rig's Refinery in the foreground until the queue is empty",
            H + "run", (Arg("rig", ("--rig",), "the rig"), JSON)),
)
