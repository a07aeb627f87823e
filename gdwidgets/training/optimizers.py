"""SGD, momentum and Adam as tensor updates on theta (P, R), one learning rate per run,
looked up by name in the table :data:`UPDATES`.

They follow torch.optim.SGD (momentum 0.9) and torch.optim.Adam (betas 0.9, 0.999,
eps 1e-8) step for step, with the learning rate as a row (1, R) so R runs step at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..registry import lookup
from ..settings import ADAM, MOMENTUM, OPTIMIZERS  # noqa: F401 - defined there

BETA1, BETA2, EPS = ADAM

Update = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _sgd(neg_lr: torch.Tensor) -> Update:
    def sgd(theta: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(theta, neg_lr, grad)

    return sgd


def _momentum(neg_lr: torch.Tensor) -> Update:
    state: dict[str, torch.Tensor] = {}

    def momentum(theta: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        buf = state.get("buf")
        buf = grad.clone() if buf is None else buf * MOMENTUM + grad
        state["buf"] = buf
        return torch.addcmul(theta, neg_lr, buf)

    return momentum


def _adam(neg_lr: torch.Tensor) -> Update:
    adam_state: dict[str, torch.Tensor] = {}
    counter = [0]

    def adam(theta: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        counter[0] += 1
        t = counter[0]
        if not adam_state:
            adam_state["m"] = torch.zeros_like(grad)
            adam_state["v"] = torch.zeros_like(grad)
        m = torch.lerp(adam_state["m"], grad, 1 - BETA1)
        v = adam_state["v"] * BETA2 + (1 - BETA2) * grad * grad
        adam_state["m"], adam_state["v"] = m, v
        denom = v.sqrt() / math.sqrt(1 - BETA2**t) + EPS
        return theta + (neg_lr / (1 - BETA1**t)) * (m / denom)

    return adam


# name -> a maker: (-lr) -> a fresh update with its own state. Adding an optimizer is an
# entry here and its name, label and description in settings.OPTIMIZERS (a test holds
# the two lists equal).
UPDATES: dict[str, Callable[[torch.Tensor], Update]] = {
    "sgd": _sgd,
    "momentum": _momentum,
    "adam": _adam,
}


def make_update(name: str, lr: torch.Tensor) -> Update:
    """A function (theta, grad) -> new theta; ``lr`` has shape (1, R), or (P, R) for a
    rate per parameter. An unknown ``name`` raises ValueError naming the known ones."""
    return lookup(UPDATES, "optimizer", name)(-lr)
