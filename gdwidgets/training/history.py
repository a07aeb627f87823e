"""What a run recorded: per-step loss, parameters and gradients, and a verdict."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.polynomial import Polynomial

from .. import losses
from ..formats import sig
from ..i18n import register, tr
from ..losses import factor
from ..renames import STEP_IS_UPDATE_DONE, renamed

if TYPE_CHECKING:
    from .config import Config

register(
    {
        "history.diverged": (
            "Diverged at step {step} (epoch {epoch}): the loss reached {last}, over "
            "100,000 times the {first} it started from on all the data ({what} exploded). "
            "Try {advice}.",
            "在第 {step} 步（第 {epoch} 轮）发散：损失达到 {last}，超过开始时全部数据上损失 "
            "{first} 的 10 万倍（{what} 爆炸了）。试试{advice}。",
        ),
        "history.or": (" or ", "或"),  # zh: no spaces between Chinese words
        "history.smaller_lr": ("learning rate {lr} (checked: it converges)",
                               "学习率 {lr}（已验证：可以收敛）"),
        "history.much_smaller": ("a much smaller learning rate (even {lr} diverges)",
                                 "小得多的学习率（连 {lr} 也会发散）"),
        "history.normalize": ("{how} (checked: this lr then converges)",
                              "{how}（已验证：这个学习率随之收敛）"),
        "history.zero_grad": ("{how} (the gradients are piling up)", "{how}（梯度在不断累加）"),
        "history.bad_update": ("update must be between 1 and {n} (the run's updates), got {got}",
                               "update 必须在 1 到 {n}（这次训练的更新次数）之间，得到的是 {got}"),
        "history.tiny": ("below 1e-6 (converged)", "1e-6 以下（已收敛）"),  # "变为 1e-6 以下"
        "history.note.zero_grad": (
            " Without zero_grad each step's gradient is added to all the earlier ones: the "
            "steps pile up, so the loss oscillates and the path circles the minimum.",
            "不清零梯度时，每一步的梯度都会加到之前所有梯度上：步子越积越大，所以损失来回振荡，"
            "路径绕着最低点转圈。",
        ),
        "history.note.adam": (
            " Adam moves each parameter by about lr per step, whatever the gradient's size: "
            "{steps} steps at lr {lr} go at most about {reach} per parameter.",
            "Adam 每一步让每个参数移动大约 lr，与梯度大小无关：lr = {lr} 时 {steps} 步每个参数"
            "最多移动约 {reach}。",
        ),
        "history.note.momentum": (
            " Momentum adds most of the last step to each new one: faster along a valley, "
            "but it can overshoot where plain SGD does not.",
            "动量法把上一步的大部分加到新的一步上：沿山谷走得更快，但在普通 SGD 没问题的地方"
            "可能冲过头。",
        ),
        "history.note.shuffle": (
            " Shuffling puts different points together in each epoch's batches: the loss "
            "per step gets noisier, the order of the data no longer matters.",
            "打乱数据后每一轮的批次由不同的点组成：每步的损失更嘈杂，数据的顺序不再有影响。",
        ),
        "history.ok": (
            "Trained {steps} {steps_word} ({epochs} {epochs_word}): the loss on all the data "
            "went from {first} to {last}.",
            "训练了 {steps} 步（{epochs} 轮）：全部数据上的损失从 {first} 变为 {last}。",
        ),
        "history.grew": (
            " It grew {times}× instead of falling: lr = {lr} is too large (too few steps "
            "for the divergence check, but look at the loss).",
            "损失没有下降，反而增大了 {times} 倍：lr = {lr} 太大了（步数太少，还不能判定为"
            "发散，但请看损失）。",
        ),
        "history.step": ("step", "步"),
        "history.steps": ("steps", "步"),
        "history.epoch": ("epoch", "轮"),
        "history.epochs": ("epochs", "轮"),
    }
)


def _num(v: float) -> str:
    return sig(v, 3 if abs(v) < 1e5 else 2)


def _unscaled(x: np.ndarray) -> bool:
    """Inputs far from mean 0 / std 1, so that normalize=True would help."""
    return bool(np.abs(x).max() > 2 or np.abs(x.mean(0)).max() > 1)


def rates_text(lr: float | Mapping[str, float], spec: str = ".2g", scale: float = 1.0
               ) -> str:
    """A learning rate, or one per parameter, as messages show it."""
    if isinstance(lr, Mapping):
        return "{" + ", ".join(f"{n}: {r * scale:{spec}}" for n, r in lr.items()) + "}"
    return f"{lr * scale:{spec}}"


class History:
    """The record of one run.

    - ``loss[k]``: loss of step k+1's batch, before that step's update (steps count from 1,
      as the seeds print them).
    - ``params[name][k]``: the value after k updates (``[0]`` is the initial value).
    - ``grads[name][k]``: the gradient used by update k+1 (the piled-up one when
      ``zero_grad=False``).
    - ``epoch_loss``: mean step loss of each epoch; ``theta``: all parameters, flat.
    - ``in_data_units(step)``: the parameters for the data's raw inputs (``params`` and
      ``final`` are in the units the model trained in: per standard deviation of x with
      ``normalize=True``).
    - ``diverged``, ``diverged_step`` (1-based; ``loss[diverged_step - 1]`` is the first
      bad loss), ``message`` (in the current language).
    - ``end``: the steps of the run proper: all of them, or ``diverged_step``. A diverged
      run records its explosion after that (``loss``, ``params``, ``grads``, up to
      ``EXPLOSION_STEPS`` more steps, ending before the first non-finite loss), as the
      seeds print it; ``final``, ``final_loss`` and ``fit`` are taken at ``end``.
    - ``initial_loss`` / ``final_loss``: the loss on all the data before the first and
      after the last update of the run proper (after update ``end``; step losses are each
      taken on a batch, before its update);
      ``grew``: the final loss is ``GREW`` times the initial one or more, a run too short
      for the divergence rule that still went the wrong way (a warning, not ``diverged``).
    """

    GREW = 100.0
    TINY = 1e-6  # below this a float32 loss is round-off: "converged"
    advice: dict[str, object]  # set by Session.run: {"lr": checked rate(s), "normalize": bool}

    def __init__(self, config: Config, loss: np.ndarray, theta: np.ndarray, grad: np.ndarray,
                 batch_index: np.ndarray, diverged_step: int,
                 predict: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> None:
        self.config = config
        self.loss = loss
        self.theta = theta
        self.params = config.layout.unflatten(theta)
        self.grads = config.layout.unflatten(grad)
        self.diverged = diverged_step > 0
        self.diverged_step = diverged_step if self.diverged else None
        self.end = diverged_step if self.diverged else len(loss)
        self.steps_per_epoch = config.steps_per_epoch
        self._batch_index = batch_index
        self._predict = predict
        spe = self.steps_per_epoch
        starts = np.arange(0, len(loss), spe)
        counts = np.minimum(spe, len(loss) - starts)
        self.epoch_loss = np.add.reduceat(loss.astype(np.float64), starts) / counts
        self.initial_loss = self._full_loss(0)
        self.final_loss = self._full_loss(self.end)
        self.advice = {}
        self.grew = (not self.diverged and np.isfinite(self.initial_loss)
                     and not self.final_loss < self.GREW * self.initial_loss)

    def _full_loss(self, step: int) -> float:
        """The loss on every point (the run's ``reduction``) with the parameters after
        ``step`` updates."""
        cfg = self.config
        with np.errstate(all="ignore"):
            y = np.asarray(cfg.y, np.float64)
            err = self.fit(cfg.x, step).astype(np.float64) - y
            points = losses.get(cfg.loss).point(err, -y)  # float64 r·r is exactly err**2
            return float(np.mean(points) * factor(cfg.reduction, len(err)))

    def __len__(self) -> int:
        """The number of steps (updates) recorded, a diverged run's explosion included."""
        return len(self.loss)

    @property
    def planned(self) -> int:
        """The number of steps the settings asked for (a diverged run stops early)."""
        return self.config.epochs * self.steps_per_epoch

    @property
    def final(self) -> dict[str, np.ndarray]:
        """The parameters after update ``end``: the last one, or a diverged run's
        ``diverged_step`` (its explosion is recorded after it, in ``params``)."""
        return {name: values[self.end] for name, values in self.params.items()}

    def input_scale(self) -> tuple[np.ndarray, np.ndarray]:
        """``(a, c)`` per input column: the model sees ``a * x + c`` of the raw ``x``.
        ``normalize=True``: a = 1/std, c = -mean/std, with the unbiased std (ddof=1, as
        ``torch.std`` and seed 000; numpy's default ddof=0 gives other numbers); a factor
        f: a = f, c = 0; False: a = 1, c = 0."""
        cfg = self.config
        x = np.asarray(cfg.x, dtype=np.float64)
        d = x.shape[1]
        if cfg.normalize is True:
            std = x.std(0, ddof=1)
            return 1 / std, -x.mean(0) / std
        factor = 1.0 if cfg.normalize is False else float(cfg.normalize)
        return np.full(d, factor), np.zeros(d)

    def in_data_units(self, step: int | None = None) -> dict[str, np.ndarray]:
        """The parameters after ``step`` updates (None: ``end``), for the data's raw
        inputs (float64): the same predictions with ``x`` in its own units, whatever
        ``normalize`` was.
        ``final`` and ``params`` stay in the units the model trained in.

        >>> h = Session(dataset='thermometer', normalize=True, lr=0.1, epochs=500).run()
        >>> round(float(h.in_data_units()['w']), 3)  # °C per unit of t_u, as np.polyfit
        0.537
        """
        at = self.end if step is None else step
        p = {n: np.array(v[at], dtype=np.float64) for n, v in self.params.items()}
        a, c = self.input_scale()
        kind = self.config.model
        if kind == "linear":  # without a bias c is 0 (standardising is refused then)
            w = p["w"]
            if "b" in p:
                p["b"] = p["b"] + np.sum(w * c)
            p["w"] = w * (a if w.ndim else a[0])
        elif kind == "polynomial":
            degree = self.config.degree
            coef = [p.get("b", 0.0), *(p[f"w{i}"] for i in range(1, degree + 1))]
            raw = Polynomial(coef)(Polynomial([c[0], a[0]])).coef  # p(a x + c) in powers of x
            raw = np.pad(raw, (0, degree + 1 - len(raw)))
            if "b" in p:
                p["b"] = np.array(raw[0])
            for i in range(1, degree + 1):
                p[f"w{i}"] = np.array(raw[i])
        elif kind == "two_layer":
            p["b1"] = p["a1"] * c[0] + p["b1"]
            p["a1"] = p["a1"] * a[0]
        else:  # the MLP: its first layer takes the inputs
            p["b1"] = p["b1"] + p["w1"] @ c
            p["w1"] = p["w1"] * a
        return p

    def fit(self, x: object, step: int | None = None) -> np.ndarray:
        """Predictions for raw inputs ``x`` ((n,) or (n, d)) with the parameters after
        ``step`` updates (0: initial, None: ``end``, as ``final``)."""
        at = self.end if step is None else step
        return self._predict(self.theta[at], np.asarray(x, dtype=np.float32))

    def epoch_of(self, update: int) -> int:
        """The epoch (from 1) of update ``update`` (from 1; the epoch whose pass ends at
        step ``update``)."""
        return (update - 1) // self.steps_per_epoch + 1

    @renamed(STEP_IS_UPDATE_DONE, step="update")
    def batch(self, update: int) -> np.ndarray:
        """Row indices of the data of update ``update`` (from 1), all micro-batches."""
        if not 1 <= update <= len(self):
            raise IndexError(tr("history.bad_update", n=len(self), got=update))
        cfg = self.config
        epoch, j = divmod(update - 1, self.steps_per_epoch)
        first = epoch * cfg.batches_per_epoch + j * cfg.accumulate
        last = min(first + cfg.accumulate, (epoch + 1) * cfg.batches_per_epoch)
        rows = self._batch_index[first:last].reshape(-1)
        return rows[rows >= 0]

    def _exploded(self, step: int) -> str:
        start, end = self.theta[0], self.theta[min(step, len(self.theta) - 1)]
        names, growth = [], []
        for name, (a, b) in self.config.layout.offsets().items():
            size = np.abs(end[a:b]).max() if np.isfinite(end[a:b]).all() else np.inf
            g = size / (1 + np.abs(start[a:b]).max())
            names.append(name)
            growth.append(g)
        picked = [n for n, g in zip(names, growth) if g > 10]
        return ", ".join(picked or [names[int(np.argmax(growth))]])

    @property
    def message(self) -> str:
        """What happened, and what to try if the run diverged (current language), in
        settings' words (``normalize=True``)."""
        return self.describe()

    def describe(self, words: Mapping[str, str] | None = None) -> str:
        """:attr:`message` with the advice in ``words``: how a caller's controls say
        ``normalize=True`` and ``zero_grad=True`` (a widget: "inputs → standardised")."""
        cfg = self.config
        if not self.diverged:
            steps, epochs = len(self), len(self.epoch_loss)
            last = (tr("history.tiny") if self.final_loss < self.TINY
                    else _num(self.final_loss))
            text = tr("history.ok", steps=steps, epochs=epochs,
                      steps_word=tr("history.step" if steps == 1 else "history.steps"),
                      epochs_word=tr("history.epoch" if epochs == 1 else "history.epochs"),
                      first=_num(self.initial_loss), last=last)
            if self.grew:
                times = self.final_loss / self.initial_loss
                text += tr("history.grew", times=_num(times) if np.isfinite(times) else "∞",
                           lr=rates_text(cfg.lr, ".3g"))
            return text + self._notes()
        step = self.diverged_step
        return tr("history.diverged", step=step, epoch=self.epoch_of(step),
                  first=_num(self.initial_loss),
                  last=_num(float(self.loss[step - 1])), what=self._exploded(step),
                  advice=tr("history.or").join(self._advice(words or {}))) + self._notes()

    def _advice(self, words: Mapping[str, str]) -> list[str]:
        """What to try, each checked by a run (see Session.run), in ``words``."""
        cfg = self.config
        lr = self.advice.get("lr")
        advice = [tr("history.smaller_lr", lr=rates_text(lr)) if lr
                  else tr("history.much_smaller", lr=rates_text(cfg.lr, scale=1e-3))]
        if self.advice.get("normalize"):
            advice.append(tr("history.normalize", how=words.get("normalize",
                                                                  "normalize=True")))
        if not cfg.zero_grad:
            advice.append(tr("history.zero_grad", how=words.get("zero_grad",
                                                                "zero_grad=True")))
        return advice

    def _notes(self) -> str:
        """One line per contrast switched on (forgotten zero_grad, Adam, momentum,
        shuffle): what it does to the run on screen."""
        cfg, notes = self.config, ""
        if not cfg.zero_grad:
            notes += tr("history.note.zero_grad")
        if cfg.optimizer == "adam":
            top = max(cfg.lr.values()) if isinstance(cfg.lr, dict) else cfg.lr
            notes += tr("history.note.adam", steps=self.end, lr=rates_text(cfg.lr, ".3g"),
                        reach=_num(top * self.end))
        elif cfg.optimizer == "momentum":
            notes += tr("history.note.momentum")
        if cfg.shuffle and self.steps_per_epoch > 1:  # one update an epoch: order is moot
            notes += tr("history.note.shuffle")
        return notes

    def __repr__(self) -> str:
        return f"History(steps={len(self)}, diverged={self.diverged}, final={self.final})"
