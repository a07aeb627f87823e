"""Seed 002's homework: the quadratic model ŷ = w2 x² + w1 x + b (w_k multiplies x^k, as in
every widget and lesson; the seed writes w1 x² + w2 x + b), trained per sample.

The student writes ``forward(x, w1, w2, b)``, ``train(x_data, y_data, lr, epochs)``
returning ``(w1, w2, b)``, and picks a learning rate ``LR`` with which it trains. The seed's
own attempt used lr 0.01 and blew up (loss 2.6e11 by epoch 4): that choice gets a hint
saying at which step it diverges, why, and what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from ...i18n import register, tr
from .common import as_tensor, close, epochs, fmt, torch_error_hint
from .feedback import (
    Feedback,
    call_student,
    check_callable,
    checker,
    describe_error,
    shown_name,
)
from .zero_grad import per_sample_sgd, y2x

__all__ = ["check_quadratic", "check_quadratic_forward", "stable_lr"]

register(
    {
        "hw.quad.fwd_case": (
            "{name}(x, w1={w1}, w2={w2}, b={b}) for x = {x} should be {want}, got {got}.",
            "{name}(x, w1={w1}, w2={w2}, b={b}) 在 x = {x} 时应为 {want}，实际是 {got}。",
        ),
        "hw.quad.fwd_swapped": (
            "w1 and w2 are swapped: the model is ŷ = w2 * x**2 + w1 * x + b (w1 multiplies x, "
            "w2 multiplies x²).",
            "w1 和 w2 弄反了：模型是 ŷ = w2 * x**2 + w1 * x + b（w1 乘 x，w2 乘 x²）。",
        ),
        "hw.quad.fwd_no_b": ("The bias b is missing: ŷ = w2 * x**2 + w1 * x + b.",
                             "少了偏置 b：ŷ = w2 * x**2 + w1 * x + b。"),
        "hw.quad.fwd_2x": (
            "x squared is x ** 2 (or x * x), not 2 * x.",
            "x 的平方是 x ** 2（或 x * x），不是 2 * x。",
        ),
        "hw.quad.fwd_ok": ("ŷ = w2 x² + w1 x + b is right.", "ŷ = w2 x² + w1 x + b 正确。"),
        "hw.quad.returned": (
            "{name} should return (w1, w2, b), three numbers or tensors, got {kind}.",
            "{name} 应该返回 (w1, w2, b) 三个数或张量，实际得到 {kind}。",
        ),
        "hw.quad.pile": (
            "Your gradients pile up: at lr = {lr} after {epochs} you get {got}, exactly "
            "what never zeroing gives (right: {want}). Call `.grad.zero_()` on w1, w2 and b "
            "after every update.",
            "你的梯度在累加：lr = {lr}、{epochs} 之后得到 {got}，正好是从不清零梯度的结果"
            "（正确值：{want}）。每次更新之后都要对 w1、w2、b 调用 `.grad.zero_()`。",
        ),
        "hw.quad.mismatch": (
            "{name}(x_data, y_data, lr={lr}, epochs={k}) should give (w1, w2, b) = {want}, "
            "got {got} (per-sample SGD from 0, loss (ŷ - y)**2 per sample).",
            "{name}(x_data, y_data, lr={lr}, epochs={k}) 应得到 (w1, w2, b) = {want}，"
            "实际是 {got}（逐样本 SGD，从 0 开始，每个样本的损失为 (ŷ - y)**2）。",
        ),
        "hw.quad.no_lr": (
            "Set LR to the learning rate you choose (a positive number), e.g. LR = 0.001.",
            "请把 LR 设为你选的学习率（一个正数），例如 LR = 0.001。",
        ),
        "hw.quad.diverged": (
            "With lr = {lr} training diverges at step {step} (epoch {epoch}): the loss grows "
            "from {first} to {last} and keeps exploding (lesson 6's lr 0.01 reaches 2.6e11 "
            "by epoch 4).",
            "lr = {lr} 时训练在第 {step} 步（第 {epoch} 轮）发散：损失从 {first} 涨到 "
            "{last}，并且继续爆炸（第 6 课里 lr 0.01 到第 4 个 epoch 损失达到 2.6e11）。",
        ),
        "hw.quad.why": (
            "Why: the input x² is up to {x2:g}, so one update on the sample x = {x:g} moves "
            "the prediction by lr · 2(x⁴ + x² + 1) · (ŷ - y) = {factor:.3g} · (ŷ - y): it "
            "overshoots the target by more than the error it corrects, and every pass makes "
            "the error bigger. Updates are stable only for lr < 1/(x⁴ + x² + 1) ≈ {bound:.2g}.",
            "原因：输入 x² 最大到 {x2:g}，所以在样本 x = {x:g} 上的一次更新会让预测移动 "
            "lr · 2(x⁴ + x² + 1) · (ŷ - y) = {factor:.3g} · (ŷ - y)：越过目标的距离比修正的"
            "误差还大，每一轮误差都变得更大。只有 lr < 1/(x⁴ + x² + 1) ≈ {bound:.2g} 时"
            "更新才稳定。",
        ),
        "hw.quad.fix": (
            "Lower the learning rate to 0.001, or normalise x (e.g. x / {xmax:g}) so that "
            "x² stays small.",
            "把学习率降到 0.001，或者把 x 归一化（例如 x / {xmax:g}），让 x² 保持较小。",
        ),
        "hw.quad.slow": (
            "lr = {lr} is stable but too small: after {epochs} the loss is still "
            "{loss:.3g}. Try a larger lr, up to about {bound:.2g} (e.g. 0.001).",
            "lr = {lr} 是稳定的，但太小了：{epochs} 之后损失还是 {loss:.3g}。"
            "试试更大的 lr，最大约 {bound:.2g}（例如 0.001）。",
        ),
        "hw.quad.ok": (
            "lr = {lr} trains: after {epochs} the mean loss is {loss:.3g} and "
            "ŷ(4) = {pred:.3g} (y = 8).",
            "lr = {lr} 可以训练：{epochs} 之后平均损失为 {loss:.3g}，"
            "ŷ(4) = {pred:.3g}（y = 8）。",
        ),
    }
)

CHECK_LR = 1e-3  # the implementation is compared with the reference at this lr
CHECK_EPOCHS = 3
EPOCHS = 100  # the student's lr must train in this many epochs
GOOD_LOSS = 1.0  # mean squared error over the 5 points


def _quad(x: float) -> list[float]:
    """The features of (w1, w2, b): x, x², 1."""
    return [x, x * x, 1.0]


def stable_lr(x: float) -> float:
    """The largest lr for which a per-sample update on ``x`` does not overshoot."""
    return 1.0 / (x**4 + x**2 + 1)


@checker("forward")
def check_quadratic_forward(forward: Callable[..., Any]) -> Feedback:
    """Check ``forward(x, w1, w2, b)`` = w2 x² + w1 x + b."""
    name = shown_name(forward, "forward")
    bad = check_callable(name, forward)
    if bad is not None:
        return bad
    x = torch.arange(1.0, 6.0)
    w1, w2, b = 0.5, -2.0, 3.0
    call = call_student(forward, x.clone(), torch.tensor(w1), torch.tensor(w2), torch.tensor(b),
                        by_hand=True)
    if call.error is not None:
        hint = torch_error_hint(call.error, "w1", False, False)
        return Feedback.fail(name, describe_error(name, call.error, hint))
    if call.value is None:
        return Feedback.fail(name, tr("hw.returned_none", name=name))
    got = as_tensor(call.value)
    want = (w2 * x**2 + w1 * x + b).double()
    if got is not None and close(got, want):
        return Feedback.ok(name, tr("hw.quad.fwd_ok"))
    msg = tr("hw.quad.fwd_case", name=name, w1=w1, w2=w2, b=b, x=fmt(x), want=fmt(want),
             got=fmt(got) if got is not None else repr(call.value))
    if got is not None:
        for wrong, key in (((w1 * x**2 + w2 * x + b), "hw.quad.fwd_swapped"),
                           ((w2 * x**2 + w1 * x), "hw.quad.fwd_no_b"),
                           ((w2 * 2 * x + w1 * x + b), "hw.quad.fwd_2x")):
            if close(got, wrong.double()):
                return Feedback.fail(name, tr(key), msg)
    return Feedback.fail(name, msg)


def _run_train(name: str, train: Callable[..., Any], lr: float, n_epochs: int
               ) -> tuple[Any, Feedback | None]:
    x_data, y_data = y2x()
    call = call_student(train, list(x_data), list(y_data), lr, n_epochs)
    if call.error is not None:
        hint = torch_error_hint(call.error, "w1", False, call.warned_non_leaf)
        return None, Feedback.fail(name, describe_error(name, call.error, hint))
    if call.value is None:
        return None, Feedback.fail(name, tr("hw.returned_none", name=name))
    got = as_tensor(call.value)
    if got is None or got.numel() != 3:
        kind = type(call.value).__name__ if got is None else f"shape {tuple(got.shape)}"
        return None, Feedback.fail(name, tr("hw.quad.returned", name=name, kind=kind))
    return got.reshape(3), None


def _lr_verdict(lr: float) -> tuple[bool, str, list[str]]:
    """Train seed 002's quadratic at ``lr`` with :class:`Session`: (ok, first message,
    hints)."""
    from ...training import Session

    x_data, _ = y2x()
    xmax = max(abs(v) for v in x_data)
    bound = stable_lr(xmax)
    session = Session(dataset="y2x", model="polynomial", degree=2, lr=lr, batch_size=1,
                      epochs=EPOCHS, init=0.0)
    h = session.run()
    if h.diverged:
        step = h.diverged_step
        first = tr("hw.quad.diverged", lr=f"{lr:g}", step=step, epoch=h.epoch_of(step),
                   first=f"{float(h.loss[0]):.3g}", last=f"{float(h.loss[step - 1]):.3g}")
        s = xmax**4 + xmax**2 + 1
        why = tr("hw.quad.why", x2=xmax**2, x=xmax, factor=2 * lr * s, bound=bound)
        return False, first, [why, tr("hw.quad.fix", xmax=xmax)]
    loss = float(session.losses(h.theta[-1:])[0])
    if not math.isfinite(loss) or loss > GOOD_LOSS:
        return False, tr("hw.quad.slow", lr=f"{lr:g}", epochs=epochs(EPOCHS), loss=loss,
                         bound=bound), []
    pred = float(h.fit([4.0])[0])
    return True, tr("hw.quad.ok", lr=f"{lr:g}", epochs=epochs(EPOCHS), loss=loss,
                    pred=pred), []


@checker("train")
def check_quadratic(train: Callable[..., Any], lr: Any) -> Feedback:
    """Check ``train(x_data, y_data, lr, epochs) -> (w1, w2, b)`` (per-sample SGD of
    ŷ = w2 x² + w1 x + b from 0 on x = 1..5, y = 2x) and the chosen learning rate ``lr``."""
    name = shown_name(train, "train")
    bad = check_callable(name, train)
    if bad is not None:
        return bad
    got, fail = _run_train(name, train, CHECK_LR, CHECK_EPOCHS)
    if fail is not None:
        return fail
    x_data, y_data = y2x()
    want = per_sample_sgd(_quad, 3, x_data, y_data, CHECK_LR, CHECK_EPOCHS)
    if not close(got, want):
        fields = dict(lr=CHECK_LR, got=fmt(got), want=fmt(want))
        piled = per_sample_sgd(_quad, 3, x_data, y_data, CHECK_LR, CHECK_EPOCHS, "never")
        if close(got, piled):
            return Feedback.fail(name, tr("hw.quad.pile", epochs=epochs(CHECK_EPOCHS),
                                          **fields))
        return Feedback.fail(name, tr("hw.quad.mismatch", name=name, k=CHECK_EPOCHS,
                                      **fields))
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < math.inf:
        return Feedback.fail(name, tr("hw.quad.no_lr"))
    ok, first, hints = _lr_verdict(float(lr))
    return Feedback.ok(name, first) if ok else Feedback.fail(name, first, *hints)
