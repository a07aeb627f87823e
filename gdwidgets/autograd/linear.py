"""The linear model and loss of seed 000, built on Scalar."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from .scalar import Scalar, nary

__all__ = ["Linear", "mse"]


def mse(errors: Iterable[Scalar]) -> Scalar:
    """Mean squared error as one node whose children are the errors."""
    kids = tuple(e if isinstance(e, Scalar) else Scalar(e, requires_grad=False) for e in errors)
    if not kids:
        raise ValueError("mse needs at least one error, got an empty list")
    return nary("mse", kids)


class Linear:
    """y = a * x + b, seed 000's model (the sessions and the torch seeds call the slope
    ``w``; ``Session(model='linear', init={'a': ...})`` takes this name too).

    Parameters
    ----------
    a : float
        The slope's starting value (a leaf ``Scalar`` labelled ``a``).
    b : float
        The intercept's starting value (labelled ``b``).
    """

    def __init__(self, a: float = 0.0, b: float = 0.0) -> None:
        for name, value in (("a", a), ("b", b)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                    or not math.isfinite(value):
                raise ValueError(f"Linear's {name} must be a finite number, got {value!r}")
        self.a = Scalar(float(a), label="a")
        self.b = Scalar(float(b), label="b")

    def forward(self, x: Any) -> Scalar:
        return self.a * x + self.b

    def error(self, x: Any, y: Any) -> Scalar:
        """y - (a * x + b)."""
        return y - self.forward(x)

    def string(self) -> str:
        return f"y = {self.a.value:.2f} * x + {self.b.value:.2f}"

    def parameters(self) -> list[Scalar]:
        return [self.a, self.b]

    def update(self, lr: float, in_place: bool = True) -> None:
        """One gradient-descent step, then zero the parameters' grads.

        ``in_place=True`` changes ``value`` and keeps the graph the same size;
        ``in_place=False`` is the book's ``a -= lr * a.grad``, which records the update
        as new nodes, so the graph grows every step ("graph bloat"): the new ``a`` is a
        ``-`` node labelled ``a`` whose children are the old ``a`` and a data node
        labelled ``lr·a.grad``; the old ``a`` keeps its grad.
        """
        for name in ("a", "b"):
            p = getattr(self, name)
            if in_place:
                p.value -= lr * p.grad
            else:
                p = p - Scalar(lr * p.grad, label=f"lr·{name}.grad", requires_grad=False)
                p.label = name
                setattr(self, name, p)
            p.grad = 0.0
