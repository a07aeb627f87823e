"""lr_sweep: many learning rates trained side by side, one parameter column per lr."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..i18n import register, tr
from .config import check_work, validate
from .session import Problem
from .settings import MAX_LRS, check_all, defaults, here

register(
    {
        "sweep.lrs": (
            "lrs must be a non-empty sequence of at most {hi} finite numbers > 0, got {value}",
            "lrs 必须是非空序列，最多 {hi} 个大于 0 的有限数，得到的是 {value}",
        )
    }
)


@dataclass(frozen=True)
class SweepResult:
    """Per learning rate: the final loss (inf if diverged), divergence, loss curves."""

    lrs: np.ndarray  # (R,)
    final_loss: np.ndarray  # (R,) loss of the last step; inf for diverged runs
    diverged: np.ndarray  # (R,) bool
    diverged_step: tuple[int | None, ...]  # (R,) first bad step (from 1), None if none
    loss: np.ndarray  # (R, S) per-step losses (until every run had diverged)

    @property
    def best_lr(self) -> float | None:
        """The learning rate with the lowest final loss (None if all diverged)."""
        if self.diverged.all():
            return None
        return float(self.lrs[int(np.argmin(self.final_loss))])

    def __getitem__(self, runs: slice) -> SweepResult:
        """The runs ``runs`` (a slice) as a SweepResult of their own."""
        return SweepResult(self.lrs[runs], self.final_loss[runs], self.diverged[runs],
                           self.diverged_step[runs], self.loss[runs])


def _check_lrs(lrs: Any) -> np.ndarray:
    try:
        values = [float(v) for v in lrs] if isinstance(lrs, Sequence | np.ndarray) else None
        if values is None and isinstance(lrs, torch.Tensor):
            values = [float(v) for v in lrs.reshape(-1)]
    except (TypeError, ValueError):
        values = None
    ok = (
        values is not None and 0 < len(values) <= MAX_LRS
        and not any(isinstance(v, bool) for v in lrs)
        and all(math.isfinite(v) and v > 0 for v in values)
        and not any(isinstance(v, str) for v in lrs)
    )
    if not ok:
        text = repr(lrs)
        raise ValueError(tr("sweep.lrs", hi=MAX_LRS, value=text[:60]))
    return np.array(values, dtype=np.float64)


def lr_sweep(dataset: Any = "line200", model: str = "linear",
             lrs: Sequence[float] | np.ndarray = (1e-3, 1e-2, 1e-1), epochs: int = 100,
             **settings: Any) -> SweepResult:
    """Train one run per learning rate, all at once (no Python loop over runs).

    Every run starts from the same parameters and sees the same batches, so run i
    equals ``Session(dataset=..., model=..., lr=lrs[i], epochs=..., **settings).run()``.
    ``settings`` are the other Session settings. Refused before any work: a bad setting,
    and a sweep that would record more than ``MAX_VALUES`` numbers (fewer epochs or lrs).
    """
    if isinstance(lrs, numbers.Real):
        lrs = [lrs]
    values = _check_lrs(lrs)
    lr = torch.tensor(values, dtype=torch.float32)
    check_all("sweep", {k: None for k in settings if k not in here("sweep")}, "lr_sweep")
    cfg = validate(**{**defaults("session"), **settings, "dataset": dataset, "model": model,
                      "lr": float(lr.min()), "epochs": epochs})
    steps = cfg.steps_per_epoch
    check_work("lr_sweep", len(values), cfg.epochs * steps, cfg.layout.size, cfg.epochs, steps)
    raw = Problem(cfg).run(lr)
    step = raw.diverged_step.numpy()
    loss = raw.loss.numpy().T.copy()
    final = np.where(step > 0, np.inf, loss[:, -1])
    return SweepResult(values, final, step > 0, tuple(int(s) or None for s in step), loss)
