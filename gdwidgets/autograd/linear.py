"""The linear model and loss of seed 000, built on Scalar."""

from __future__ import annotations

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
    """y = a * x + b with ``a`` and ``b`` starting at 0."""

    def __init__(self) -> None:
        self.a = Scalar(0.0, label="a")
        self.b = Scalar(0.0, label="b")

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
