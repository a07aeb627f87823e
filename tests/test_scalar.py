"""The Scalar engine against torch autograd and against seed 000's printed numbers."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdwidgets import Linear, Scalar, Value, count_nodes, mse
from gdwidgets.autograd import backward_order

finite = st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 1e-3)
positive = st.floats(0.1, 3)

UNARY = {
    "relu": (lambda s: s.relu(), torch.relu),
    "tanh": (lambda s: s.tanh(), torch.tanh),
    "exp": (lambda s: s.exp(), torch.exp),
    "sigmoid": (lambda s: s.sigmoid(), torch.sigmoid),
    "neg": (lambda s: -s, torch.neg),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


def t64(v: float) -> torch.Tensor:
    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


@pytest.mark.parametrize("name", UNARY)
@given(v=finite)
def test_unary_value_and_grad_match_torch(name, v):
    ours, theirs = UNARY[name]
    x, tx = Scalar(v), t64(v)
    y, ty = ours(x), theirs(tx)
    y.backward()
    ty.backward()
    assert y.value == pytest.approx(ty.item(), rel=1e-12, abs=1e-12)
    assert x.grad == pytest.approx(tx.grad.item(), rel=1e-12, abs=1e-12)


@given(v=positive)
def test_log_matches_torch(v):
    x, tx = Scalar(v), t64(v)
    y, ty = x.log(), torch.log(tx)
    y.backward()
    ty.backward()
    assert (y.value, x.grad) == pytest.approx((ty.item(), tx.grad.item()), rel=1e-12)


@pytest.mark.parametrize("name", BINARY)
@given(u=finite, v=finite)
def test_binary_and_reflected_match_torch(name, u, v):
    f = BINARY[name]
    a, b, ta, tb = Scalar(u), Scalar(v), t64(u), t64(v)
    y, ty = f(a, b), f(ta, tb)
    y.backward()
    ty.backward()
    assert y.value == pytest.approx(ty.item(), rel=1e-12)
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-12)
    # a plain number on either side becomes a data node
    left, right = f(u, Scalar(v)), f(Scalar(u), v)
    assert left.value == pytest.approx(ty.item(), rel=1e-12)
    assert right.value == pytest.approx(ty.item(), rel=1e-12)


@given(base=positive, exponent=st.sampled_from([-2, -1, 0.5, 1, 2, 3, 1.5]))
def test_pow_number_and_scalar_exponents_match_torch(base, exponent):
    a, ta = Scalar(base), t64(base)
    (a**exponent).backward()
    (ta**exponent).backward()
    assert a.grad == pytest.approx(ta.grad.item(), rel=1e-12)
    e, te = Scalar(exponent), t64(exponent)
    a, ta = Scalar(base), t64(base)
    (a**e).backward()
    (ta**te).backward()
    assert (a.grad, e.grad) == pytest.approx((ta.grad.item(), te.grad.item()), rel=1e-12)
    r, tr = 2.0 ** Scalar(base), 2.0 ** t64(base)
    assert r.value == pytest.approx(tr.item(), rel=1e-12)


@st.composite
def expressions(draw, depth=0):
    """A random expression tree over three leaves, as a list of instructions."""
    if depth > 4 or draw(st.booleans()) and depth > 0:
        return ("leaf", draw(st.integers(0, 2)))
    kind = draw(st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "relu", "const*", "sq"]))
    if kind in ("tanh", "sigmoid", "relu", "sq"):
        return (kind, draw(expressions(depth + 1)))
    if kind == "const*":
        return (kind, draw(st.floats(-2, 2)), draw(expressions(depth + 1)))
    return (kind, draw(expressions(depth + 1)), draw(expressions(depth + 1)))


def evaluate(tree, leaves):
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    if kind == "const*":
        return tree[1] * evaluate(tree[2], leaves)
    if kind == "sq":
        return evaluate(tree[1], leaves) ** 2
    if kind in ("tanh", "sigmoid", "relu"):
        return getattr(evaluate(tree[1], leaves), kind)()
    return BINARY[kind](evaluate(tree[1], leaves), evaluate(tree[2], leaves))


@settings(max_examples=200, deadline=None)
@given(tree=expressions(), values=st.lists(finite, min_size=3, max_size=3))
def test_random_expression_trees_match_torch(tree, values):
    ours = [Scalar(v) for v in values]
    theirs = [t64(v) for v in values]
    y, ty = evaluate(tree, ours), evaluate(tree, theirs)
    if not isinstance(y, Scalar):  # the tree is a bare leaf
        return
    y.backward()
    if ty.requires_grad:
        ty.backward()
    assert y.value == pytest.approx(ty.item(), rel=1e-9, abs=1e-12)
    for s, t in zip(ours, theirs):
        expected = 0.0 if t.grad is None else t.grad.item()
        assert s.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_mse_node_matches_torch():
    errs = [0.3, -1.2, 2.5, 0.0]
    ours = [Scalar(e) for e in errs]
    theirs = torch.tensor(errs, dtype=torch.float64, requires_grad=True)
    loss, tloss = mse(ours), (theirs**2).mean()
    loss.backward()
    tloss.backward()
    assert loss.value == pytest.approx(tloss.item())
    assert [s.grad for s in ours] == pytest.approx(theirs.grad.tolist())
    assert loss.op == "mse" and len(loss.children) == 4


def seed_graph():
    """Seed 000's two-point MSE graph."""
    model = Linear()
    x1 = Scalar(1.5, label="x1", requires_grad=False)
    y1 = Scalar(1.0, label="y1", requires_grad=False)
    x2 = Scalar(2.0, label="x2", requires_grad=False)
    y2 = Scalar(4.0, label="y2", requires_grad=False)
    return model, mse([model.error(x1, y1), model.error(x2, y2)])


