"""One step's loss and gradient for a batch: by the seeds' formulas, or by torch.autograd.

The loss of a batch is ``sum(wt * ℓ)`` with ℓ the loss of each point (the run's
:class:`~gdwidgets.losses.Loss`, the squared error ``(pred - y)**2`` by default)
and weights ``wt = 1/m`` for the mean (0 on the padding of a short last batch). Every step
function takes ``theta`` (P, R) and returns ``(loss (1, R), grad (P, R))``; the manual
ones are chosen by model in :data:`MANUAL_STEPS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..losses import SQUARED, Loss
from ..registry import lookup
from .batches import Batch
from .models import MLPModel, Model

StepFn = Callable[[torch.Tensor, Batch], tuple[torch.Tensor, torch.Tensor]]


def design_manual(loss: Loss = SQUARED) -> StepFn:
    """Linear and polynomial models (seeds 001, 004).

    dL/dw_j = sum_i wt_i * f_ij * ∂ℓ/∂pred_i, with f the features (x, x^2, ..., 1):
    for the squared error 2/m * sum_i f_ij * (pred_i - y_i). ``batch.grad_matrix`` holds
    wt * f transposed (times ``loss.linear``, the 2, when the slope is linear in r), so
    the gradient is one product.
    """
    linear = loss.linear is not None

    def design(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        r = torch.addmm(batch.neg_y, batch.features, theta)  # pred - y, (m, R)
        slope = r if linear else loss.slope(r, batch.neg_y)
        return torch.mm(batch.weights, loss.point(r, batch.neg_y)), \
            torch.mm(batch.grad_matrix, slope)

    return design


def two_layer_chain(x: torch.Tensor, neg_y: torch.Tensor, a1: torch.Tensor,
                    b1: torch.Tensor, a2: torch.Tensor, b2: torch.Tensor, w: Any,
                    loss: Loss = SQUARED
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Seed 003's chain per point, forward and back, for L = Σ w·ℓ (ℓ = (ŷ - y)² by
    default): h = a1·x + b1, r = ŷ - y with ŷ = a2·h + b2, ∂L/∂ŷ = w·∂ℓ/∂ŷ (2w·r) and
    ∂L/∂h = ∂L/∂ŷ · a2 (the one place the two-layer chain rule is written; ``neg_y`` is
    -y, as the training batches hold it)."""
    hidden = x * a1 + b1  # liner1
    r = hidden * a2 + b2 + neg_y  # y_pred - y
    d_pred = loss.weighted_slope(r, neg_y, w)  # dL/dy_pred
    return hidden, r, d_pred, d_pred * a2  # dL/dliner1 = a2 * dL/dy_pred


