"""Work on hooks: sling, hook, unsling, release, done, prime."""
from __future__ import annotations

import sys
from typing import Any

from gastown.cli.output import echo, print_json
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.agents.work_commands:"


def sling(*, beads: list[str], rig: str | None, formula: str | None, var: list[str],
          runtime: str | None, json: bool) -> int:
    from gastown.scheduler.dispatch import sling as schedule

    result = schedule(find_town(), beads, rig, formula=formula, var=var, runtime=runtime)
    if json:
        print_json({"rig": result.rig, "convoy": result.convoy,
                    "slung": [s._asdict() for s in result.started],
                    "waiting": [r.bead for r in result.waiting],
                    "failed": [{"bead": b, "error": why} for b, why in result.failed]})
    else:
        for s in result.started:
            echo(f"{s.bead} -> {s.agent}  session {s.session}  branch {s.branch}  "
                 f"molecule {s.molecule}")
        for r in result.waiting:
            echo(f"{r.bead} waits for a free polecat (max_polecats; `gt scheduler status`)")
        if result.convoy:
            total = len(result.started) + len(result.waiting)
            echo(f"convoy {result.convoy} tracks {total} beads")
    for bead, why in result.failed:
        echo(f"{bead} could not start: {why}", file=sys.stderr)
    return 1 if result.failed else 0


def hook(*, agent: str | None, json: bool) -> int:
    from gastown.agents import work

    info = work.hook(find_town(), agent)
    if json:
        print_json(info)
    elif not info["hook"]:
        echo(f"{info['agent']}: nothing on the hook")
    else:
        bead = info["bead"] or {}
        echo(f"{info['agent']}: {info['hook']} {bead.get('title', '')}"
             + (f"  (molecule {info['molecule']})" if info["molecule"] else ""))
    return 0


def unsling(*, agent: str | None, json: bool) -> int:
    from gastown.agents import work

    who, bead = work.unsling(find_town(), agent)
    if json:
        print_json({"agent": who, "bead": bead})
    else:
        echo(f"Took {bead} off {who}'s hook; it is open again")
    return 0


def release(*, bead: str, force: bool, json: bool) -> int:
    from gastown.agents import work

    who = work.release(find_town(), bead, force=force)
    if json:
        print_json({"bead": bead, "released_from": who})
    else:
        echo(f"Released {bead}" + (f" from {who}" if who else "") + "; it is open again")
    return 0


def done(*, agent: str | None, json: bool) -> int:
    from gastown.agents import retire, work

    town = find_town()
    mr = work.done(town, agent)
    retire.after_done(town, mr["worker"])  # a model client's session ends after this turn
    if json:
        print_json(mr)
    else:
        echo(f"Pushed {mr['branch']} at {mr['commit_sha'][:10]}; merge request {mr['id']} "
             f"queued for {mr['target']}; hook released")
    return 0


def format_prime(p: dict[str, Any]) -> str:
    rows = [f"# {p['agent']} ({p['role']}{', rig ' + p['rig'] if p['rig'] else ''})",
            p["context"], f"Work in: {p['workdir']}", ""]
    bead = p["hook"]
    if not bead:
        rows.append("Nothing on your hook. Wait for work (`gt hook` shows it when it comes).")
    else:
        rows += [f"## On your hook: {bead['id']} {bead.get('title', '')}",
                 bead.get("description") or "(no description)", ""]
        if p["steps"]:
            rows.append("## Steps left (close each with `gt mol step done STEP_ID`)")
            rows += [f"- {s['id']} {s['step_id']} [{s['state']}]: {s.get('title') or ''}"
                     for s in p["steps"]]
        rows.append("When the work is committed: `gt done`.")
    if p["mail"]:
        rows += ["", f"## Unread mail ({len(p['mail'])})"]
        rows += [f"- {m['id']} from {m.get('sender', '?')}: {m.get('title', '')}"
                 for m in p["mail"]]
    return "\n".join(rows)


def prime(*, agent: str | None, json: bool) -> int:
    from gastown.agents import work

    p = work.prime(find_town(), agent)
    if json:
        print_json(p)
    else:
        echo(format_prime(p))
    return 0


def handoff(*, agent: str | None, message: str, json: bool) -> int:
    from gastown.agents import roster, targets, work
    from gastown.beads import snapshot

    town = find_town()
    with snapshot.load(town, warn=False) as snap:
        bead = roster.find(snap, agent)
    runtime = targets.runtime_of(town, bead)
    sys.stdout.write(f"Handing off {bead['id']}: mail to self, then a fresh session\n")
    sys.stdout.flush()
    sent, session = work.handoff(town, agent, message, runtime)
    if json:
        print_json({"message": sent, "session": session})
    return 0


AGENT = Arg("agent", (), "RIG/NAME or mayor (default: this session's agent)", "pos?")
COMMANDS: tuple[Command, ...] = (
    Command("sling", "Put beads on polecats' hooks in a rig and start their sessions; "
            "beyond max_polecats (the rig's, the town's) they wait their turn",
            H + "sling", (
                Arg("beads", (), "the beads (Gas Town's `gt sling BEAD RIG` works too)", "pos+"),
                Arg("rig", ("--rig",), "the rig whose polecats take them"),
                Arg("formula", ("--formula",), "formula to pour (default: the rig's)"),
                Arg("var", ("--var",), "NAME=VALUE for a formula var (repeat)", "list"),
                Arg("runtime", ("--runtime",), "runtime for the sessions (default: the rig's)"),
                JSON)),
    Command("hook", "What is on an agent's hook", H + "hook", (AGENT, JSON)),
    Command("unsling", "Take the work off an agent's hook and stop its session",
            H + "unsling", (AGENT, JSON)),
    Command("release", "Free a bead held by an agent whose session is gone", H + "release", (
        Arg("bead", (), "the held bead", "pos"),
        Arg("force", ("--force",), "free it even though the session runs", "flag", False),
        JSON)),
    Command("done", "Commit what is left, push the branch, file a merge request, free the hook",
            H + "done", (AGENT, JSON)),
    Command("handoff", "Mail yourself a note, then start a fresh session that resumes from "
            "the hook", H + "handoff", (AGENT, Arg("message", ("-m", "--message"),
                                               "what the next session should know", "str", ""),
                                        JSON)),
    Command("prime", "Your role, the work on your hook, the current step and unread mail",
            H + "prime", (AGENT, JSON)),
)