def edge_grads(node):
    return [node.pass_grad * d for d in node.local_grads()]


def test_seed_graph_backward_twice_doubles_node_grads_not_edges():
    model, loss = seed_graph()
    assert loss.value == 8.5
    loss.backward()
    assert (model.a.grad, model.b.grad, loss.grad) == (-9.5, -5.0, 1.0)
    first = {id(n): edge_grads(n) for n in backward_order(loss)}
    assert edge_grads(loss) == [1.0, 4.0]
    inner = {id(n): n.grad for n in backward_order(loss)}
    loss.backward()
    assert (model.a.grad, model.b.grad, loss.grad) == (-19.0, -10.0, 2.0)
    for n in backward_order(loss):
        assert n.grad == 2 * inner[id(n)]  # every node doubles, intermediates included
        assert edge_grads(n) == first[id(n)]  # what each edge carried stays the same


def test_data_nodes_receive_no_gradient():
    x = Scalar(2.0, label="x", requires_grad=False)
    w = Scalar(3.0)
    y = w * x + 1
    y.backward()
    assert x.grad == 0.0 and x.pass_grad is None and not x.requires_grad
    assert w.grad == 2.0
    assert (x * 2).requires_grad is False


def test_zero_grad_zeroes_every_node():
    model, loss = seed_graph()
    loss.backward()
    loss.zero_grad()
    assert all(n.grad == 0.0 for n in backward_order(loss))
    loss.backward()
    assert (model.a.grad, model.b.grad, loss.grad) == (-9.5, -5.0, 1.0)


def test_count_nodes_counts_each_shared_node_once():
    model, loss = seed_graph()
    # 4 data nodes, a, b, and per point '*', '+', '-', plus the mse node
    assert count_nodes(loss) == 4 + 2 + 2 * 3 + 1


SEED_TRAINING = '''
torch.manual_seed(1024)
x_origin = torch.linspace(100, 300, 200)
x = (x_origin - torch.mean(x_origin)) / torch.std(x_origin)
epsilon = torch.randn(x.shape)
y = 10 * x + 5 + epsilon
model = Linear()
batch_size = 20
learning_rate = 0.1

for t in range(20):
    ix = (t * batch_size) % len(x)
    xx = x[ix: ix + batch_size]
    yy = y[ix: ix + batch_size]
    loss = mse([model.error(_x, _y) for _x, _y in zip(xx, yy)])
    loss.backward()
    model.a -= learning_rate * model.a.grad
    model.b -= learning_rate * model.b.grad
    model.a.grad = 0.0
    model.b.grad = 0.0
    print(f'Step {t + 1}, Result: {model.string()}')
'''

