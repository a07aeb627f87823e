"""One step's loss and gradient for a batch: by the seeds' formulas, or by torch.autograd.

The loss is the mean squared error of the batch, ``sum(wt * (pred - y)**2)`` with
weights ``wt = 1/m`` (0 on the padding of a short last batch). Every function takes
``theta`` (P, R) and returns ``(loss (1, R), grad (P, R))``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .batches import Batch
from .models import Model

StepFn = Callable[[torch.Tensor, Batch], tuple[torch.Tensor, torch.Tensor]]


def design_manual(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """Linear and polynomial models (seeds 001, 004).

    dL/dw_j = 2/m * sum_i f_ij * (pred_i - y_i), with f the features (x, x^2, ..., 1).
    ``batch.grad_matrix`` holds 2/m * f transposed, so the gradient is one product.
    """
    r = torch.addmm(batch.neg_y, batch.features, theta)  # pred - y, (m, R)
    return torch.mm(batch.weights, r * r), torch.mm(batch.grad_matrix, r)


def two_layer_chain(x: torch.Tensor, neg_y: torch.Tensor, a1: torch.Tensor,
                    b1: torch.Tensor, a2: torch.Tensor, b2: torch.Tensor, w: Any
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Seed 003's chain per point, forward and back, for L = Σ w·(ŷ - y)²: h = a1·x + b1,
    r = ŷ - y with ŷ = a2·h + b2, ∂L/∂ŷ = 2w·r and ∂L/∂h = ∂L/∂ŷ · a2 (the one place
    the two-layer chain rule is written; ``neg_y`` is -y, as the training batches hold
    it)."""
    hidden = x * a1 + b1  # liner1
    r = hidden * a2 + b2 + neg_y  # y_pred - y
    d_pred = 2 * w * r  # dL/dy_pred
    return hidden, r, d_pred, d_pred * a2  # dL/dliner1 = a2 * dL/dy_pred


def two_layer_manual(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """y = a2 * (a1*x + b1) + b2 by the chain rule of seed 003."""
    x, wcol = batch.x, batch.weights_col
    hidden, r, d_pred, d_hidden = two_layer_chain(x, batch.neg_y, *theta, wcol)
    grad = torch.stack(
        [(d_hidden * x).sum(0), d_hidden.sum(0), (d_pred * hidden).sum(0), d_pred.sum(0)]
    )
    return (wcol * r * r).sum(0, keepdim=True), grad


def autograd_step(model: Model) -> StepFn:
    """The same loss, differentiated by torch.autograd."""
    design = model.design

    def step(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.enable_grad():
            p = theta.detach().requires_grad_()
            if design:
                r = torch.addmm(batch.neg_y, batch.features, p)
            else:
                r = model.predict(p, batch.x) + batch.neg_y
            loss = torch.mm(batch.weights, r * r)
            (grad,) = torch.autograd.grad(loss.sum(), p)
        return loss.detach(), grad

    return step


def step_function(model: Model, gradients: str) -> StepFn:
    """The step function for ``gradients`` ('manual' or 'autograd')."""
    if gradients == "autograd":
        return autograd_step(model)
    if model.design:
        return design_manual
    if model.kind == "two_layer":
        return two_layer_manual
    raise ValueError(f"no manual gradients for {model.kind!r}")  # config prevents this