def two_layer_manual(loss: Loss = SQUARED) -> StepFn:
    """y = a2 * (a1*x + b1) + b2 by the chain rule of seed 003."""

    def two_layer(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        x, wcol = batch.x, batch.weights_col
        hidden, r, d_pred, d_hidden = two_layer_chain(x, batch.neg_y, *theta, wcol, loss)
        grad = torch.stack(
            [(d_hidden * x).sum(0), d_hidden.sum(0), (d_pred * hidden).sum(0), d_pred.sum(0)]
        )
        return loss.weighted(r, batch.neg_y, wcol).sum(0, keepdim=True), grad

    return two_layer


# ----- the mlp, layer by layer: each op's forward beside its local backward ---------------
# R runs side by side: a layer's input is (m, n_in, R) (the first layer's x: (m, d), shared),
# a hidden layer's W is (n_out, n_in, R) as nn.Linear holds it, its b (n_out, R); the
# output layer's W is (n_in, R), its b (1, R), its z (m, R): the prediction.


def dense(a_prev: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """z = a_prev·Wᵀ + b."""
    if w.ndim == 2:  # the output layer: one unit
        return (a_prev * w).sum(1) + b
    return torch.einsum("md,hdr->mhr" if a_prev.ndim == 2 else "mdr,hdr->mhr", a_prev, w) + b


def dense_backward(delta: torch.Tensor, a_prev: torch.Tensor, w: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """δ = ∂L/∂z -> (∂L/∂W = δᵀ·a_prev summed over the batch, ∂L/∂b = Σ δ,
    ∂L/∂a_prev = δ·W)."""
    if w.ndim == 2:  # the output layer: δ is (m, R)
        return (delta.unsqueeze(1) * a_prev).sum(0), delta.sum(0, keepdim=True), \
            delta.unsqueeze(1) * w
    d_w = torch.einsum("mhr,md->hdr" if a_prev.ndim == 2 else "mhr,mdr->hdr", delta, a_prev)
    return d_w, delta.sum(0), torch.einsum("mhr,hdr->mdr", delta, w)


def prelu(z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    """PReLU(z) = z if z ≥ 0 else a·z (a: (1, R), one per run)."""
    return torch.where(z >= 0, z, a * z)


def prelu_backward(delta: torch.Tensor, z: torch.Tensor, a: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """δ_act = ∂L/∂PReLU(z) -> (δ_z = δ_act·(1 if z ≥ 0 else a), ∂L/∂a = Σ δ_act·min(z, 0))."""
    return delta * torch.where(z >= 0, 1.0, a), (delta * z.clamp(max=0)).sum((0, 1))[None]


Tape = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: (its input, its z)


def mlp_forward(layers: list[list[torch.Tensor]], x: torch.Tensor) -> Tape:
    """The forward pass, every layer's input and z kept for the backward one (``layers``
    as :meth:`MLPModel.split` gives them); the last z is the prediction (m, R)."""
    tape: Tape = []
    act = x
    for w, b, *a in layers:
        z = dense(act, w, b)
        tape.append((act, z))
        act = prelu(z, a[0]) if a else z
    return tape


def mlp_backward(layers: list[list[torch.Tensor]], tape: Tape, d_pred: torch.Tensor
                 ) -> list[dict[str, torch.Tensor]]:
    """From ∂L/∂ŷ (m, R) back through every layer: per layer (first to last) its
    ∂L/∂W, ∂L/∂b, ∂L/∂a (after a PReLU) and its δ = ∂L/∂z."""
    out: list[dict[str, torch.Tensor]] = []
    delta = d_pred  # the output layer has no activation: ∂L/∂z = ∂L/∂ŷ
    for (w, _b, *a), (a_prev, z) in zip(layers[::-1], tape[::-1]):
        grads = {}
        if a:
            delta, grads["a"] = prelu_backward(delta, z, a[0])
        grads["delta"] = delta
        grads["W"], grads["b"], delta = dense_backward(delta, a_prev, w)
        out.append(grads)
    return out[::-1]


def mse_loss(r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """r = ŷ - y (m, R) -> (L = mean(r²), ∂L/∂ŷ = 2r/m)."""
    return SQUARED.point(r, None).mean(0), SQUARED.slope(r, None) / len(r)


def seed_loss(r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Seed 003's gradient check: (L = (Σ r²)² / 2, ∂L/∂ŷ = 2·Σ r²·r)."""
    s = (r * r).sum(0)
    return s * s / 2, 2 * s * r


def mlp_manual(model: MLPModel, loss: Loss = SQUARED) -> StepFn:
    """The mlp's loss Σ w·ℓ (w: the batch's weights) and gradient, layer by layer."""

    def step(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        layers = model.split(theta)
        tape = mlp_forward(layers, batch.x)
        wcol, runs = batch.weights_col, theta.shape[1]
        r = tape[-1][1] + batch.neg_y  # ŷ - y
        grads = mlp_backward(layers, tape, loss.weighted_slope(r, batch.neg_y, wcol))
        rows = [g[k].reshape(-1, runs) for g in grads for k in ("W", "b", "a") if k in g]
        return loss.weighted(r, batch.neg_y, wcol).sum(0, keepdim=True), torch.cat(rows)

    return step


def autograd_step(model: Model, loss_fn: Loss = SQUARED) -> StepFn:
    """The same loss, differentiated by torch.autograd."""
    design = model.design

    def step(theta: torch.Tensor, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.enable_grad():
            p = theta.detach().requires_grad_()
            if design:
                r = torch.addmm(batch.neg_y, batch.features, p)
            else:
                r = model.predict(p, batch.x) + batch.neg_y
            loss = torch.mm(batch.weights, loss_fn.point(r, batch.neg_y))
            (grad,) = torch.autograd.grad(loss.sum(), p)
        return loss.detach(), grad

    return step


# model kind -> (model, loss) -> its step by the formulas; a model without an entry has
# autograd only (settings.MANUAL lists these keys; a test holds them equal).
MANUAL_STEPS: dict[str, Callable[[Any, Loss], StepFn]] = {
    "linear": lambda model, loss: design_manual(loss),
    "polynomial": lambda model, loss: design_manual(loss),
    "two_layer": lambda model, loss: two_layer_manual(loss),
    "mlp": mlp_manual,
}


def step_function(model: Model, gradients: str, loss: Loss = SQUARED) -> StepFn:
    """The step function for ``gradients`` ('manual' or 'autograd')."""
    if gradients == "autograd":
        return autograd_step(model, loss)
    return lookup(MANUAL_STEPS, "model", model.kind)(model, loss)  # config checks this