SEED_OUTPUT = """\
Step 1, Result: y = 3.12 * x + -1.99
Step 2, Result: y = 3.48 * x + -2.28
Step 3, Result: y = 3.22 * x + -1.97
Step 4, Result: y = 2.85 * x + -1.22
Step 5, Result: y = 2.68 * x + -0.23
Step 6, Result: y = 2.92 * x + 1.08
Step 7, Result: y = 3.74 * x + 2.61
Step 8, Result: y = 5.07 * x + 4.15
Step 9, Result: y = 6.73 * x + 5.52
Step 10, Result: y = 8.22 * x + 6.48
Step 11, Result: y = 9.36 * x + 5.75
Step 12, Result: y = 9.75 * x + 5.42
Step 13, Result: y = 9.88 * x + 5.28
Step 14, Result: y = 9.89 * x + 5.26
Step 15, Result: y = 9.89 * x + 5.20
Step 16, Result: y = 9.88 * x + 5.18
Step 17, Result: y = 9.88 * x + 5.17
Step 18, Result: y = 9.84 * x + 5.14
Step 19, Result: y = 9.86 * x + 5.15
Step 20, Result: y = 9.94 * x + 5.21
"""


def run_seed_training() -> tuple[str, dict]:
    scope = {"torch": torch, "Linear": Linear, "mse": mse, "Scalar": Scalar}
    out = io.StringIO()
    with redirect_stdout(out):
        exec(SEED_TRAINING, scope)
    return out.getvalue(), scope


def test_seed_000_training_prints_the_same_trajectory():
    printed, _ = run_seed_training()
    assert printed == SEED_OUTPUT


def test_book_update_bloats_the_graph_and_in_place_does_not():
    x = [0.1 * i for i in range(10)]
    y = [2 * v + 1 for v in x]
    bloated, lean = Linear(), Linear()
    sizes: dict[str, list[int]] = {"bloat": [], "lean": []}
    for _ in range(5):
        for name, model in (("bloat", bloated), ("lean", lean)):
            loss = mse([model.error(a, b) for a, b in zip(x, y)])
            loss.backward()
            sizes[name].append(count_nodes(loss))
            model.update(0.1, in_place=(name == "lean"))
    # each book-style update adds a '-' node and a data node per parameter
    assert sizes["bloat"] == [sizes["bloat"][0] + 4 * k for k in range(5)]
    assert len(set(sizes["lean"])) == 1
    assert bloated.a.value == pytest.approx(lean.a.value)
    assert bloated.b.value == pytest.approx(lean.b.value)
    assert lean.a.op == "" and bloated.a.op == "-"


def test_seed_training_graph_grows_step_by_step():
    _, scope = run_seed_training()
    # after 20 book-style updates, a carries a chain of 20 '-' nodes
    a, depth = scope["model"].a, 0
    while a.op == "-":
        a, depth = a.children[0], depth + 1
    assert depth == 20 and a.label == "a"


def test_gradient_accumulation_over_micro_batches_equals_full_batch():
    xs = [0.5 * i - 2 for i in range(8)]
    ys = [3 * v - 1 for v in xs]
    full, micro = Linear(), Linear()
    mse([full.error(a, b) for a, b in zip(xs, ys)]).backward()
    k = 4
    for i in range(k):
        batch = zip(xs[2 * i : 2 * i + 2], ys[2 * i : 2 * i + 2])
        loss = mse([micro.error(a, b) for a, b in batch])
        loss *= 1 / k
        loss.backward()
    assert micro.a.grad == pytest.approx(full.a.grad)
    assert micro.b.grad == pytest.approx(full.b.grad)


def test_a_million_node_chain_needs_no_recursion():
    x = Scalar(1.0, label="x")
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert y.grad == 1.0


