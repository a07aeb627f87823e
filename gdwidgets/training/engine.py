"""The step loop shared by Session (one run) and lr_sweep (R runs side by side).

Per step only a few tensor ops run (no autograd graph for manual gradients, batches
prepared per epoch, histories appended to lists and stacked once at the end).
Divergence is checked every few steps to stop early; the exact first diverged step is
found afterwards, vectorised over all recorded losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import SQUARED, Loss, factor
from .batches import Batch, Batcher
from .gradients import StepFn, step_function
from .models import Model
from .optimizers import make_update

DIVERGENCE_FACTOR = 1e5  # over the loss on all the data at the start (see divergence_limit)
CHECK_EVERY = 16
EXPLOSION_STEPS = 1000  # a diverged Session records this many more steps at most


@dataclass
class Raw:
    """Everything a run recorded, as tensors; R runs in the last dimension."""

    loss: torch.Tensor  # (S, R)
    theta: torch.Tensor  # (S + 1, P, R)
    grad: torch.Tensor  # (S, P, R)
    batch_index: torch.Tensor  # (micro-batches, m), -1 on padding
    diverged_step: torch.Tensor  # (R,) 1-based step of the first diverged loss, 0 if none
    recorded: torch.Tensor  # (R,) steps that belong to each run (see recorded_steps)


def divergence_limit(model: Model, x: torch.Tensor, y: torch.Tensor,
                     theta0: torch.Tensor, reduction: str = "mean", batch: int = 1,
                     loss: Loss = SQUARED) -> torch.Tensor:
    """The loss above which a run has diverged: 1e5 times the loss on all the data at
    the start, as a batch of ``batch`` points with the same mean error would have it
    under ``reduction`` (floored at 1e-12). Every run of a sweep starts there, and no batch comes
    first: a batch that happens to sit on the initial line does not lower the bar. (The
    former rule, 1e6 times the first batch's loss, flagged seed 002's per-sample SGD at
    step 13; this one does too, and never flags a converging run whose first batch
    happened to fit.)"""
    error = model.predict(theta0.reshape(-1, 1), x)[:, 0] - y
    mean = loss.point(error, -y).mean() * factor(reduction, batch)
    return DIVERGENCE_FACTOR * mean.clamp_min(1e-12)


def first_diverged(loss: torch.Tensor, limit: torch.Tensor) -> torch.Tensor:
    """(S, R) step losses -> (R,) first step (1-based) that is non-finite or above
    ``limit``; 0 where there is none."""
    bad = ~(loss <= limit)  # catches nan and inf too
    first = bad.to(torch.int8).argmax(0) + 1
    return torch.where(bad.any(0), first, 0)


def recorded_steps(loss: torch.Tensor, diverged: torch.Tensor, after: int) -> torch.Tensor:
    """(R,) how many of the (S, R) step losses belong to each run: all S for a run that
    did not diverge; for one that did, its diverged step and up to ``after`` more, ending
    before the first non-finite loss (the explosion, never an inf or nan)."""
    steps = loss.shape[0]
    bad = ~torch.isfinite(loss)
    finite_for = torch.where(bad.any(0), bad.to(torch.int8).argmax(0), steps)
    end = torch.minimum(torch.minimum(diverged + after, finite_for),
                        torch.full_like(diverged, steps))
    return torch.where(diverged > 0, torch.maximum(end, diverged), steps)


# Tensors here are small: torch's thread pool only adds latency (and jitter when the CPU
# is shared), so training runs on one thread. Set once, when the engine is first imported
# (torch loads on first use), not set and restored around every run: the thread count is
# process-wide, and two runs (two widgets, two threads) restoring it would undo each
# other. Code of the user's own that wants more threads sets torch.set_num_threads after.
torch.set_num_threads(1)


def train(model: Model, x: torch.Tensor, y: torch.Tensor, theta0: torch.Tensor,
          lr: torch.Tensor, *, epochs: int, batch_size: int, shuffle: bool | str,
          optimizer: str, gradients: str, zero_grad: bool, accumulate: int,
          gen: torch.Generator, reduction: str = "mean", after: int = 0,
          loss: Loss = SQUARED) -> Raw:
    """Train R = len(lr) copies of ``model`` from ``theta0`` (P,), one per learning rate.

    One loop for every case. Each step records what its loss comes from: the loss
    itself, or, for one run by the formulas without micro-batches (the hot path, three
    tensor ops per step), the residuals, turned into losses after the loop, all steps at
    once. Every ``CHECK_EVERY`` steps the loop stops early once every run has diverged
    and, to record the explosion, gone ``after`` steps further or reached a non-finite
    loss.
    """
    runs = lr.shape[-1]
    with torch.no_grad():
        batcher = Batcher(model, x, y, batch_size, shuffle, gen, reduction, loss)
        step = step_function(model, gradients, loss)
        rates = lr.reshape(1, runs) if lr.ndim == 1 else lr  # (1, R) or one per row (P, R)
        update = make_update(optimizer, rates.to(torch.float32))
        limit = divergence_limit(model, x, y, theta0, reduction, batch_size, loss)
        theta = theta0.reshape(-1, 1).repeat(1, runs)
        # the hot path: a loss of r alone with a linear slope (the squared error)
        deferred = (model.design and gradients == "manual" and loss.linear is not None
                    and accumulate == 1 and runs == 1)
        records: list[torch.Tensor] = []  # per step: its loss (1, R) or residuals (m, 1)
        weights: list[torch.Tensor] = []  # per deferred step: the batch's weights (1, m)
        thetas, grads, indices = [theta], [], []
        piled: torch.Tensor | None = None
        over_at = torch.zeros(runs, dtype=torch.long)  # the check that saw it diverged
        for _ in range(epochs):
            idx, batches = batcher.epoch()
            indices.append(idx)
            for start in range(0, batcher.count, accumulate):
                if deferred:
                    batch = batches[start]
                    record = torch.addmm(batch.neg_y, batch.features, theta)  # pred - y
                    grad = torch.mm(batch.grad_matrix, record)
                    weights.append(batch.weights)
                else:
                    record, grad = _group_step(step, theta, batches[start:start + accumulate])
                if not zero_grad:  # the forgotten zero_grad: .grad keeps every step's sum
                    piled = grad = grad if piled is None else piled + grad
                theta = update(theta, grad)
                records.append(record)
                grads.append(grad)
                thetas.append(theta)
                if len(grads) % CHECK_EVERY == 0:
                    now = (torch.mm(weights[-1], loss.point(record, None)) if deferred
                           else record)[0]
                    over_at = torch.where((over_at == 0) & ~(now <= limit), len(grads), over_at)
                    done = (over_at > 0) & (~torch.isfinite(now) | (len(grads) - over_at >= after))
                    if bool(done.all()):
                        break
            else:
                continue
            break
        if deferred:
            r = torch.cat(records, 1)  # (m, S): one column per step (runs == 1)
            loss_t = loss.weighted(r, None, torch.cat(weights).T).sum(0)[:, None]
        else:
            loss_t = torch.cat(records)
        diverged = first_diverged(loss_t, limit)
        return Raw(loss_t, torch.stack(thetas), torch.stack(grads), torch.cat(indices),
                   diverged, recorded_steps(loss_t, diverged, after))


def _group_step(step: StepFn, theta: torch.Tensor, group: list[Batch]
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """The loss and gradient of one update: the mean over its micro-batches."""
    loss, grad = step(theta, group[0])
    if len(group) == 1:
        return loss, grad
    for batch in group[1:]:
        more_loss, more_grad = step(theta, batch)
        loss, grad = loss + more_loss, grad + more_grad
    return loss / len(group), grad / len(group)
