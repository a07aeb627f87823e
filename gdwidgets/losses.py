"""The loss, defined once: a loss per point, reduced over a batch by ``reduction``.

A loss (:data:`LOSSES`, the ``loss`` setting) says what one point costs, ``ℓ(r)`` of its
error ``r = ŷ - y``, and the slope ``∂ℓ/∂ŷ``; the manual gradients, the autograd step,
the step loop, the session's loss on all the data, the history and the drawn graph
(:meth:`Loss.drawn`) all take it from here. Adding a loss is adding an entry to
:data:`LOSSES` (``point`` and ``slope`` are enough; the other forms follow from them).

Every loss of a batch of m points is ``factor(reduction, m) * mean(ℓ)``: ``'mean'`` (factor
1, torch's default), ``'sum'`` (factor m), ``'half_sum'`` (factor m/2, seed 003's
``sum((y_pred - y)**2) / 2``). A batch's loss covers its m points; "the loss on all the
data" covers all n. The step loop writes it as one weight per point (:func:`point_weight`),
so the manual gradients follow from the same numbers.

No torch here (the functions use the tensors' own operators), so the settings can list
:data:`LOSSES` and :data:`REDUCTIONS` as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .registry import lookup

__all__ = ["LOSSES", "REDUCTIONS", "SQUARED", "Loss", "factor", "get", "point_weight",
           "reduce"]

Fn = Callable[..., Any]


@dataclass(frozen=True)
class Loss:
    """One loss. Tensors are (m, R) (or numpy arrays); ``r = ŷ - y`` and ``neg_y = -y``
    (as the batches hold it; None where the loss depends on ``r`` alone, see ``linear``).

    - ``point(r, neg_y)``: ℓ per point; ``slope(r, neg_y)``: ∂ℓ/∂ŷ per point.
    - ``weighted(r, neg_y, w)``: w·ℓ, ``weighted_slope(r, neg_y, w)``: w·∂ℓ/∂ŷ, and
      ``drawn(ŷ, y)``: ℓ as autograd records it for the graph; each defaults to the
      obvious expression of ``point`` and ``slope``.
    - ``linear``: c when the slope is c·r (and ℓ a function of r alone): the step loop
      then folds c into the design models' gradient matrix (one product per step).
    - ``doc``: (English, Chinese) for the ``loss`` setting's description.
    """

    point: Fn
    slope: Fn
    doc: tuple[str, str]
    weighted_fn: Fn | None = None
    weighted_slope_fn: Fn | None = None
    drawn_fn: Fn | None = None
    linear: float | None = None

    def weighted(self, r: Any, neg_y: Any, w: Any) -> Any:
        return self.weighted_fn(r, neg_y, w) if self.weighted_fn else w * self.point(r, neg_y)

    def weighted_slope(self, r: Any, neg_y: Any, w: Any) -> Any:
        if self.weighted_slope_fn:
            return self.weighted_slope_fn(r, neg_y, w)
        return w * self.slope(r, neg_y)

    def drawn(self, prediction: Any, y: Any) -> Any:
        """ℓ per point of ``prediction`` and ``y``, written as the seeds write it (the
        graph view draws these ops)."""
        return self.drawn_fn(prediction, y) if self.drawn_fn else \
            self.point(prediction - y, -y)


# The squared error. Each form keeps the operation order the seeds' runs were matched
# with digit by digit (float32): w·r·r is (w·r)·r, the weighted slope (2·w)·r, and the
# graph shows ``(prediction - y) ** 2`` (a ``pow 2`` box).
SQUARED = Loss(
    point=lambda r, neg_y: r * r,
    slope=lambda r, neg_y: 2 * r,
    doc=("'squared' (the squared error (ŷ - y)²)", "'squared'（平方误差 (ŷ - y)²）"),
    weighted_fn=lambda r, neg_y, w: w * r * r,
    weighted_slope_fn=lambda r, neg_y, w: 2 * w * r,
    drawn_fn=lambda prediction, y: (prediction - y) ** 2,
    linear=2.0,
)

LOSSES: dict[str, Loss] = {"squared": SQUARED}


def get(name: str) -> Loss:
    """The loss ``name`` (ValueError naming the known ones)."""
    return lookup(LOSSES, "loss", name)


@dataclass(frozen=True)
class Reduction:
    """How a batch's losses per point add up: the mean's factor for m points, and the
    batch's loss from its losses per point as the seeds write it, averaged over ``parts``
    micro-batches as the step loop does."""

    factor: Callable[[int | float], float]
    written: Fn  # (losses per point, parts) -> the batch's loss


def _per_part(loss: Any, parts: int) -> Any:
    return loss / parts if parts > 1 else loss


REDUCTIONS: dict[str, Reduction] = {
    "mean": Reduction(lambda m: 1.0, lambda points, parts: points.mean()),
    "sum": Reduction(float, lambda points, parts: _per_part(points.sum(), parts)),
    "half_sum": Reduction(lambda m: m / 2,
                          lambda points, parts: _per_part(points.sum() / 2, parts)),
}


def factor(reduction: str, m: int | float) -> float:
    """What the mean loss of m points is multiplied by under ``reduction``."""
    return lookup(REDUCTIONS, "reduction", reduction).factor(m)


def point_weight(reduction: str, m: int | float) -> float:
    """Each point's weight in a loss over m points: ``loss = Σ weight · ℓ``."""
    return factor(reduction, m) / m


def reduce(points: Any, reduction: str, parts: int = 1) -> Any:
    """A batch's loss from its losses per point (a tensor), written as the seeds write it
    (``.mean()``; ``.sum()``; ``.sum() / 2``), averaged over ``parts`` micro-batches as
    the step loop does."""
    return lookup(REDUCTIONS, "reduction", reduction).written(points, parts)