def test_mse_over_100000_points():
    rng = np.random.default_rng(0)
    xs, ys = rng.normal(size=100_000), rng.normal(size=100_000)
    model = Linear()
    model.a.value, model.b.value = 0.7, -0.2
    loss = mse([model.error(a, b) for a, b in zip(xs, ys)])
    loss.backward()
    err = ys - (0.7 * xs - 0.2)
    assert loss.value == pytest.approx(np.mean(err**2))
    assert model.a.grad == pytest.approx(np.mean(-2 * err * xs))
    assert model.b.grad == pytest.approx(np.mean(-2 * err))


def test_torch_and_numpy_values_become_data_nodes_on_either_side():
    w = Scalar(2.0)
    for v in (torch.tensor([3.0])[0], np.float64(3.0), np.float32(3.0), 3):
        for y in (v * w, w * v, v - w, w / v):
            assert isinstance(y, Scalar)
    assert (torch.tensor(5.0) - w).value == 3.0
    assert (np.float64(5.0) - w).value == 3.0


def test_bad_operands_raise_type_error():
    with pytest.raises(TypeError):
        Scalar(1.0) + "2"
    with pytest.raises(TypeError):
        [1] * Scalar(1.0)


def test_micrograd_data_alias():
    s = Scalar(1.5)
    assert s.data == 1.5
    s.data = 2
    assert s.value == 2.0


def test_backward_fn_steps_through_the_pass_in_order():
    model, loss = seed_graph()
    seen = loss.backward(lambda node: (node, node.grad))
    order = backward_order(loss)
    assert [n for n, _ in seen] == order
    assert seen[0] == (loss, 1.0)
    assert dict((id(n), g) for n, g in seen)[id(model.a)] == -9.5


def test_nodes_are_small():
    import tracemalloc

    xs = [0.001 * i for i in range(20_000)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    model = Linear()
    loss = mse([model.error(v, v) for v in xs])
    loss.backward()
    per_node = (tracemalloc.get_traced_memory()[0] - before) / count_nodes(loss)
    tracemalloc.stop()
    assert per_node <= 200


# ----- constructors: Scalar keeps seed 000's signature, both take real numbers only ----
def test_scalar_refuses_the_lectures_children_and_op_and_points_to_value():
    a = Scalar(1.0)
    with pytest.raises(TypeError, match=r"label must be a str, got \(Scalar.*use Value"):
        Scalar(2.0, (a,), "tanh")
    with pytest.raises(TypeError, match="requires_grad must be True or False, got 'tanh'.*Value"):
        Scalar(2.0, "t", "tanh")
    with pytest.raises(TypeError, match="requires_grad must be True or False, got 1"):
        Scalar(2.0, requires_grad=1)


NOT_REAL = ["1.5", b"1", 1 + 2j, True, False, None, [1.0], np.bool_(True),
            np.complex128(1 + 0j), torch.tensor(1 + 2j), torch.tensor(True),
            torch.tensor([1.0, 2.0]), 10**400]


@pytest.mark.parametrize("cls", [Scalar, Value])
@pytest.mark.parametrize("bad", NOT_REAL, ids=repr)
def test_values_that_are_not_real_numbers_are_refused_by_name(cls, bad):
    with pytest.raises(TypeError, match=f"{cls.__name__} needs a real number, got ") as e:
        cls(bad)
    assert repr(bad)[:20] in str(e.value)
    with pytest.raises(TypeError):  # an operand: Python's own TypeError
        cls(1.0) + bad


def test_real_numbers_of_every_kind_are_taken():
    for v in (2, 2.5, np.float32(2.5), np.int64(2), torch.tensor(2.5), torch.tensor(2)):
        s = Scalar(v)
        assert type(s.value) is float and s.value == float(v)
    assert type(Value(2).data) is int and type(Value(np.int64(2)).data) is float
    assert type(Scalar(2).value) is float
    s = Scalar(1.0)
    s.value = 3
    assert type(s.value) is float
    with pytest.raises(TypeError, match="got '4'"):
        s.value = "4"
