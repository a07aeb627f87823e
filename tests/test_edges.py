"""The engine at IEEE 754's edges against torch float64: nan and inf values and gradients,
never a complex number, no ZeroDivisionError/OverflowError/ValueError; a RuntimeError
where torch raises one; the drawing marks non-finite nodes; BackpropWidget still says
where a run overflowed."""

from __future__ import annotations

import html
import itertools
import math
import re

import pytest
import torch

from gdwidgets import BackpropWidget, Scalar, Value, draw_graph, mse

inf, nan = math.inf, math.nan


def same(ours: float, theirs: float) -> bool:
    """Equal as torch float64 gives it: nan where nan, the same infinity, else to 1e-12."""
    if math.isnan(theirs) or math.isinf(theirs):
        return type(ours) is float and (ours == theirs or math.isnan(ours) and math.isnan(theirs))
    return type(ours) is float and ours == pytest.approx(theirs, rel=1e-12, abs=1e-300)


def run(f, values, lib):
    """``f`` on leaves of ``values`` (all needing a gradient); (value, leaf grads)."""
    if lib == "torch":
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
        out = f(*leaves)
        out.backward()
        return out.item(), [math.nan if t.grad is None else t.grad.item() for t in leaves]
    leaves = [Scalar(v) for v in values]
    out = f(*leaves)
    out.backward()
    return out.value, [s.grad for s in leaves]


# the issue's table: expression, leaves
TABLE = {
    "(-4) ** 0.5": (lambda x: x**0.5, [-4.0]),
    "(-4) ** 0.5, then tanh": (lambda x: (x**0.5).tanh(), [-4.0]),
    "0 ** 0.5": (lambda x: x**0.5, [0.0]),
    "0 ** -1": (lambda x: x**-1, [0.0]),
    "0 ** x, x = -1": (lambda x: 0.0**x, [-1.0]),
    "x ** y, x = 0, y = -1": (lambda x, y: x**y, [0.0, -1.0]),
    "(-2) ** y, y = 2": (lambda x, y: x**y, [-2.0, 2.0]),
    "log(0)": (lambda x: x.log(), [0.0]),
    "log(-1)": (lambda x: x.log(), [-1.0]),
    "1 / 0": (lambda x, y: x / y, [1.0, 0.0]),
    "0 / 0": (lambda x, y: x / y, [0.0, 0.0]),
    "exp(1000)": (lambda x: x.exp(), [1000.0]),
    "x * 1e308 * 10": (lambda x: x * 1e308 * 10, [1.0]),
    "log(0) * 0: 0 times inf": (lambda x: x.log() * 0.0, [0.0]),
    "mse of inf": (lambda x, y: mse([x, y]) if isinstance(x, Scalar) else (torch.stack([x, y]) ** 2)
                   .mean(), [inf, 1.0]),
}


@pytest.mark.parametrize("row", TABLE)
def test_the_issues_table_matches_torch(row):
    f, values = TABLE[row]
    value, grads = run(f, values, "ours")
    t_value, t_grads = run(f, values, "torch")
    assert same(value, t_value), (value, t_value)
    assert all(same(g, t) for g, t in zip(grads, t_grads)), (grads, t_grads)


def test_table_rows_are_really_at_the_edge():
    """The rows above are not finite in torch either: the test compares edges."""
    edge = sum(not all(map(math.isfinite, [v, *g])) for v, g in
               (run(f, vals, "torch") for f, vals in TABLE.values()))
    assert edge == len(TABLE)


