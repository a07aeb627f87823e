"""Splitting the data into batches the way a DataLoader does, prepared for the step loop.

Batches of an epoch are built with a handful of tensor ops (one gather per epoch), so the
step loop only picks ready tensors. A short last batch (n not a multiple of batch_size,
DataLoader's ``drop_last=False``) is padded with weight-0 rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import SQUARED, Loss, point_weight
from .models import Model


@dataclass
class Batch:
    """The tensors one step of the loop needs for one (micro-)batch of m rows."""

    x: torch.Tensor  # (m, d)
    neg_y: torch.Tensor  # (m, 1), minus the targets
    weights: torch.Tensor  # (1, m), each real row's weight in the loss, 0 on padding
    weights_col: torch.Tensor  # (m, 1)
    features: torch.Tensor | None  # (m, P) design models only
    grad_matrix: torch.Tensor | None  # (P, m) = c * (features * weights_col).T, c: see Loss.linear


def loader_order(n: int, gen: torch.Generator) -> torch.Tensor:
    """The order an epoch of ``DataLoader(shuffle=True)`` visits n points in, with ``gen``
    standing for torch's global generator: the loader's iterator draws its base seed, its
    ``RandomSampler`` draws the seed of a fresh generator, which permutes."""
    torch.empty((), dtype=torch.int64).random_(generator=gen)  # the iterator's base seed
    seed = int(torch.empty((), dtype=torch.int64).random_(generator=gen).item())
    return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


class Batcher:
    """Makes each epoch's batches (and remembers their row indices)."""

    def __init__(self, model: Model, x: torch.Tensor, y: torch.Tensor, batch_size: int,
                 shuffle: bool | str, gen: torch.Generator, reduction: str = "mean",
                 loss: Loss = SQUARED) -> None:
        n = len(y)
        self.n, self.m, self.shuffle, self.gen = n, batch_size, shuffle, gen
        self.count = -(-n // batch_size)  # batches per epoch
        self.pad = self.count * batch_size - n
        self.x, self.y = x, y
        self.slope_factor = loss.linear  # folded into grad_matrix (None: 1, not folded)
        self.f = model.features(x) if model.design else None
        sizes = [batch_size] * self.count
        sizes[-1] = batch_size - self.pad
        real = torch.ones(self.count, batch_size)
        if self.pad:
            real[-1, batch_size - self.pad:] = 0
        weight = torch.tensor([point_weight(reduction, m) for m in sizes])
        self.w = real * weight[:, None]  # (count, m)
        self._fixed: tuple[torch.Tensor, list[Batch]] | None = None

    def epoch(self) -> tuple[torch.Tensor, list[Batch]]:
        """Row indices (count, m; -1 on padding) and the batches of the next epoch."""
        if not self.shuffle:
            if self._fixed is None:
                self._fixed = self._build(torch.arange(self.n))
            return self._fixed
        if self.shuffle == "loader":
            return self._build(loader_order(self.n, self.gen))
        return self._build(torch.randperm(self.n, generator=self.gen))

    def _build(self, order: torch.Tensor) -> tuple[torch.Tensor, list[Batch]]:
        count, m = self.count, self.m
        if self.pad:
            order = torch.cat([order, order.new_zeros(self.pad)])
        idx = order.reshape(count, m)
        xb = self.x[idx]  # (count, m, d)
        neg_y = (-self.y[idx]).unsqueeze(2)  # (count, m, 1)
        w = self.w
        wcol = w.unsqueeze(2)
        if self.f is not None:
            fb = self.f[idx]  # (count, m, P)
            c = self.slope_factor  # the squared error's 2: (2 * fb) * wcol as before
            gm = (fb * wcol if c is None else c * fb * wcol).transpose(1, 2)
            feats, grads = fb.unbind(0), gm.unbind(0)
        else:
            feats = grads = (None,) * count
        batches = [
            Batch(*parts)
            for parts in zip(xb.unbind(0), neg_y.unbind(0), w.unsqueeze(1).unbind(0),
                             wcol.unbind(0), feats, grads)
        ]
        if self.pad:
            idx = idx.clone()
            idx[-1, m - self.pad:] = -1
        return idx, batches
