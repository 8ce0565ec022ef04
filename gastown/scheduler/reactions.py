"""The scheduler reaction: when a polecat's hook is released (`gt done`, unsling,
release) or a merge request is queued, start the next waiting slings."""
from __future__ import annotations

from gastown.githooks.reactions import Event, reaction
from gastown.town.paths import Town


def frees_a_slot(event: Event) -> bool:
    if event["type"] == "mq_queued":
        return True
    if event.get("issue_type") != "agent":
        return False
    return event["type"] == "deleted" or (
        event["type"] == "updated" and bool({"hook", "status"} & set(event.get("fields", ()))))


@reaction("scheduler")
def start_waiting(town: Town, events: list[Event]) -> None:
    if not any(frees_a_slot(e) for e in events):
        return
    from gastown.scheduler import dispatch, queue

    if queue.read(town).waiting:
        dispatch.run(town, wait=0)
