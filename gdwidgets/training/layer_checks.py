"""One batch of an 'mlp' run, layer by layer: the gradients by hand (the layer formulas of
:mod:`gdwidgets.training.gradients`) beside torch.autograd's, in seed 003's layout
``out = in @ W + b`` (W is (n_in, n_out): nn.Linear's weight transposed).

No formula is written here: the forward and backward passes are the ones the 'manual'
step runs (one run, R = 1); autograd differentiates its own forward on the same float32
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..i18n import register, tr
from ..losses import SQUARED
from .gradients import mlp_backward, mlp_forward, mse_loss, seed_loss
from .models import MLPModel

if TYPE_CHECKING:
    from .history import History
    from .session import Session

__all__ = ["LOSSES", "LayerCheck", "LayerGrads", "layer_check"]

LOSSES = ("mse", "seed")

register({
    "layer_check.model": (
        "layer_check needs model='mlp', got model={value}",
        "layer_check 只能用于 model='mlp'，得到的是 model={value}",
    ),
    "layer_check.loss": (
        "loss must be 'mse' (mean((ŷ - y)²) over the batch) or 'seed' (seed 003's "
        "(Σ(ŷ - y)²)² / 2), got {value}",
        "loss 必须是 'mse'（批次上的 mean((ŷ - y)²)）或 'seed'（种子 003 的 "
        "(Σ(ŷ - y)²)² / 2），得到的是 {value}",
    ),
    "layer_check.update": (
        "update must be an integer between 1 and {hi} (the updates of the run), got {value}",
        "update 必须是 1 到 {hi} 之间的整数（这次训练的更新次数），得到的是 {value}",
    ),
})


@dataclass(frozen=True)
class LayerGrads:
    """One layer's numbers for one batch of m points.

    Attributes
    ----------
    layer : int
        1-based.
    inputs : np.ndarray
        a_{k-1}, (m, n_in): the layer's input (after the previous layer's activation).
    outputs : np.ndarray
        z_k, (m, n_out), before any activation.
    delta : np.ndarray
        ∂L/∂z_k by hand, (m, n_out).
    by_hand : dict[str, np.ndarray]
        {'W': (n_in, n_out), 'b': (n_out,)} in seed 003's layout ``out = in @ W + b``;
        a hidden layer followed by a PReLU also has 'a' (shape (), the PReLU's slope).
    autograd : dict[str, np.ndarray]
        The same keys and shapes, from torch.autograd on the same float32 numbers.
    """

    layer: int
    inputs: np.ndarray
    outputs: np.ndarray
    delta: np.ndarray
    by_hand: dict[str, np.ndarray]
    autograd: dict[str, np.ndarray]


@dataclass(frozen=True)
class LayerCheck:
    """The loss of one batch and every layer's gradients, by hand and by autograd.

    Attributes
    ----------
    loss_name : str
        'mse' or 'seed'.
    loss : float
        The batch's loss.
    prediction : np.ndarray
        ŷ, (m,).
    d_pred : np.ndarray
        ∂L/∂ŷ by hand, (m,).
    layers : tuple[LayerGrads, ...]
        From the first layer to the last.
    """

    loss_name: str
    loss: float
    prediction: np.ndarray
    d_pred: np.ndarray
    layers: tuple[LayerGrads, ...]


def _seed_layout(w: torch.Tensor) -> np.ndarray:
    """A weight as :meth:`MLPModel.split` gives it for one run -> (n_in, n_out)."""
    w = w[..., 0]
    return (w.T if w.ndim == 2 else w[:, None]).numpy().copy()


def _autograd(layers: list[list[torch.Tensor]], x: torch.Tensor, y: torch.Tensor,
              loss: str) -> list[dict[str, np.ndarray]]:
    """Per layer {'W', 'b'(, 'a')} by torch.autograd, written in seed 003's layout."""
    leaves = []
    for w, b, *a in layers:
        leaf = {"W": torch.tensor(_seed_layout(w), requires_grad=True),
                "b": b[..., 0].reshape(-1).clone().requires_grad_()}
        if a:
            leaf["a"] = a[0].reshape(()).clone().requires_grad_()
        leaves.append(leaf)
    with torch.enable_grad():
        act = x
        for leaf in leaves:
            act = torch.matmul(act, leaf["W"]) + leaf["b"]
            if "a" in leaf:
                act = torch.nn.functional.prelu(act, leaf["a"].reshape(1))
        output = act.squeeze(1)
        squares = SQUARED.drawn(output, y)  # (output - y) ** 2
        value = torch.sum(squares) ** 2 / 2 if loss == "seed" else torch.mean(squares)
        flat = [t for leaf in leaves for t in leaf.values()]
        grads = iter(torch.autograd.grad(value, flat))
    return [{k: next(grads).numpy() for k in leaf} for leaf in leaves]


def layer_check(session: Session, update: int, history: History, loss: str = "mse"
                ) -> LayerCheck:
    """The batch of step ``update`` with the parameters before that step's update (as
    Session.batch_loss does), each layer's gradients by hand beside autograd's.

    Parameters
    ----------
    session : Session
        A session with model='mlp' (any ``hidden``; ``activation`` 'prelu' or None).
    update : int
        1..len(history): the update whose batch and starting parameters are checked.
    history : History
        A run of ``session``.
    loss : str
        'mse' = mean((ŷ - y)²) over the batch; 'seed' = seed 003's gradient-check loss
        (Σ(ŷ - y)²)² / 2, whose ∂L/∂ŷ = 2·Σ(ŷ - y)²·(ŷ - y). The session's
        ``reduction`` plays no part.

    Returns
    -------
    LayerCheck
    """
    model = session.model
    if not isinstance(model, MLPModel):
        raise ValueError(tr("layer_check.model", value=repr(model.kind)))
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(tr("layer_check.loss", value=repr(loss)))
    if isinstance(update, bool) or not isinstance(update, int | np.integer) \
            or not 1 <= update <= len(history):
        raise ValueError(tr("layer_check.update", hi=len(history), value=repr(update)))
    problem = session._problem
    rows = torch.from_numpy(history.batch(int(update)))
    x, y = problem.x[rows], problem.y[rows]
    theta = torch.from_numpy(history.theta[update - 1].copy()).reshape(-1, 1)
    layers = model.split(theta)
    with torch.no_grad():
        tape = mlp_forward(layers, x)
        prediction = tape[-1][1][:, 0]
        value, d_pred = (seed_loss if loss == "seed" else mse_loss)(
            (prediction - y)[:, None])
        grads = mlp_backward(layers, tape, d_pred)
    by_autograd = _autograd(layers, x, y, loss)
    out = []
    for k, (g, (inputs, z), (w, *_), auto) in enumerate(
            zip(grads, tape, layers, by_autograd), 1):
        by_hand = {"W": _seed_layout(g["W"]), "b": g["b"][..., 0].reshape(-1).numpy()}
        if "a" in g:
            by_hand["a"] = g["a"].reshape(()).numpy()
        inputs = inputs[..., 0] if inputs.ndim == 3 else inputs  # the first is x (m, d)
        z, delta = (z[..., 0], g["delta"][..., 0]) if w.ndim == 3 else (z, g["delta"])
        out.append(LayerGrads(k, inputs.numpy().copy(), z.numpy().copy(),
                              delta.numpy().copy(), by_hand, auto))
    return LayerCheck(loss, float(value[0]), prediction.numpy().copy(),
                      d_pred[:, 0].numpy().copy(), tuple(out))
