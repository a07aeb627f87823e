"""Seed 003's two-layer chain y = a2 * (a1*x + b1) + b2, differentiated by hand.

For a batch of m points with h = a1*x + b1 (seed 003's ``liner1``), prediction
ŷ = a2*h + b2 and the loss L = mean((ŷ - y)^2) that :class:`Session` trains on, the chain
rule gives, per point i,

- ∂L/∂a2 = Σ ∂L/∂ŷ_i · ∂ŷ_i/∂a2 = Σ 2(ŷ_i - y_i)/m · h_i
- ∂L/∂b2 = Σ ∂L/∂ŷ_i · ∂ŷ_i/∂b2 = Σ 2(ŷ_i - y_i)/m · 1
- ∂L/∂a1 = Σ ∂L/∂ŷ_i · ∂ŷ_i/∂h_i · ∂h_i/∂a1 = Σ 2(ŷ_i - y_i)/m · a2 · x_i
- ∂L/∂b1 = Σ ∂L/∂ŷ_i · ∂ŷ_i/∂h_i · ∂h_i/∂b1 = Σ 2(ŷ_i - y_i)/m · a2 · 1

:func:`chain_rule_factors` returns every factor's per-point values, their product summed
over the batch (the gradient by hand) and torch.autograd's gradient of the same loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .gradients import two_layer_chain
from .session import BatchLoss

__all__ = ["Factor", "ParamChain", "chain_rule_factors", "chain_rule_samples"]

PARAMS = ("a2", "b2", "a1", "b1")  # in the order the chain rule reaches them


@dataclass(frozen=True)
class Factor:
    """One factor of a chain: its symbol (math, the same in every language) and its value
    for each point of the batch."""

    symbol: str
    values: np.ndarray  # (m,)

    @property
    def mean(self) -> float:
        return float(self.values.mean())


@dataclass(frozen=True)
class ParamChain:
    """∂L/∂param as a chain of factors, by hand and by autograd."""

    name: str
    factors: tuple[Factor, ...]
    manual: float  # Σ over the batch of the product of the factors
    autograd: float  # torch.autograd's gradient of the batch loss

    @property
    def difference(self) -> float:
        return self.manual - self.autograd

    @property
    def terms(self) -> np.ndarray:
        """The product of the factors for each point: ``manual`` is their sum."""
        return np.prod(np.stack([f.values for f in self.factors]), axis=0)

    @property
    def chain(self) -> str:
        """'∂L/∂ŷ · ∂ŷ/∂h · ∂h/∂a1'."""
        return " · ".join(f.symbol for f in self.factors)


def _check(batch_loss: BatchLoss) -> None:
    if set(batch_loss.params) != set(PARAMS):
        raise ValueError(
            f"chain_rule_factors needs the two_layer model (a1, b1, a2, b2), "
            f"got parameters {sorted(batch_loss.params)}"
        )


def chain_rule_samples(batch_loss: BatchLoss) -> dict[str, np.ndarray]:
    """Per point of the batch (as seed 003 prints them): x, y, h = a1*x + b1,
    ŷ = a2*h + b2, ∂L/∂ŷ = 2(ŷ - y)/m and ∂L/∂h = ∂L/∂ŷ · a2 (all (m,), float32)."""
    _check(batch_loss)
    p = {k: v.detach() for k, v in batch_loss.params.items()}
    x = batch_loss.x.detach()[:, 0]
    y = batch_loss.y.detach()
    hidden, _, d_pred, d_hidden = two_layer_chain(x, -y, p["a1"], p["b1"], p["a2"], p["b2"],
                                                  1 / len(y))
    pred = p["a2"] * hidden + p["b2"]
    return {
        "x": x.numpy(), "y": y.numpy(), "h": hidden.numpy(), "pred": pred.numpy(),
        "d_pred": d_pred.numpy(), "d_hidden": d_hidden.numpy(),
    }


def chain_rule_factors(batch_loss: BatchLoss) -> dict[str, ParamChain]:
    """{'a2', 'b2', 'a1', 'b1'} -> the chain of factors of ∂L/∂param for this batch,
    the gradient by hand (Σ of their product) and autograd's. The batch loss's graph is
    kept (autograd.grad with retain_graph), so ``.backward()`` still works afterwards
    and the leaves' ``.grad`` are left untouched."""
    s = chain_rule_samples(batch_loss)
    m = len(s["x"])
    a2 = float(batch_loss.params["a2"].detach())
    ones = np.ones(m, dtype=np.float32)
    dl = Factor("∂L/∂ŷ", s["d_pred"])
    dyh = Factor("∂ŷ/∂h", np.full(m, a2, dtype=np.float32))
    chains = {
        "a2": (dl, Factor("∂ŷ/∂a2", s["h"])),
        "b2": (dl, Factor("∂ŷ/∂b2", ones)),
        "a1": (dl, dyh, Factor("∂h/∂a1", s["x"])),
        "b1": (dl, dyh, Factor("∂h/∂b1", ones)),
    }
    leaves = [batch_loss.params[name] for name in PARAMS]
    with torch.enable_grad():
        grads = torch.autograd.grad(batch_loss.loss, leaves, retain_graph=True)
    auto = {name: float(g) for name, g in zip(PARAMS, grads)}
    out = {}
    for name, factors in chains.items():
        product = np.prod(np.stack([f.values for f in factors]), axis=0)
        out[name] = ParamChain(name, factors, float(product.sum(dtype=np.float64)),
                               auto[name])
    return out
