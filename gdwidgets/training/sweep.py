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
from ..settings import MAX_LRS, defaults, docstring, here, signature
from .checks import check_all
from .config import check_work, validate
from .session import Problem

register(
    {
        "sweep.positional": (
            "lr_sweep takes its settings by keyword, got {n} positional: write "
            "lr_sweep(dataset=..., lrs=[...], epochs=...)",
            "lr_sweep 的设置要用关键字参数给出，收到了 {n} 个位置参数：请写成 "
            "lr_sweep(dataset=..., lrs=[...], epochs=...)",
        ),
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
    final_loss: np.ndarray  # (R,) loss on all the data after the last update, as
    # History.final_loss (every widget shows the same number); inf for diverged runs
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


def lr_sweep(*given: Any, **settings: Any) -> SweepResult:
    """Train one run per learning rate, all at once (no Python loop over runs).

    Every run starts from the same parameters and sees the same batches, so run i
    equals ``Session(lr=lrs[i], **settings).run()`` with the other settings the same.
    Settings are given by keyword. Refused before any work: a bad setting, and a sweep
    that would record more than ``MAX_VALUES`` numbers (fewer epochs or lrs).
    """
    if given:
        raise TypeError(tr("sweep.positional", n=len(given)))
    s = {**defaults("sweep"), **settings}
    lrs = s.pop("lrs")
    if isinstance(lrs, numbers.Real):
        lrs = [lrs]
    values = _check_lrs(lrs)
    lr = torch.tensor(values, dtype=torch.float32)
    check_all("sweep", {k: None for k in settings if k not in here("sweep")}, "lr_sweep")
    cfg = validate(**{**defaults("session"), **s, "lr": float(lr.min())})
    steps = cfg.steps_per_epoch
    check_work("lr_sweep", len(values), cfg.epochs * steps, cfg.layout.size, cfg.epochs, steps)
    problem = Problem(cfg)
    raw = problem.run(lr)
    step = raw.diverged_step.numpy()
    loss = raw.loss.numpy().T.copy()
    with np.errstate(all="ignore"):
        after = problem.full_loss(raw.theta[-1]).double().numpy()
    final = np.where(step > 0, np.inf, after)
    return SweepResult(values, final, step > 0, tuple(int(s) or None for s in step), loss)


lr_sweep.__doc__ = docstring("sweep", lr_sweep.__doc__ or "")
lr_sweep.__signature__ = signature("sweep").replace(  # type: ignore[attr-defined]
    return_annotation="SweepResult")
