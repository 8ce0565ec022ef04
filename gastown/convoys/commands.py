"""`gt convoy ...`: create, add, list, status, land."""
from __future__ import annotations

from typing import Any

from gastown.cli.output import echo, print_json, printable
from gastown.cli.spec import JSON, Arg, Command
from gastown.town.paths import find_town

H = "gastown.convoys.commands:"
Bead = dict[str, Any]


def _counts(tracked: list[Any]) -> str:
    done = sum(m.done for m in tracked)
    return f"{done}/{len(tracked)} closed"


def _line(convoy: Bead, tracked: list[Any]) -> str:
    state = "landed" if convoy.get("landed_at") else convoy.get("status", "open")
    return (f"{convoy['id']:<12} {state:<8} {_counts(tracked):<12} "
            f"{printable(str(convoy.get('title', '')))}")


def _view(town: Any, convoy: Bead, tracked: list[Any]) -> dict[str, Any]:
    from gastown.convoys import banner, progress

    return {**convoy, "landable": progress.landable(tracked),
            "members": [m._asdict() for m in tracked], "banner": banner.read(town, convoy["id"])}


def create(*, name: str, beads: list[str], notify: str | None, json: bool) -> int:
    from gastown.convoys import ops

    convoy = ops.create(find_town(), name, beads, notify=notify)
    if json:
        print_json(convoy)
    else:
        echo(f"Created convoy {convoy['id']} {printable(convoy['title'])} tracking "
             f"{len(convoy['tracks'])} beads")
    return 0


def add(*, convoy: str, beads: list[str], json: bool) -> int:
    from gastown.convoys import ops

    result = ops.add(find_town(), convoy, beads)
    if json:
        print_json({**result.convoy, "added": result.added, "reopened": result.reopened})
    else:
        echo(f"Convoy {result.convoy['id']} tracks {len(result.convoy['tracks'])} beads"
             + (f" (added {' '.join(result.added)})" if result.added else " (nothing new)")
             + ("; it is open again" if result.reopened else ""))
    return 0


def list_(*, all: bool, json: bool) -> int:
    from gastown.beads import snapshot
    from gastown.convoys import banner, progress

    town = find_town()
    with snapshot.load(town, warn=False) as snap:
        seen = progress.lookups(snap)
        found = [(c, progress.members_in(snap, c, seen)) for c in progress.convoys(snap)]
    # Open convoys, and landed ones whose banner is up; --all: every convoy.
    shown_ = [(c, t) for c, t in found
              if all or c.get("status") != "closed" or banner.read(town, c["id"])]
    shown_.sort(key=lambda ct: (ct[0].get("created_at", ""), ct[0]["id"]))
    if json:
        print_json([_view(town, c, t) for c, t in shown_])
        return 0
    if not shown_:
        echo("no convoys" if all else "no open convoys (--all lists landed ones too)")
    for c, t in shown_:
        echo(_line(c, t))
    for c, _ in shown_:
        text = banner.read(town, c["id"])
        if text:
            echo("")
            echo(text.rstrip("\n"))
    return 0


def status(*, convoy: str, json: bool) -> int:
    from gastown.beads import snapshot
    from gastown.convoys import ops, progress

    town = find_town()
    with snapshot.load(town, warn=False) as snap:
        found = ops.find(snap, convoy)
        tracked = progress.members_in(snap, found)
    view = _view(town, found, tracked)
    if json:
        print_json(view)
        return 0
    echo(_line(found, tracked))
    echo(f"  owner {found.get('created_by', '?')}"
         + (f", notify {found['notify']}" if found.get("notify") else "")
         + (f", rig {found['rig']}" if found.get("rig") else ""))
    for m in tracked:
        echo(f"  {m.id:<14} {m.state:<12} {printable(m.detail):<24} {printable(m.title)}".rstrip())
    if view["banner"]:
        echo("")
        echo(view["banner"].rstrip("\n"))
    elif found.get("status") != "closed":
        left = len(progress.waiting(tracked))
        echo(f"  waiting for {left} of {len(tracked)} beads to close" if left
             else "  every bead is closed")
    return 0


def land(*, convoy: str, force: bool, json: bool) -> int:
    from gastown.convoys import banner, ops

    result = ops.land(find_town(), convoy, force=force)
    if json:
        print_json({**result.convoy, "landed": result.landed,
                    "members": [m._asdict() for m in result.members],
                    "mail": [m["id"] for m in result.mail]})
    elif not result.landed:
        echo(f"Convoy {result.convoy['id']} landed already, at {result.convoy.get('landed_at')}")
    else:
        echo(banner.render(result.convoy, result.members).rstrip("\n"))
        echo(f"Mailed {', '.join(m['to'] for m in result.mail)}")
    return 0


CONVOY = Arg("convoy", (), "the convoy (id, or its name)", "pos")
BEADS = Arg("beads", (), "the beads to track", "pos+")
COMMANDS: tuple[Command, ...] = (
    Command("create", "Track beads together as a convoy that lands when all are closed",
            H + "create", (
                Arg("name", (), "the convoy's name", "pos"), BEADS,
                Arg("notify", ("--notify",), "also mail this address when it lands "
                    "(mayor, RIG/NAME, @rig/RIG or a person's name)"),
                JSON)),
    Command("add", "Track more beads (a landed convoy opens again)", H + "add",
            (CONVOY, BEADS, JSON)),
    Command("list", "Open convoys and the banners of landed ones; --all lists every convoy",
            H + "list_", (Arg("all", ("--all",), "landed and closed convoys too", "flag", False),
                          JSON)),
    Command("status", "Where each bead of a convoy stands: open, hooked, queued, merged, closed",
            H + "status", (CONVOY, JSON)),
    Command("land", "Land a convoy by hand once all its beads are closed (--force: anyway)",
            H + "land", (CONVOY, Arg("force", ("--force",), "land even with beads open",
                                     "flag", False), JSON)),
)
