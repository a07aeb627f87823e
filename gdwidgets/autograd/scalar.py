"""A scalar autograd engine in the spirit of micrograd.

Each op is one row of ``OPS``: its forward function and its local derivatives side by
side. ``backward()`` walks the graph iteratively (no recursion), adds this pass's
gradient into ``grad`` of every node, and keeps the pass gradient in ``pass_grad`` so
that a drawing can label every edge with the gradient it carried.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

from .walk import walk

__all__ = ["Scalar", "OPS", "backward_order"]


def _sigmoid(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _mse(*e: float) -> float:
    return sum(v * v for v in e) / len(e)


def _pow_grads(o: float, a: float, b: float) -> tuple[float, float]:
    da = b * a ** (b - 1) if b != 0 else 0.0
    return da, (o * math.log(a) if a > 0 else 0.0)


# op -> (forward(*child values), local derivatives: d out / d child for each child, as a
# function (out, *child values) or, when they are constants, as the tuple itself)
OPS: dict[str, tuple[Callable[..., float], Any]] = {
    "+": (operator.add, (1.0, 1.0)),  # constant derivatives are stored as they are
    "-": (operator.sub, (1.0, -1.0)),
    "*": (operator.mul, lambda o, a, b: (b, a)),
    "/": (operator.truediv, lambda o, a, b: (1.0 / b, -a / (b * b))),
    "**": (operator.pow, _pow_grads),
    "neg": (operator.neg, lambda o, a: (-1.0,)),
    "relu": (lambda a: a if a > 0 else 0.0, lambda o, a: (1.0 if a > 0 else 0.0,)),
    "tanh": (math.tanh, lambda o, a: (1.0 - o * o,)),
    "exp": (math.exp, lambda o, a: (o,)),
    "log": (math.log, lambda o, a: (1.0 / a,)),
    "sigmoid": (_sigmoid, lambda o, a: (o * (1.0 - o),)),
    "mse": (_mse, lambda o, *e: tuple(2.0 * v / len(e) for v in e)),
}


class Scalar:
    """A number that remembers how it was computed, so it can be differentiated.

    ``Scalar(value, label='', requires_grad=True)``. Python numbers and 0-dim
    torch/numpy values mixed into an expression become data nodes
    (``requires_grad=False``), which receive and pass on no gradient.
    """

    # Two child slots instead of a tuple keep a node at ~160 bytes; an n-ary op
    # (mse) keeps its children as a tuple in ``_a``.
    __slots__ = ("value", "grad", "label", "op", "_a", "_b", "_pass")
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, value: Any, label: str = "", requires_grad: bool = True) -> None:
        self.value = float(value)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = None
        self._pass = 0.0 if requires_grad else None

    # ----- public views of the internals -------------------------------------------
    @property
    def data(self) -> float:
        """micrograd's name for ``value``."""
        return self.value

    @data.setter
    def data(self, v: float) -> None:
        self.value = float(v)

    @property
    def requires_grad(self) -> bool:
        """False for a data node: it receives and passes on no gradient."""
        return self._pass is not None

    @property
    def pass_grad(self) -> float | None:
        """Gradient this node received in the latest backward pass (None: data node)."""
        return self._pass

    @property
    def children(self) -> tuple[Scalar, ...]:
        """The nodes ``op`` was applied to, in order (``()`` for a leaf)."""
        a, b = self._a, self._b
        if a is None:
            return ()
        if type(a) is tuple:
            return a
        return (a,) if b is None else (a, b)

    def local_grads(self) -> tuple[float, ...]:
        """d self / d child for each child, at the current values."""
        if not self.op:
            return ()
        d = OPS[self.op][1]
        return d if type(d) is tuple else tuple(d(self.value, *[c.value for c in self.children]))

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Scalar(value={self.value:g}, grad={self.grad:g}{name})"

    # ----- ops ---------------------------------------------------------------------
    # + - * / ** (and reflected), unary minus, relu, tanh, exp, log and sigmoid are
    # attached below from OPS.

    # ----- gradients ---------------------------------------------------------------
    def backward(self, fn: Callable[[Scalar], Any] | None = None) -> list[Any] | None:
        """Add d self / d node into ``grad`` of every node of the graph.

        The root itself receives 1. With ``fn``, ``fn(node)`` is called after each node
        has passed its gradient on, and the list of results is returned (a step-through).
        """
        order = _order(self, reset=True)
        if order:
            self._pass = 1.0
        steps = [] if fn else None
        grads = _GRADS
        for node in order:
            g = node._pass
            node.grad = g if node.grad == 0.0 else node.grad + g
            a = node._a
            if a is not None and g:
                b = node._b
                if b is not None:
                    d = grads[node.op]
                    da, db = d if type(d) is tuple else d(node.value, a.value, b.value)
                    if a._pass is not None:
                        a._pass += g * da
                    if b._pass is not None:
                        b._pass += g * db
                elif type(a) is tuple:
                    for c, d in zip(a, grads[node.op](node.value, *[c.value for c in a])):
                        if c._pass is not None:
                            c._pass += g * d
                else:
                    a._pass += g * grads[node.op](node.value, a.value)[0]
            if fn:
                steps.append(fn(node))
        return steps

    def zero_grad(self) -> None:
        """Zero ``grad`` of every node of this graph.

        ``pass_grad`` keeps what the latest pass sent, so a drawing still labels every
        edge with the gradient it carried; the next ``backward`` starts a new pass.
        """
        for node in walk(self):
            node.grad = 0.0


