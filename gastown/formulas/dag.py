"""Dependency graphs of steps: deterministic topological order, cycles, readiness."""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def topo_order(ids: Sequence[str], needs: Mapping[str, Iterable[str]]) -> list[str]:
    """`ids` ordered so every step comes after all it needs.

    Ties keep the order of `ids`, so the result depends only on the inputs. Needs naming
    no id in `ids` are ignored. Raises ValueError if the graph has a cycle.
    """
    index = {sid: i for i, sid in enumerate(ids)}
    waiting = {sid: {n for n in needs.get(sid, ()) if n in index} for sid in ids}
    dependents: dict[str, list[str]] = {sid: [] for sid in ids}
    for sid, deps in waiting.items():
        for dep in deps:
            dependents[dep].append(sid)
    heap = [index[sid] for sid in ids if not waiting[sid]]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        sid = ids[heapq.heappop(heap)]
        order.append(sid)
        for child in dependents[sid]:
            waiting[child].discard(sid)
            if not waiting[child]:
                heapq.heappush(heap, index[child])
    if len(order) != len(ids):
        cycle = find_cycles(ids, needs)
        raise ValueError("needs form a cycle: " + " -> ".join(cycle[0] if cycle else []))
    return order


def find_cycles(ids: Sequence[str], needs: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One simple cycle per strongly connected component that has one.

    Each cycle is a list `[a, b, ..., a]` where each step needs the next. Components and
    the start of each cycle follow the order of `ids`.
    """
    index = {sid: i for i, sid in enumerate(ids)}
    edges = {sid: [n for n in needs.get(sid, ()) if n in index] for sid in ids}
    cycles: list[list[str]] = []
    for component in _components(ids, edges):
        members = set(component)
        start = min(component, key=index.__getitem__)
        if len(component) == 1 and start not in edges[start]:
            continue
        cycles.append(_cycle_through(start, edges, members))
    cycles.sort(key=lambda c: index[c[0]])
    return cycles


def _components(ids: Sequence[str], edges: Mapping[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iteratively (formulas can be long chains)."""
    counter = 0
    number: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in ids:
        if root in number:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                number[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            children = edges[node]
            while i < len(children):
                child = children[i]
                i += 1
                if child not in number:
                    work.append((node, i))
                    work.append((child, 0))
                    recurse = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], number[child])
            if recurse:
                continue
            if low[node] == number[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                out.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycle_through(start: str, edges: Mapping[str, list[str]], members: set[str]) -> list[str]:
    """The shortest cycle from `start` back to itself inside one component (BFS)."""
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt = []
        for node in frontier:
            for child in edges[node]:
                if child not in members:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start] + list(reversed(path[:-1])) + [start]
                if child not in seen:
                    seen.add(child)
                    previous[child] = node
                    nxt.append(child)
        frontier = nxt
    return [start, start]


def _id_and_needs(step: Any) -> tuple[str, Iterable[str]]:
    if isinstance(step, Mapping):
        return step["id"], step.get("needs", ())
    return step.id, step.needs


def ready_steps(steps: Iterable[Any], closed_ids: Iterable[str]) -> list[str]:
    """Ids of the steps that are not closed and whose needs are all closed.

    `steps` are objects with `id` and `needs` (cooked or parsed steps) or dicts with
    those keys (from `Protomolecule.to_dict()`); the result keeps their order.
    """
    closed = set(closed_ids)
    ready = []
    for step in steps:
        sid, needs = _id_and_needs(step)
        if sid not in closed and all(n in closed for n in needs):
            ready.append(sid)
    return ready
