"""The step loop shared by Session (one run) and lr_sweep (R runs side by side).

Per step only a few tensor ops run (no autograd graph for manual gradients, batches
prepared per epoch, histories appended to lists and stacked once at the end).
Divergence is checked every few steps to stop early; the exact first diverged step is
found afterwards, vectorised over all recorded losses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch

from .batches import Batcher
from .gradients import design_manual, step_function
from .models import Model
from .optimizers import make_update

DIVERGENCE_FACTOR = 1e6
CHECK_EVERY = 16


@dataclass
class Raw:
    """Everything a run recorded, as tensors; R runs in the last dimension."""

    loss: torch.Tensor  # (S, R)
    theta: torch.Tensor  # (S + 1, P, R)
    grad: torch.Tensor  # (S, P, R)
    batch_index: torch.Tensor  # (micro-batches, m), -1 on padding
    diverged_step: torch.Tensor  # (R,) 1-based step of the first diverged loss, 0 if none


def first_diverged(loss: torch.Tensor) -> torch.Tensor:
    """(S, R) losses -> (R,) first step (1-based) that is non-finite or > 1e6 x first."""
    limit = DIVERGENCE_FACTOR * loss[:1].clamp_min(1e-12)
    bad = ~(loss <= limit)  # catches nan and inf too
    first = bad.to(torch.int8).argmax(0) + 1
    return torch.where(bad.any(0), first, 0)


@contextmanager
def _one_thread() -> Iterator[None]:
    """Tensors here are small: torch's thread pool only adds latency (and jitter when
    the CPU is shared), so run on one thread and restore the setting afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train(model: Model, x: torch.Tensor, y: torch.Tensor, theta0: torch.Tensor,
          lr: torch.Tensor, *, epochs: int, batch_size: int, shuffle: bool,
          optimizer: str, gradients: str, zero_grad: bool, accumulate: int,
          gen: torch.Generator) -> Raw:
    """Train R = len(lr) copies of ``model`` from ``theta0`` (P,), one per learning rate."""
    runs = len(lr)
    with torch.no_grad(), _one_thread():
        batcher = Batcher(model, x, y, batch_size, shuffle, gen)
        step = step_function(model, gradients)
        update = make_update(optimizer, lr.reshape(1, runs).to(torch.float32))
        theta = theta0.reshape(-1, 1).repeat(1, runs)
        losses: list[torch.Tensor] = []
        thetas = [theta]
        grads: list[torch.Tensor] = []
        indices: list[torch.Tensor] = []
        piled: torch.Tensor | None = None
        limit: torch.Tensor | None = None
        count = batcher.count
        stop = False
        # one run, manual formulas, no micro-batches: losses are computed after the loop
        # from the residuals, all steps at once
        deferred = step is design_manual and accumulate == 1 and runs == 1
        residuals: list[torch.Tensor] = []
        weights: list[torch.Tensor] = []
        for _ in range(epochs):
            idx, batches = batcher.epoch()
            indices.append(idx)
            if deferred:  # the hot path: 3 tensor ops per step
                for batch in batches:
                    r = torch.addmm(batch.neg_y, batch.features, theta)  # pred - y
                    grad = torch.mm(batch.grad_matrix, r)
                    if not zero_grad:
                        piled = grad = grad if piled is None else piled + grad
                    theta = update(theta, grad)
                    residuals.append(r)
                    weights.append(batch.weights)
                    grads.append(grad)
                    thetas.append(theta)
                    if limit is None:
                        limit = DIVERGENCE_FACTOR * torch.mm(batch.weights, r * r).clamp_min(1e-12)
                    elif len(grads) % CHECK_EVERY == 0:
                        if not bool((torch.mm(batch.weights, r * r) <= limit).all()):
                            stop = True
                            break
                if stop:
                    break
                continue
            for start in range(0, count, accumulate):
                if accumulate == 1:
                    loss, grad = step(theta, batches[start])
                else:
                    group = batches[start:start + accumulate]
                    loss, grad = step(theta, group[0])
                    for b in group[1:]:
                        more_loss, more_grad = step(theta, b)
                        loss, grad = loss + more_loss, grad + more_grad
                    loss, grad = loss / len(group), grad / len(group)
                if not zero_grad:  # the forgotten zero_grad: .grad keeps every step's sum
                    piled = grad = grad if piled is None else piled + grad
                theta = update(theta, grad)
                losses.append(loss)
                grads.append(grad)
                thetas.append(theta)
                if limit is None:
                    limit = DIVERGENCE_FACTOR * loss.clamp_min(1e-12)
                elif len(losses) % CHECK_EVERY == 0 and not bool((loss <= limit).any()):
                    stop = True
                    break
            if stop:
                break
        if deferred:
            r = torch.cat(residuals, 1)  # (m, S): one column per step (runs == 1)
            loss_t = (torch.cat(weights).T * r * r).sum(0)[:, None]
        else:
            loss_t = torch.cat(losses)
        return Raw(loss_t, torch.stack(thetas), torch.stack(grads), torch.cat(indices),
                   first_diverged(loss_t))
