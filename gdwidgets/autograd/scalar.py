"""A scalar autograd engine: micrograd's, without recursion and exact at the edges.

    >>> a, b = Value(2.0, label='a'), Value(-3.0, label='b')
    >>> c = a * b + 1.0           # each op makes a node that remembers its children
    >>> c.backward()              # d c / d node, added into the grad of every node
    >>> a.grad, b.grad            # d(a*b + 1)/da = b, d(a*b + 1)/db = a
    (-3.0, 2.0)

How it works. Each op is one row of ``OPS``: its forward function and its local
derivatives (d out / d child) side by side. A node keeps its number (``data``), its
``grad``, a ``label``, the op that made it (``_op``) and its children. ``backward()``
orders the nodes so that each comes before its children, gives the root gradient 1,
then lets every node pass ``its gradient × local derivative`` on to each child: the
chain rule, one node at a time, with a loop instead of recursion (a million-node chain
works).

The rule at the edges is IEEE 754's, as torch float64 gives it (ieee.py): ``1/0`` is
inf, ``0/0`` and ``log(-1)`` nan, ``exp(1000)`` inf, ``(-4) ** 0.5`` nan (never complex),
and gradients follow (``0 ** 0.5`` has gradient inf): no ZeroDivisionError, OverflowError
or ValueError. ``backward()`` where nothing needs a gradient is a RuntimeError, as torch.

Karpathy's micrograd lecture runs on :class:`Value` (``Value(data, _children=(),
_op='', label='')``, ``_prev``, ``_op``, ``_backward``). Where we differ on purpose:
``backward()`` adds into ``grad`` of every node, so a second call doubles every grad, as
in torch and seed 000 (micrograd's second call inflates the intermediate grads); numbers
mixed into an expression become data nodes that receive no gradient; op results are
floats. A user-written ``_backward`` closure runs, during ``backward()``, with the
gradients of this pass in view (``out.grad`` is what ``out`` received in this pass), so a
second pass through it doubles too; what it added to each child labels the edges of a
drawing.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar

from . import ieee
from .walk import walk

__all__ = ["Scalar", "Custom", "OPS", "backward_order", "nary"]


# ----- the ops ---------------------------------------------------------------------------
def _pow_grads(o: float, a: float, b: float) -> tuple[float, float]:
    # as torch: no gradient through exponent 0, none to the exponent at base 0
    return (0.0 if b == 0 else b * ieee.power(a, b - 1),
            0.0 if a == 0 and b >= 0 else o * ieee.log(a))


# op -> (forward(*child values), local derivatives(out, *child values) -> one per child).
# Constant derivatives are the tuple itself: no call in backward; with the float fast path
# of _data, ~0.02-0.06 µs/node.
OPS: dict[str, tuple[Callable[..., float], Any]] = {
    "+": (operator.add, (1.0, 1.0)),
    "-": (operator.sub, (1.0, -1.0)),
    "*": (operator.mul, lambda o, a, b: (b, a)),
    "/": (ieee.div, lambda o, a, b: (ieee.div(1.0, b), -ieee.div(o, b))),
    "**": (ieee.power, _pow_grads),
    "neg": (operator.neg, lambda o, a: (-1.0,)),
    "relu": (lambda a: 0.0 if a < 0 else a, lambda o, a: (0.0 if o <= 0 else 1.0,)),
    "tanh": (math.tanh, lambda o, a: (1.0 - o * o,)),
    "exp": (ieee.exp, lambda o, a: (o,)),
    "log": (ieee.log, lambda o, a: (ieee.div(1.0, a),)),
    "sigmoid": (ieee.sigmoid, lambda o, a: (o * (1.0 - o),)),
    "mse": (lambda *e: sum(v * v for v in e) / len(e),
            lambda o, *e: tuple(2.0 * v / len(e) for v in e)),
}
_LOCAL = {op: grads for op, (_, grads) in OPS.items()}


# ----- nodes ----------------------------------------------------------------------------
class Custom:
    """The children of a node that ``_a`` and ``_b`` cannot hold: an op of OPS with more
    than two (mse), or an op a user wrote with ``Value(data, children, op)``.

    ``backward`` is the user's ``_backward`` closure (None: the op's row in OPS gives the
    derivatives); ``sent`` what it added to each child in the latest backward pass.
    """

    __slots__ = ("children", "backward", "sent")

    def __init__(self, children: tuple[Scalar, ...],
                 backward: Callable[[], Any] | None = None) -> None:
        self.children = children
        self.backward = backward
        self.sent: tuple[float, ...] | None = None


class Scalar:
    """A number that remembers how it was computed, so it can be differentiated.

    Parameters
    ----------
    value : int or float
        The number (held as a float). Python numbers and 0-dim torch/numpy values mixed
        into an expression become data nodes.
    label : str
        A name shown in drawings.
    requires_grad : bool
        False for a data node: it receives and passes on no gradient.
    """

    # Fields: data, grad, label and _op as in the lecture; _a, _b: the children of an op
    # of one or two (two slots instead of a tuple: 48 bytes less per node); _custom: see
    # Custom; _pass: the gradient received in the latest backward pass; _requires_grad;
    # _height: 1 + the largest _height of the children (0 for a leaf), backward's order.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_custom", "_pass",
                 "_requires_grad", "_height")
    __array_ufunc__ = None  # numpy defers to our reflected operators
    _keeps_ints = False  # Value keeps an int given to it; Scalar holds a float

    def __new__(cls, value: Any, label: str = "", requires_grad: bool = True) -> Scalar:
        if type(label) is not str:
            raise TypeError(f"Scalar(value, label='', requires_grad=True): label must be a "
                            f"str, got {label!r}. {_USE_VALUE}")
        if type(requires_grad) is not bool:
            raise TypeError(f"Scalar(value, label='', requires_grad=True): requires_grad "
                            f"must be True or False, got {requires_grad!r}. {_USE_VALUE}")
        data = ieee.number(value, cls.__name__, cls._keeps_ints)
        return _node(cls, data, "", None, None, None, requires_grad, 0, label)

    # ----- the names of seed 000 and of the lecture ------------------------------------
    @property
    def value(self) -> float:
        """The number (the lecture's ``data``)."""
        return self.data

    @value.setter
    def value(self, v: Any) -> None:
        self.data = ieee.number(v, type(self).__name__, self._keeps_ints)

    @property
    def op(self) -> str:
        """The op that made this node ('' for a leaf); the lecture's ``_op``."""
        return self._op

    @property
    def requires_grad(self) -> bool:
        """False for a data node: it receives and passes on no gradient."""
        return self._requires_grad

    @property
    def pass_grad(self) -> float | None:
        """Gradient received in the latest backward pass (None: data node, or unreached)."""
        return self._pass if self._requires_grad else None

    @property
    def children(self) -> tuple[Scalar, ...]:
        """The nodes ``op`` was applied to, in order (``()`` for a leaf)."""
        if self._custom is not None:
            return self._custom.children
        a, b = self._a, self._b
        return () if a is None else (a,) if b is None else (a, b)

    @property
    def _prev(self) -> set[Scalar]:
        """The lecture's set of children (made on each access: a stored set would
        cost ~216 bytes per node)."""
        return set(self.children)

    def local_grads(self) -> tuple[float, ...]:
        """d self / d child for each child, at the current values (``()`` for a leaf or
        an op with a user-written backward)."""
        c = self._custom
        if self._a is None and (c is None or c.backward is not None):
            return ()
        d = _LOCAL[self._op]
        return d if type(d) is tuple else d(self.data, *[k.data for k in self.children])

    def edge_grads(self) -> tuple[float, ...]:
        """What this node passed to each child in the latest backward pass."""
        c = self._custom
        if c is not None and c.backward is not None:
            return c.sent or (0.0,) * len(c.children)
        return tuple((self._pass or 0.0) * d for d in self.local_grads())

    @property
    def _backward(self) -> Callable[[], Any]:
        """The lecture's one-node step: ``child.grad += self.grad * d self / d child``
        for each child (a user-written op: its closure)."""
        c = self._custom
        return self._chain if c is None or c.backward is None else c.backward

    @_backward.setter
    def _backward(self, fn: Callable[[], Any]) -> None:
        if not callable(fn):
            raise TypeError(f"_backward must be a function of no arguments, got {fn!r}")
        if self._custom is None:
            self._custom = Custom(tuple(dict.fromkeys(self.children)), fn)
            self._a = self._b = None
        else:
            if self._custom.backward is None:  # mse: a closure sees each child once
                self._custom.children = tuple(dict.fromkeys(self._custom.children))
            self._custom.backward = fn

    def _chain(self) -> None:
        """``_backward()`` of an op of OPS: the chain rule on ``grad``, as the lecture's."""
        g = self.grad
        for child, d in zip(self.children, self.local_grads()):
            if child._requires_grad:
                child.grad += g * d

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        return f"Scalar(value={self.data:g}, grad={self.grad:g}{name})"

    # ----- ops: + - * / ** (and reflected), unary minus, relu, tanh, exp, log and
    # sigmoid are attached below from OPS.

    # ----- gradients -----------------------------------------------------------------
    def backward(self, fn: Callable[[Scalar], Any] | None = None) -> list[Any] | None:
        """Add d self / d node into ``grad`` of every node of the graph.

        The root itself receives 1. With ``fn``, ``fn(node)`` is called after each node
        has passed its gradient on, and the list of results is returned (a step-through).
        RuntimeError if no node of the graph requires a gradient (as torch).
        """
        if not self._requires_grad:
            raise RuntimeError(
                f"backward() of {self!r}: nothing in its graph requires a gradient (every "
                "leaf has requires_grad=False), so there is nothing to differentiate; "
                "make the parameters with requires_grad=True")
        order = backward_order(self)
        for node in order:
            node._pass = 0.0
        self._pass = 1.0
        steps: list[Any] | None = [] if fn else None
        for node in order:
            g = node._pass
            node.grad = g if node.grad == 0.0 else node.grad + g  # shares g: 14 bytes/node
            a = node._a
            if a is not None:
                b = node._b
                if b is None:
                    a._pass += g * _LOCAL[node._op](node.data, a.data)[0]
                else:
                    d = _LOCAL[node._op]
                    da, db = d if type(d) is tuple else d(node.data, a.data, b.data)
                    if a._requires_grad:
                        a._pass += g * da
                    if b._requires_grad:
                        b._pass += g * db
            elif node._custom is not None:
                _custom_step(node, g)
            if steps is not None:
                steps.append(fn(node))  # type: ignore[misc]
        return steps

    def zero_grad(self) -> None:
        """Zero ``grad`` of every node of this graph.

        ``pass_grad`` keeps what the latest pass sent, so a drawing still labels every
        edge with the gradient it carried; the next ``backward`` starts a new pass.
        """
        for node in walk(self):
            node.grad = 0.0


_USE_VALUE = ("To make a node from children as the lecture does, use Value: "
              "`from gdwidgets import Value`, then Value(data, (children,), 'op').")
S = TypeVar("S", bound=Scalar)
_new = object.__new__
_to_float = ieee.to_float  # an op's result from ints as a float (Value(2) * 3 is 6.0)


def _node(cls: type[S], data: Any, op: str, a: Scalar | None, b: Scalar | None,
          custom: Custom | None, requires_grad: bool, height: int, label: str = "") -> S:
    """The one way to make a node: constructors, ops and ``nary`` all come here."""
    node = _new(cls)
    node.data = data
    node.grad = 0.0
    node.label = label
    node._op = op
    node._a = a
    node._b = b
    node._custom = custom
    node._pass = None  # no backward pass has reached it yet
    node._requires_grad = requires_grad
    node._height = height
    return node


def _data(cls: type[Scalar], x: Any) -> Scalar | None:
    """A number mixed into an expression, as a data node (None: not a real number)."""
    v = x if type(x) is float else ieee.real(x)  # see the constant derivatives in OPS
    if v is None:
        return None
    return _node(cls, v if cls._keeps_ints else float(v), "", None, None, None, False, 0)


def _binary(op: str, reflected: bool = False) -> Callable[[Scalar, Any], Scalar]:
    forward = OPS[op][0]

    def method(self: Scalar, other: Any) -> Scalar:
        if not isinstance(other, Scalar):
            other = _data(type(self), other)
            if other is None:
                return NotImplemented
        a, b = (other, self) if reflected else (self, other)
        data = forward(a.data, b.data)
        ha, hb = a._height, b._height
        node = _new(type(self))  # _node inlined in the hottest path: buys ~0.04 µs/node
        node.data = data if type(data) is float else _to_float(data)
        node.grad = 0.0
        node.label = ""
        node._op = op
        node._a = a
        node._b = b
        node._custom = None
        node._pass = None
        node._requires_grad = a._requires_grad or b._requires_grad
        node._height = (ha if ha > hb else hb) + 1
        return node

    method.__name__ = f"__{'r' if reflected else ''}{op}__"
    return method


def _unary(op: str) -> Callable[[Scalar], Scalar]:
    forward = OPS[op][0]

    def method(self: Scalar) -> Scalar:
        data = forward(self.data)
        return _node(type(self), data if type(data) is float else _to_float(data), op, self,
                     None, None, self._requires_grad, self._height + 1)

    method.__name__ = op
    return method


for _op, _name in (("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("**", "pow")):
    setattr(Scalar, f"__{_name}__", _binary(_op))
    setattr(Scalar, f"__r{_name}__", _binary(_op, reflected=True))
for _op in ("relu", "tanh", "exp", "log", "sigmoid"):
    setattr(Scalar, _op, _unary(_op))
Scalar.__neg__ = _unary("neg")  # type: ignore[method-assign]


def nary(op: str, kids: tuple[Scalar, ...]) -> Scalar:
    """The node ``op(*kids)`` for an op of OPS that takes any number of children (mse)."""
    data = OPS[op][0](*[k.data for k in kids])
    return _node(type(kids[0]), data if type(data) is float else _to_float(data), op, None,
                 None, Custom(kids), any(k._requires_grad for k in kids),
                 1 + max(k._height for k in kids))


def _custom_step(node: Scalar, g: float) -> None:
    """``backward``'s step for a node whose children are in ``_custom``."""
    c = node._custom
    assert c is not None
    kids = c.children
    if c.backward is None:  # an op of OPS (mse)
        for k, d in zip(kids, _LOCAL[node._op](node.data, *[k.data for k in kids])):
            if k._requires_grad:
                k._pass += g * d
        return
    # A user's closure reads out.grad and adds into each child's grad: show it the
    # gradients of this pass, then take what it added into the pass.
    total, saved = node.grad, [k.grad for k in kids]
    for k in kids:
        k.grad = k._pass
    node.grad = g
    try:
        c.backward()
    finally:
        node.grad = total
        sent = []
        for k, before in zip(kids, saved):
            got = k.grad - k._pass if k._requires_grad else 0.0
            if k._requires_grad:
                k._pass = k.grad
            k.grad = before
            sent.append(got)
        c.sent = tuple(sent)


_by_height = attrgetter("_height")


def backward_order(root: Scalar) -> list[Scalar]:
    """Nodes that need a gradient, root first, each before all of its children: highest
    first, a level at a time (nodes of one height in the order a walk from the root
    finds them)."""
    if not root._requires_grad:
        return []
    order = [root]
    seen = {root}
    for node in order:  # grows while iterating: every node that needs a gradient, once
        for k in node.children:
            if k._requires_grad and k not in seen:
                seen.add(k)
                order.append(k)
    # a node is higher than each of its children, so highest first is an order for
    # backward: one walk and a sort, ~0.1-0.2 µs/node less than a depth-first post-order
    order.sort(key=_by_height, reverse=True)
    return order
