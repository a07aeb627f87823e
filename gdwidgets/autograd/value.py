"""micrograd's ``Value`` on our engine: the lecture's constructor, repr and names.

``Value(data, _children=(), _op='', label='')`` is :class:`~.scalar.Scalar` with the
lecture's constructor: an op written the lecture's way (``out = Value(t, (self,),
'tanh')``, then ``out._backward = _backward``) becomes a node whose backward is that
closure. Everything else (ops, ``backward()``, ``_prev``, ``_op``, ``_backward()``) is
Scalar's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from . import ieee
from .scalar import Custom, Scalar, _node

__all__ = ["Value"]


def _nothing() -> None:
    """micrograd's ``_backward`` of a node nobody gave one: pass nothing on."""


class Value(Scalar):
    """micrograd's ``Value``: the lecture's code runs on it unchanged.

    Parameters
    ----------
    data : int or float
        The number, kept as given (``Value(2).data`` is the int 2; op results are floats).
    _children : iterable of Value
        The nodes this one was computed from, for an op written the lecture's way:
        ``out = Value(t, (self,), 'tanh')``, then ``out._backward = _backward``.
    _op : str
        The op's name, shown in drawings.
    label : str
        A name shown in drawings.
    """

    __slots__ = ()
    _keeps_ints = True

    def __new__(cls, data: Any, _children: Iterable[Scalar] = (), _op: str = "",
                label: str = "") -> Value:
        for name, s in (("_op", _op), ("label", label)):
            if type(s) is not str:
                raise TypeError(f"Value(data, _children=(), _op='', label=''): {name} must "
                                f"be a str, got {s!r}")
        try:
            kids = tuple(dict.fromkeys(_children))  # the lecture's set, in the order given
        except TypeError:
            kids = (_children,)
        for k in kids:
            if not isinstance(k, Scalar):
                raise TypeError(f"Value(data, _children=(), ...): _children must be Value "
                                f"nodes, got {k!r}; wrap a number first: Value({k!r})")
        data = ieee.number(data, cls.__name__, keep_int=True)
        if not kids:
            return _node(cls, data, _op, None, None, None, True, 0, label)
        return _node(cls, data, _op, None, None, Custom(kids, _nothing),
                     any(k._requires_grad for k in kids), 1 + max(k._height for k in kids),
                     label)

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad or 0})"