_new = object.__new__
_GRADS = {op: grads for op, (_, grads) in OPS.items()}


def _binary(op: str, reflected: bool = False) -> Callable[[Scalar, Any], Scalar]:
    fwd = OPS[op][0]

    def method(a: Scalar, b: Any) -> Scalar:
        if type(b) is not Scalar:
            b = _as_data(b)
            if b is NotImplemented:
                return b
        if reflected:
            a, b = b, a
        node = _new(Scalar)
        node.value = fwd(a.value, b.value)
        node.grad = 0.0
        node.label = ""
        node.op = op
        node._a = a
        node._b = b
        node._pass = None if a._pass is None and b._pass is None else 0.0
        return node

    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


def _unary(op: str) -> Callable[[Scalar], Scalar]:
    fwd = OPS[op][0]

    def method(self: Scalar) -> Scalar:
        node = _new(Scalar)
        node.value = fwd(self.value)
        node.grad = 0.0
        node.label = ""
        node.op = op
        node._a = self
        node._b = None
        node._pass = None if self._pass is None else 0.0
        return node

    method.__name__ = op
    return method


for _op, _name in (("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("**", "pow")):
    setattr(Scalar, f"__{_name}__", _binary(_op))
    setattr(Scalar, f"__r{_name}__", _binary(_op, reflected=True))
for _op in ("relu", "tanh", "exp", "log", "sigmoid"):
    setattr(Scalar, _op, _unary(_op))
Scalar.__neg__ = _unary("neg")


def nary(op: str, kids: tuple[Scalar, ...]) -> Scalar:
    """The node ``op(*kids)`` for an op of any arity (mse)."""
    node = _new(Scalar)
    node.value = OPS[op][0](*[k.value for k in kids])
    node.grad = 0.0
    node.label = ""
    node.op = op
    node._a = kids
    node._b = None
    node._pass = 0.0 if any(k._pass is not None for k in kids) else None
    return node


def _as_data(x: Any) -> Scalar:
    """Wrap a Python number or a 0-dim torch/numpy value as a data node."""
    if type(x) is not float and (isinstance(x, (str, bytes)) or not hasattr(x, "__float__")):
        return NotImplemented
    node = _new(Scalar)
    node.value = float(x)
    node.grad = 0.0
    node.label = ""
    node.op = ""
    node._a = node._b = node._pass = None
    return node


def backward_order(root: Scalar) -> list[Scalar]:
    """Nodes that need a gradient, root first, each before all of its children."""
    return _order(root, reset=False)


def _order(root: Scalar, reset: bool) -> list[Scalar]:
    """``backward_order``; with ``reset``, also zero the pass gradient of every node."""
    if root._pass is None:
        return []
    post: list[Scalar] = []
    opened: set[Scalar] = set()
    done: set[Scalar] = set()
    stack = [root]
    while stack:
        node = stack[-1]
        if node in opened:
            stack.pop()
            if node not in done:
                done.add(node)
                post.append(node)
            continue
        opened.add(node)
        if reset:
            node._pass = 0.0
        a = node._a
        if a is None:
            continue
        b = node._b
        if b is not None:
            if a._pass is not None and a not in opened:
                stack.append(a)
            if b._pass is not None and b not in opened:
                stack.append(b)
        elif type(a) is tuple:
            stack.extend([c for c in a if c._pass is not None and c not in opened])
        elif a._pass is not None and a not in opened:
            stack.append(a)
    post.reverse()
    return post
