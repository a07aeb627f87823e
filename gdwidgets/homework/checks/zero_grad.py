"""Seed 002: per-sample SGD with ``w.grad.zero_()``, and what forgetting it does.

The student writes ``sgd(w, x_data, y_data, lr, epochs)``: for every epoch and every
sample, loss = (x*w - y)^2, backward(), update ``w`` in place, zero ``w.grad``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch

from ... import datasets
from ...i18n import register, tr
from .common import close, epochs, fmt, torch_error_hint
from .feedback import (
    Feedback,
    call_student,
    check_callable,
    checker,
    describe_error,
    shown_name,
)

__all__ = ["check_zero_grad", "per_sample_sgd", "y2x"]

Zero = Literal["sample", "never", "epoch", "before_update"]

register(
    {
        "hw.zero.never": (
            "Your gradients pile up: w = {got} after {epochs}, exactly what you get when "
            "w.grad is never zeroed (the right value is {want}). backward() ADDS to w.grad: "
            "call `w.grad.zero_()` after every update.",
            "你的梯度在累加：{epochs} 之后 w = {got}，正好是从不清零 w.grad 的结果"
            "（正确值是 {want}）。backward() 会把梯度加到 w.grad 上："
            "每次更新之后都要调用 `w.grad.zero_()`。",
        ),
        "hw.zero.epoch": (
            "You zero w.grad once per epoch, but w is updated after every sample: the "
            "gradients of the samples of an epoch pile up. Zero it after every update, "
            "inside the loop over the samples.",
            "你每个 epoch 只清零一次 w.grad，但 w 每个样本都会更新：同一个 epoch 里各样本的"
            "梯度会累加。请在遍历样本的循环里面、每次更新之后清零。",
        ),
        "hw.zero.before_update": (
            "w never changes: you zero w.grad between backward() and the update, so every "
            "update uses a zero gradient. Update first, then `w.grad.zero_()`.",
            "w 一直没变：你在 backward() 和更新之间把 w.grad 清零了，所以每次更新用的都是"
            "零梯度。先更新，再 `w.grad.zero_()`。",
        ),
        "hw.zero.unchanged": (
            "The w you were given did not change: update it in place "
            "(`w.data -= lr * w.grad.data`, or `w -= lr * w.grad` under torch.no_grad()), "
            "not with `w = w - ...`, which makes a new tensor.",
            "传进来的 w 没有改变：请原地更新它（`w.data -= lr * w.grad.data`，或在 "
            "torch.no_grad() 下 `w -= lr * w.grad`），不要写 `w = w - ...`，那会新建一个张量。",
        ),
        "hw.zero.mismatch": (
            "After {epochs} of per-sample SGD (lr = {lr}, x = 1..5, y = 2x, w from 0) "
            "w should be {want}, got {got}.",
            "逐样本 SGD 训练 {epochs} 之后（lr = {lr}，x = 1..5，y = 2x，w 从 0 开始），"
            "w 应为 {want}，实际是 {got}。",
        ),
        "hw.zero.ok": (
            "Per-sample SGD matches lesson 6: w = {got} after {epochs}.",
            "逐样本 SGD 与第 6 课一致：{epochs} 之后 w = {got}。",
        ),
    }
)

SGD_LR = 0.01
SGD_EPOCHS = (3,)  # > 1, so that zeroing once per epoch differs from never


def y2x() -> tuple[list[float], list[float]]:
    """Seed 002's data as plain lists: x = 1..5, y = 2x."""
    d = datasets.get("y2x")
    return [float(v) for v in d.x], [float(v) for v in d.y]


def per_sample_sgd(features: Callable[[float], Sequence[float]], n_params: int,
                   x_data: Sequence[float], y_data: Sequence[float], lr: float, epochs: int,
                   zero: Zero = "sample") -> torch.Tensor:
    """Seed 002's loop for the model ŷ = Σ params_i * features(x)_i, params from 0.

    ``zero``: when ``grad.zero_()`` happens: after every update ('sample', right),
    'never', once per 'epoch', or between backward and the update ('before_update').
    """
    params = torch.zeros(n_params, requires_grad=True)
    for _ in range(epochs):
        if zero == "epoch" and params.grad is not None:
            params.grad.zero_()
        for x, y in zip(x_data, y_data):
            pred = (params * torch.tensor(features(x), dtype=torch.float32)).sum()
            ((pred - y) ** 2).backward()
            if zero == "before_update":
                params.grad.zero_()
            params.data -= lr * params.grad.data
            if zero == "sample":
                params.grad.zero_()
    return params.detach()


def _linear(x: float) -> list[float]:
    return [x]


@checker("sgd")
def check_zero_grad(sgd: Callable[..., Any]) -> Feedback:
    """Check seed 002's per-sample SGD ``sgd(w, x_data, y_data, lr, epochs)`` (w: a
    tensor([0.0], requires_grad=True) that the function trains in place)."""
    name = shown_name(sgd, "sgd")
    bad = check_callable(name, sgd)
    if bad is not None:
        return bad
    x_data, y_data = y2x()
    for k in SGD_EPOCHS:
        w = torch.zeros(1, requires_grad=True)
        call = call_student(sgd, w, list(x_data), list(y_data), SGD_LR, k)
        if call.error is not None:
            hint = torch_error_hint(call.error, "w", w.grad is not None, call.warned_non_leaf)
            return Feedback.fail(name, describe_error(name, call.error, hint))
        got = w.detach().double()
        want = per_sample_sgd(_linear, 1, x_data, y_data, SGD_LR, k)
        if close(got, want):
            continue
        fields = dict(epochs=epochs(k), got=fmt(got), want=fmt(want))
        mismatch = tr("hw.zero.mismatch", lr=SGD_LR, **fields)
        if close(got, per_sample_sgd(_linear, 1, x_data, y_data, SGD_LR, k, "never")):
            return Feedback.fail(name, tr("hw.zero.never", **fields))
        if close(got, per_sample_sgd(_linear, 1, x_data, y_data, SGD_LR, k, "epoch")):
            return Feedback.fail(name, tr("hw.zero.epoch"), mismatch)
        if float(got.abs().max()) == 0.0:
            key = "hw.zero.before_update" if w.grad is not None else "hw.zero.unchanged"
            if call.warned_non_leaf:
                key = "hw.zero.unchanged"
            return Feedback.fail(name, tr(key), mismatch)
        return Feedback.fail(name, mismatch)
    return Feedback.ok(name, tr("hw.zero.ok", epochs=epochs(SGD_EPOCHS[-1]), got=fmt(got)))
