"""The loss, defined once: squared errors reduced by ``reduction``.

Every loss of the package is ``factor(reduction, m) * mean((pred - y)**2)`` over the m
points it covers: ``'mean'`` is the mean squared error (factor 1, torch's default),
``'sum'`` the sum of squared errors (factor m), ``'half_sum'`` half that sum (factor m/2,
seed 003's ``sum((y_pred - y)**2) / 2``). A batch's loss covers its m points; "the loss
on all the data" covers all n. The step loop writes it as one weight per point
(:func:`point_weight`), so the manual gradients follow from the same numbers.
"""

from __future__ import annotations

from typing import Any

from ..settings import REDUCTIONS  # noqa: F401 - defined there

__all__ = ["factor", "point_weight", "reduce"]


def factor(reduction: str, m: int | float) -> float:
    """What the mean squared error of m points is multiplied by under ``reduction``."""
    if reduction == "mean":
        return 1.0
    if reduction == "sum":
        return float(m)
    if reduction == "half_sum":
        return m / 2
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def point_weight(reduction: str, m: int | float) -> float:
    """Each point's weight in a loss over m points: ``loss = Σ weight · (pred - y)²``."""
    return factor(reduction, m) / m


def reduce(squared: Any, reduction: str, parts: int = 1) -> Any:
    """A batch's loss from its squared errors (a tensor), written as the seeds write it
    (``.mean()``; ``.sum()``; ``.sum() / 2``), averaged over ``parts`` micro-batches as
    the step loop does."""
    if reduction == "mean":
        return squared.mean()
    loss = squared.sum() / 2 if reduction == "half_sum" else squared.sum()
    return loss / parts if parts > 1 else loss
