"""Karpathy's micrograd lecture on our Value: its graph walk and drawing, its step-by-step
``_backward()`` cells, an op written the lecture's way, and ``micrograd.nn`` on our Value."""

from __future__ import annotations

import math
import random

import graphviz
import micrograd.engine
import micrograd.nn
import pytest
import torch

from gdwidgets import Scalar, Value, draw_graph


# ----- the lecture's trace() and draw_dot(), written here as a student writes them ------
def trace(root):
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad),  # noqa: UP031 (as the lecture writes it)
                 shape="record")
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def neuron(tanh=None):
    """The lecture's neuron; ``tanh``: an op written the lecture's way (default: ours)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = tanh(n) if tanh else n.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2,
                   x1w1x2w2=x1w1x2w2, n=n, o=o)


def lecture_tanh(self):
    """The lecture's own tanh: a new op, its closure written by hand."""
    x = self.data
    t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
    out = Value(t, (self,), "tanh")

    def _backward():
        self.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def torch_neuron_grads():
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in dict(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432).items()}
    o = torch.tanh(t["x1"] * t["w1"] + t["x2"] * t["w2"] + t["b"])
    o.backward()
    return o.item(), {k: v.grad.item() for k, v in t.items()}


def test_the_lecture_walk_reads_prev_op_data_grad_label_and_draws():
    o, v = neuron()
    o.backward()
    nodes, edges = trace(o)
    assert nodes == set(v.values())
    assert (v["n"], o) in edges and (v["x1"], v["x1w1"]) in edges and len(edges) == 9
    assert o._op == "tanh" and v["n"]._op == "+" and v["x1"]._op == ""
    assert o._prev == {v["n"]} and v["x1w1"]._prev == {v["x1"], v["w1"]}
    source = draw_dot(o).source
    assert "{ o | data 0.7071 | grad 1.0000 }" in source
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert "{ w2 | data 1.0000 | grad 0.0000 }" in source
    svg = draw_dot(o).pipe(format="svg", encoding="utf-8")
    assert svg.count("class=\"node\"") == 10 + 5  # value boxes and op circles


def test_the_neuron_matches_torch():
    o, v = neuron()
    o.backward()
    value, grads = torch_neuron_grads()
    assert o.data == pytest.approx(value, rel=1e-15)
    for k, g in grads.items():
        assert v[k].grad == pytest.approx(g, rel=1e-12, abs=1e-15), k


def test_step_by_step_backward_cells_give_what_backward_gives():
    o, v = neuron()
    o.grad = 1.0
    for name in ("o", "n", "b", "x1w1x2w2", "x2w2", "x1w1", "x1", "w1"):
        v[name]._backward()  # a leaf's step passes nothing on
    by_hand = {k: n.grad for k, n in v.items()}
    o2, v2 = neuron()
    o2.backward()
    assert by_hand == {k: n.grad for k, n in v2.items()}
    assert by_hand["n"] == pytest.approx(0.5) and by_hand["x1"] == pytest.approx(-1.5)


def test_an_op_written_the_lecture_way_runs_and_a_second_backward_doubles():
    o, v = neuron(lecture_tanh)
    ours, ours_v = neuron()
    o.backward()
    ours.backward()
    first = {k: n.grad for k, n in v.items()}
    assert first == pytest.approx({k: n.grad for k, n in ours_v.items()}, rel=1e-12)
    assert o._prev == {v["n"]} and o._op == "tanh" and o.requires_grad
    assert o.edge_grads() == pytest.approx((0.5,))  # what the closure added to n
    # a second pass: the closure sees out.grad of this pass (1), so everything doubles
    o.backward()
    assert {k: n.grad for k, n in v.items()} == pytest.approx(
        {k: 2 * g for k, g in first.items()}, rel=1e-15)
    assert o.edge_grads() == pytest.approx((0.5,))
    # the drawing labels the closure's edge with what it sent
    assert "0.50" in draw_graph(o, "backward").source


def test_closures_written_with_equals_keep_the_lectures_bug():
    """The lecture's bug: ``self.grad = ...`` instead of ``+=`` loses a gradient when a
    node is used twice. The engine runs the closure as written, so the bug shows."""

    def add(self, other, op="="):
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            if op == "=":
                self.grad = 1.0 * out.grad
                other.grad = 1.0 * out.grad
            else:
                self.grad += 1.0 * out.grad
                other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    a = Value(3.0, label="a")
    add(a, a).backward()
    assert a.grad == 1.0  # micrograd's answer with the bug; right is 2
    a = Value(3.0, label="a")
    add(a, a, "+=").backward()
    assert a.grad == 2.0


def test_a_node_without_a_backward_passes_nothing_and_a_constant_node_needs_none():
    x = Value(2.0)
    y = Value(x.data * 3, (x,), "*3")  # no _backward given: as in micrograd, nothing flows
    y.backward()
    assert (y.grad, x.grad) == (1.0, 0.0)
    data = Scalar(2.0, requires_grad=False)
    with pytest.raises(RuntimeError, match="requires a gradient"):
        Value(6.0, (data,), "*3").backward()


def test_value_is_the_lectures_value():
    assert repr(Value(2)) == "Value(data=2, grad=0)" and type(Value(2).data) is int
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0)"
    a = Value(2.0)
    b = a * Value(-3.0)
    assert isinstance(b, Value) and repr(b) == "Value(data=-6.0, grad=0)"
    b.backward()
    assert repr(a) == "Value(data=2.0, grad=-3.0)"
    assert isinstance(Value(1) + 1, Value) and isinstance(1 + Value(1), Value)
    assert (Value(2) * Value(3)).data == 6.0  # op results are floats, as in torch float64


def train(value_cls, steps=20):
    """micrograd's own MLP (micrograd.nn) on the lecture's four points, with
    ``value_cls`` as its Value."""
    random.seed(1337)
    saved = micrograd.nn.Value
    micrograd.nn.Value = value_cls
    try:
        model = micrograd.nn.MLP(3, [4, 4, 1])
        xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
        ys = [1.0, -1.0, -1.0, 1.0]
        losses = []
        for _ in range(steps):
            ypred = [model(x) for x in xs]
            loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data += -0.05 * p.grad
            losses.append(loss.data)
        return losses, [p.data for p in model.parameters()], model
    finally:
        micrograd.nn.Value = saved


def test_micrograd_nn_trains_on_our_value_as_on_micrograds():
    ours, ours_params, model = train(Value)
    theirs, their_params, _ = train(micrograd.engine.Value)
    assert all(isinstance(p, Value) for p in model.parameters())
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert ours_params == pytest.approx(their_params, rel=1e-12, abs=1e-15)
    assert ours[-1] < ours[0]
