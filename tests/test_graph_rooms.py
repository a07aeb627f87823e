"""The graph code's rooms: the engine's public walk, the collapse plan, public names only."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from gdwidgets import autograd
from gdwidgets.autograd import Linear, Scalar, count_nodes, index_graph, mse, walk
from gdwidgets.views.graphs import dot, graph
from gdwidgets.views.graphs import plan as graph_plan

VIEWS = Path(graph.__file__).parents[1]
AUTOGRAD = Path(autograd.__file__).parent


def batch(n: int) -> tuple[Linear, Scalar]:
    rnd = random.Random(n)
    model = Linear()
    loss = mse([model.error(Scalar(rnd.uniform(-1, 1), requires_grad=False),
                            Scalar(rnd.uniform(-1, 1), requires_grad=False)) for _ in range(n)])
    return model, loss


def test_walk_lists_every_node_once_root_first():
    a = Scalar(2.0, label="a")
    b = a * a  # a twice under one parent
    c = b + a
    nodes = walk(c)
    assert nodes[0] is c
    assert {id(n) for n in nodes} == {id(a), id(b), id(c)}
    assert len(nodes) == count_nodes(c) == 3


def test_index_graph_numbers_children_counts_edges_and_orders_parents_first():
    a = Scalar(2.0, label="a")
    b = a * a
    c = b + a
    g = index_graph(c)
    assert g.nodes == walk(c)
    number = {id(n): i for i, n in enumerate(g.nodes)}
    for i, n in enumerate(g.nodes):
        assert list(g.kids[i]) == [number[id(ch)] for ch in n.children]
    assert g.indegree[number[id(a)]] == 3  # twice from b, once from c
    order = g.topological()
    assert sorted(order) == list(range(len(g)))
    at = {i: k for k, i in enumerate(order)}
    assert all(at[i] < at[j] for i in range(len(g)) for j in g.kids[i])


def test_plan_of_200_samples_is_the_docstring_example():
    model, loss = batch(200)
    assert count_nodes(loss) == 1003
    plan = graph_plan.make_plan(loss)
    assert len(plan.visible) == 18  # root, 3 samples x 5 nodes, a, b
    [g] = plan.groups
    assert (g.hidden, g.nodes) == (197, 985)
    into = {id(plan.nodes[c]) for _, _, _, c in plan.cross}
    assert into == {id(model.a), id(model.b)}
    assert len(plan.cross) == 2 * 197
    full = graph_plan.make_plan(loss, full=True)
    assert len(full.visible) == 1003 and not full.groups


def test_plans_are_memoised_per_root_until_cleared():
    _, loss = batch(100)
    first = graph_plan.plan_for(loss, graph.MAX_NODES, False, graph.KEEP)
    assert graph_plan.plan_for(loss, graph.MAX_NODES, False, graph.KEEP) is first
    graph.clear_cache()
    assert graph_plan.plan_for(loss, graph.MAX_NODES, False, graph.KEEP) is not first


def test_views_read_only_public_names_of_the_engine():
    private = re.compile(r"\._(pass|a|b)\b|\b_walk\(|\b_order\(|autograd\.scalar")
    for path in VIEWS.rglob("*.py"):
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not private.search(line), f"{path.name}:{k}: {line.strip()}"


@pytest.mark.parametrize("path", [
    *AUTOGRAD.glob("*.py"),
    *(VIEWS / "graphs").glob("*.py"),
    *(VIEWS / "torch_graphs").glob("*.py"),
], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_graph_modules_stay_readable(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


def test_public_names_exist():
    for module in (autograd, dot, graph, graph_plan):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    assert not hasattr(dot, "to_dot")
