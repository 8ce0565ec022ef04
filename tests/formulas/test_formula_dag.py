"""DAG helpers: readiness, deterministic topological order, cycles (with hypothesis)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gastown.formulas import find_cycles, ready_steps, topo_order


@st.composite
def dags(draw) -> tuple[list[str], dict[str, list[str]]]:
    """Random DAGs: a step may only need steps declared before it (then shuffled)."""
    n = draw(st.integers(min_value=0, max_value=25))
    ids = [f"s{i}" for i in range(n)]
    needs = {sid: sorted(draw(st.sets(st.sampled_from(ids[:i])))) if i else []
             for i, sid in enumerate(ids)}
    order = draw(st.permutations(ids))
    return list(order), needs


@given(dags())
def test_topo_order_respects_needs_and_is_a_permutation(graph) -> None:
    ids, needs = graph
    order = topo_order(ids, needs)
    assert sorted(order) == sorted(ids)
    position = {sid: i for i, sid in enumerate(order)}
    for sid, deps in needs.items():
        for dep in deps:
            assert position[dep] < position[sid]
    assert topo_order(ids, needs) == order
    assert find_cycles(ids, needs) == []


@given(dags(), st.data())
def test_ready_steps_matches_definition(graph, data) -> None:
    ids, needs = graph
    closed = data.draw(st.sets(st.sampled_from(ids)) if ids else st.just(set()))
    steps = [{"id": sid, "needs": needs[sid]} for sid in ids]
    ready = ready_steps(steps, closed)
    assert ready == [s for s in ids if s not in closed and set(needs[s]) <= closed]


@settings(max_examples=50)
@given(dags())
def test_closing_ready_steps_in_waves_finishes_everything(graph) -> None:
    ids, needs = graph
    steps = [{"id": sid, "needs": needs[sid]} for sid in ids]
    closed: set[str] = set()
    while len(closed) < len(ids):
        wave = ready_steps(steps, closed)
        assert wave, "a DAG always has a ready step until all are closed"
        closed.update(wave)


@given(dags(), st.data())
def test_adding_a_back_edge_makes_a_cycle(graph, data) -> None:
    ids, needs = graph
    pairs = [(a, b) for a in ids for b in needs[a]]
    if not pairs:
        return
    a, b = data.draw(st.sampled_from(pairs))
    cyclic = {k: list(v) for k, v in needs.items()}
    cyclic[b] = cyclic[b] + [a]
    cycles = find_cycles(ids, cyclic)
    assert cycles
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        for x, y in zip(cycle, cycle[1:]):
            assert y in cyclic[x]


def test_find_cycles_names_the_steps() -> None:
    assert find_cycles(["a", "b", "c", "d"], {"a": ["b"], "b": ["c"], "c": ["a"], "d": ["d"]}) == \
        [["a", "b", "c", "a"], ["d", "d"]]


def test_ready_steps_with_objects() -> None:
    class S:
        def __init__(self, id: str, needs: tuple[str, ...]) -> None:
            self.id, self.needs = id, needs

    steps = [S("a", ()), S("b", ("a",)), S("c", ("a", "b"))]
    assert ready_steps(steps, []) == ["a"]
    assert ready_steps(steps, ["a"]) == ["b"]
    assert ready_steps(steps, ["a", "b"]) == ["c"]
    assert ready_steps(steps, ["a", "b", "c"]) == []


def test_long_chain_does_not_recurse() -> None:
    ids = [f"s{i}" for i in range(5000)]
    needs = {ids[i]: [ids[i - 1]] for i in range(1, len(ids))}
    assert topo_order(list(reversed(ids)), needs) == ids
    needs[ids[0]] = [ids[-1]]
    assert len(find_cycles(ids, needs)[0]) == 5001