EDGE_VALUES = [0.0, -0.0, 1.0, -2.0, 0.5, 3.0, inf, -inf, nan]
UNARY = {
    "relu": (lambda s: s.relu(), torch.relu),
    "tanh": (lambda s: s.tanh(), torch.tanh),
    "exp": (lambda s: s.exp(), torch.exp),
    "log": (lambda s: s.log(), torch.log),
    "sigmoid": (lambda s: s.sigmoid(), torch.sigmoid),
    "neg": (lambda s: -s, torch.neg),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_at_the_edges_match_torch(name):
    ours, theirs = UNARY[name]
    for v in EDGE_VALUES + [1000.0, -1000.0, 800.0]:
        value, grads = run(ours, [v], "ours")
        t_value, t_grads = run(theirs, [v], "torch")
        assert same(value, t_value) and same(grads[0], t_grads[0]), (v, value, grads, t_value,
                                                                   t_grads)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", BINARY)
def test_binary_ops_at_the_edges_match_torch(op):
    f = BINARY[op]
    wrong = []
    for a, b in itertools.product(EDGE_VALUES + [1e308, -7.0], repeat=2):
        if op == "**" and b == 0.5 and a in (-inf, 0) and math.copysign(1, a) < 0:
            continue  # we take torch's x ** 0.5 (sqrt); its tensor exponent takes C pow
        value, grads = run(f, [a, b], "ours")
        t_value, t_grads = run(f, [a, b], "torch")
        if not (same(value, t_value) and all(map(same, grads, t_grads))):
            wrong.append((a, b, value, grads, t_value, t_grads))
    assert not wrong


@pytest.mark.parametrize("exponent", [-1, -2, 0.5, -0.5, 3, 400, 401, 0])
def test_number_exponents_at_the_edges_match_torch(exponent):
    for base in EDGE_VALUES + [-10.0]:
        value, grads = run(lambda x: x**exponent, [base], "ours")
        t_value, t_grads = run(lambda x: x**exponent, [base], "torch")
        assert same(value, t_value) and same(grads[0], t_grads[0]), (base, value, grads,
                                                                   t_value, t_grads)


def test_values_never_turn_complex_and_repr_and_ops_go_on():
    y = Scalar(-4.0) ** 0.5
    assert type(y.value) is float and math.isnan(y.value)
    assert repr(y) == "Scalar(value=nan, grad=0)"
    assert math.isnan(y.tanh().value) and math.isnan(y.sigmoid().value)
    assert repr(Value(-4.0) ** 0.5) == "Value(data=nan, grad=0)"
    assert (Value(0) ** -1).data == inf  # ints too: no ZeroDivisionError
    assert (Value(10**200) * Value(10**200)).data == inf  # an int product past a float


def test_backward_with_nothing_requiring_a_gradient_raises_like_torch():
    x = Scalar(2.0, label="x", requires_grad=False)
    with pytest.raises(RuntimeError):
        (torch.tensor(2.0, dtype=torch.float64) * 3).backward()
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (x * 3).backward()
    with pytest.raises(RuntimeError):
        x.backward()
    assert (x * 3).grad == 0.0


def test_the_drawing_marks_the_nodes_holding_inf_or_nan():
    a = Scalar(1000.0, label="a")
    e = a.exp()  # inf
    e.label = "e"
    gap = e - e  # nan; e's grad 1 - 1 = 0, so a's grad is 0 * inf + 2 = nan
    gap.label = "gap"
    ok = a * 2.0
    ok.label = "ok"
    root = gap + ok
    root.label = "root"

    def marked(mode: str) -> set[str]:
        lines = draw_graph(root, mode).source.splitlines()
        fill = {label: re.search(r'BGCOLOR="([^"]+)"', line).group(1)
                for line in lines for label in ("e (", "gap", "ok", "root", ">a<")
                if "BGCOLOR" in line and label in line}
        assert len(fill) == 5
        assert "inf" in " ".join(lines) and "nan" in " ".join(lines)
        return {k.rstrip(" (") for k, v in fill.items() if v == "#ffe3e3"}

    assert marked("forward") == {"e", "gap", "root"}
    root.backward()
    assert math.isnan(a.grad) and math.isfinite(a.value)
    # a forward graph shows no grads (#22), so a's nan grad is marked where it shows
    assert marked("forward") == {"e", "gap", "root"}
    assert marked("backward") == {"e", "gap", "root", ">a<"}


def test_backprop_widget_still_reports_the_overflow_at_the_update_it_happened():
    """With lr = 10 seed 000's two points diverge; the update at which a, b or the loss
    stops being finite, found with torch float64, is the one the banner names."""
    x = torch.tensor([1.5, 2.0], dtype=torch.float64)
    y = torch.tensor([1.0, 4.0], dtype=torch.float64)
    a = torch.zeros((), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    k = 0
    while True:
        ((y - (a * x + b)) ** 2).mean().backward()
        with torch.no_grad():
            a -= 10 * a.grad
            b -= 10 * b.grad
            a.grad = b.grad = None
        k += 1
        loss = ((y - (a * x + b)) ** 2).mean()
        if not all(math.isfinite(v) for v in (a.item(), b.item(), loss.item())):
            break
    assert 20 < k < 200
    w = BackpropWidget(lr=10)
    for update in range(1, k + 1):
        w.backward_button.click()
        w.update_button.click()
        said = html.unescape(w.banner.value)
        assert ("overflowed" in said) == (update == k), (update, said)
    assert f"The parameters overflowed at update {k}" in said
