"""The live view as rich renderables. Imported only by `gt top` (rich is slow to load).

Every text that comes from the ledger, a pane or the feed is made printable (control
characters shown as escapes) and then markup-escaped, so a title such as
`[red]x[/red]` or an ANSI sequence is shown as it is written, never acted on.
"""
from __future__ import annotations

import time
from typing import Any

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from gastown.cli.output import printable
from gastown.liveview import model

STATE_STYLES = {model.WORKING: "green", model.IDLE: "cyan", model.NEEDS_INPUT: "bold yellow",
                model.STUCK: "bold magenta", model.DEAD: "bold red", model.STOPPED: "dim"}


def safe(value: Any) -> str:
    """`value` as literal rich markup: printable, then escaped."""
    return escape(printable("" if value is None else value))


def _table(title: str, *columns: str, wide: tuple[str, ...] = ()) -> Table:
    """A borderless table; the `wide` columns share the width the others leave."""
    table = Table(title=title, title_justify="left", expand=True, box=None, pad_edge=False,
                  header_style="bold")
    for column in columns:
        table.add_column(column, overflow="ellipsis", no_wrap=True,
                         ratio=1 if column in wide else None)
    return table


def _step(step: dict[str, Any] | None) -> str:
    if not step:
        return ""
    return f"{safe(step.get('step_id'))} [dim]({safe(step.get('state'))})[/dim]"


def agents(view: dict[str, Any]) -> Table:
    table = _table("Agents", "agent", "role", "state", "hook", "step", wide=("hook",))
    for a in view["agents"]:
        style = STATE_STYLES.get(a["state"], "")
        hook = safe(a["hook"]) + (f" {safe(a['hook_title'])}" if a.get("hook_title") else "")
        table.add_row(safe(a["name"]), safe(a["role"]),
                      f"[{style}]{safe(a['state'])}[/]" if style else safe(a["state"]),
                      hook, _step(a.get("step")))
    return table


def _bar(done: int, total: int, width: int = 20) -> str:
    filled = round(width * done / total) if total else 0
    return f"[green]{'█' * filled}[/green][dim]{'░' * (width - filled)}[/dim]"


def convoys(view: dict[str, Any]) -> Table:
    table = _table("Convoys", "convoy", "title", "progress", "", wide=("title",))
    for c in view["convoys"]:
        table.add_row(safe(c["id"]), safe(c["title"]), f"{c['done']}/{c['total']}",
                      _bar(c["done"], c["total"]))
    return table


def queue(view: dict[str, Any]) -> Table:
    table = _table("Merge queue", "request", "branch", "status", "bead", wide=("branch",))
    for mr in view["queue"]:
        table.add_row(safe(mr["id"]), safe(mr["branch"]), safe(mr["status"]),
                      safe(mr.get("source_issue")))
    return table


def escalations(view: dict[str, Any]) -> Table:
    table = _table("Escalations", "id", "severity", "title", wide=("title",))
    for e in view["escalations"]:
        table.add_row(f"[bold red]{safe(e['id'])}[/]", safe(e.get("severity")), safe(e["title"]))
    return table


def feed(view: dict[str, Any]) -> RenderableType:
    lines = []
    for line in view["feed"]:
        text = Text.from_markup(safe(line), overflow="ellipsis")
        text.no_wrap = True
        lines.append(text)
    return Group(Text("Feed", style="bold"), *(lines or [Text("(nothing yet)", style="dim")]))


def header(view: dict[str, Any]) -> Text:
    counts: dict[str, int] = {}
    for a in view["agents"]:
        counts[a["state"]] = counts.get(a["state"], 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no agents"
    stamp = time.strftime("%H:%M:%S", time.localtime(view["now"]))
    return Text.from_markup(f"[bold]gt top[/bold]  {safe(view['town'])}  {stamp}  {summary}")


def frame(view: dict[str, Any]) -> RenderableType:
    """One screen of the view: agents, convoys, merge queue, escalations, feed."""
    parts: list[RenderableType] = [header(view)]
    if view.get("error"):
        parts.append(Text.from_markup(f"[bold red]ledger: {safe(view['error'])}[/]"))
    parts.append(agents(view))
    for section, rows in ((convoys, view["convoys"]), (queue, view["queue"]),
                          (escalations, view["escalations"])):
        if rows:
            parts.append(section(view))
    parts.append(feed(view))
    return Group(*parts)
