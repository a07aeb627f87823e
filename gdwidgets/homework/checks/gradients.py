"""Seed 001: the thermometer model's gradient function and training loops.

The student writes, as in seed 001, ``grad_fn(t_u, t_c, t_p, w, b)`` returning
``torch.stack([dL/dw, dL/db])`` for L = mean((w*t_u + b - t_c)^2), and
``training_loop(n_epochs, learning_rate, params, t_u, t_c)`` returning the trained params.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ... import datasets
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

__all__ = ["check_grad_fn", "check_training_loop", "reference_grad_fn", "thermometer"]

register(
    {
        "hw.grad.tuple": (
            "{name} returned a {kind}; return one tensor: "
            "`torch.stack([dloss_dw.sum(), dloss_db.sum()])`.",
            "{name} 返回了一个 {kind}；请返回一个张量："
            "`torch.stack([dloss_dw.sum(), dloss_db.sum()])`。",
        ),
        "hw.grad.not_summed": (
            "{name} returned shape {shape}: one value per data point. Sum over the points: "
            "`torch.stack([dloss_dw.sum(), dloss_db.sum()])`.",
            "{name} 返回的形状是 {shape}：每个数据点一个值。请对所有点求和："
            "`torch.stack([dloss_dw.sum(), dloss_db.sum()])`。",
        ),
        "hw.grad.shape": (
            "{name} should return a tensor of shape (2,) = [dL/dw, dL/db], got shape {shape}.",
            "{name} 应该返回形状为 (2,) 的张量 [dL/dw, dL/db]，实际形状是 {shape}。",
        ),
        "hw.grad.not_numbers": (
            "{name} should return a tensor [dL/dw, dL/db], got {kind}.",
            "{name} 应该返回张量 [dL/dw, dL/db]，实际得到 {kind}。",
        ),
        "hw.grad.case": (
            "With w = {w}, b = {b} on {n} points: expected [dL/dw, dL/db] = {want}, got {got}.",
            "当 w = {w}、b = {b}、共 {n} 个点时：[dL/dw, dL/db] 应为 {want}，实际是 {got}。",
        ),
        "hw.grad.swapped": (
            "The two gradients are swapped: return [dL/dw, dL/db] in this order.",
            "两个梯度的顺序反了：请按 [dL/dw, dL/db] 的顺序返回。",
        ),
        "hw.grad.sign": (
            "Sign error: d/dt_p (t_p - t_c)^2 = 2 (t_p - t_c), not 2 (t_c - t_p).",
            "符号错误：d/dt_p (t_p - t_c)^2 = 2 (t_p - t_c)，不是 2 (t_c - t_p)。",
        ),
        "hw.grad.no_mean": (
            "Your gradient is {n} times too large: the loss is a mean, so divide by the "
            "number of points, t_p.size(0).",
            "你的梯度大了 {n} 倍：损失是平均值，所以要除以点的个数 t_p.size(0)。",
        ),
        "hw.grad.no_two": (
            "Your gradient is half the right one: the derivative of a square brings a "
            "factor 2: d/dt_p (t_p - t_c)^2 = 2 (t_p - t_c).",
            "你的梯度只有正确值的一半：平方求导会带出因子 2："
            "d/dt_p (t_p - t_c)^2 = 2 (t_p - t_c)。",
        ),
        "hw.grad.no_two_mean": (
            "Your gradient is {n}/2 times too large: keep the factor 2 and divide by the "
            "number of points: 2 * (t_p - t_c) / t_p.size(0).",
            "你的梯度大了 {n}/2 倍：保留因子 2，并除以点的个数：2 * (t_p - t_c) / t_p.size(0)。",
        ),
        "hw.grad.dw_no_tu": (
            "dL/dw is missing the factor dmodel_dw = t_u: dL/dw = mean(2 (t_p - t_c) * t_u).",
            "dL/dw 少了因子 dmodel_dw = t_u：dL/dw = mean(2 (t_p - t_c) * t_u)。",
        ),
        "hw.grad.db_tu": (
            "dL/db has a factor t_u it should not have: dmodel_db = 1, so "
            "dL/db = mean(2 (t_p - t_c)).",
            "dL/db 多乘了 t_u：dmodel_db = 1，所以 dL/db = mean(2 (t_p - t_c))。",
        ),
        "hw.grad.dw_wrong": (
            "dL/dw is wrong (dL/db is right): dL/dw = mean(2 (t_p - t_c) * t_u).",
            "dL/dw 错了（dL/db 是对的）：dL/dw = mean(2 (t_p - t_c) * t_u)。",
        ),
        "hw.grad.db_wrong": (
            "dL/db is wrong (dL/dw is right): dL/db = mean(2 (t_p - t_c)).",
            "dL/db 错了（dL/dw 是对的）：dL/db = mean(2 (t_p - t_c))。",
        ),
        "hw.grad.ok": (
            "Matches torch.autograd on {cases} settings of w, b.",
            "在 {cases} 组 w、b 取值上都与 torch.autograd 一致。",
        ),
        "hw.loop.returned": (
            "{name} should return the trained params (a tensor [w, b]), got {kind}.",
            "{name} 应该返回训练后的 params（张量 [w, b]），实际得到 {kind}。",
        ),
        "hw.loop.non_leaf": (
            "The returned params are not a leaf tensor any more (they have a grad_fn): "
            "`params = params - lr * params.grad` builds a graph. Update in place under "
            "`with torch.no_grad():` (params -= learning_rate * params.grad).",
            "返回的 params 已经不是叶子张量了（带有 grad_fn）："
            "`params = params - lr * params.grad` 会构建计算图。请在 "
            "`with torch.no_grad():` 里原地更新（params -= learning_rate * params.grad）。",
        ),
        "hw.loop.pile": (
            "Your gradients pile up: after {epochs} params are {got}, exactly what you get "
            "without zeroing (the right values are {want}). backward() ADDS to params.grad: "
            "call `params.grad.zero_()` every epoch (before backward()).",
            "你的梯度在累加：{epochs} 之后 params 是 {got}，正好是不清零梯度的结果"
            "（正确值是 {want}）。backward() 会把梯度加到 params.grad 上："
            "每个 epoch 都要调用 `params.grad.zero_()`（在 backward() 之前）。",
        ),
        "hw.loop.ascent": (
            "params moved up the gradient: subtract it, params -= learning_rate * grad.",
            "params 沿着梯度上升了：应该减去梯度，params -= learning_rate * grad。",
        ),
        "hw.loop.no_lr": (
            "The step is not scaled by the learning rate: params -= learning_rate * grad.",
            "更新步长没有乘以学习率：params -= learning_rate * grad。",
        ),
        "hw.loop.still": (
            "params did not change after one epoch: update them in place "
            "(params -= learning_rate * grad) and return them; if you zero the gradient, "
            "do it before backward() or after the update, not in between.",
            "一个 epoch 之后 params 没有变化：请原地更新（params -= learning_rate * grad）"
            "并返回它；如果要清零梯度，要在 backward() 之前或更新之后，不要放在两者之间。",
        ),
        "hw.loop.mismatch": (
            "After {epochs} (lr = {lr}, inputs 0.1 * t_u, start [1.0, 0.0]) params should be "
            "{want}, got {got}.",
            "{epochs} 之后（lr = {lr}，输入 0.1 * t_u，初值 [1.0, 0.0]）params 应为 "
            "{want}，实际是 {got}。",
        ),
        "hw.loop.manual_backward": (
            "This loop uses your grad_fn, not backward(): grad = grad_fn(t_u, t_c, t_p, w, b).",
            "这个循环用你的 grad_fn，而不是 backward()：grad = grad_fn(t_u, t_c, t_p, w, b)。",
        ),
        "hw.loop.helper": (
            "{name} itself is right: with a correct {helper} in place of yours it gives the "
            "right params. The cell to fix is {helper} (its own check above says what is "
            "wrong); then run this check again.",
            "{name} 本身是对的：把你的 {helper} 换成正确的 {helper} 后，它得到正确的 params。"
            "要改的是 {helper} 那个单元格（上面它自己的检查会告诉你哪里错了）；"
            "改好后再运行这个检查。",
        ),
        "hw.loop.ok": (
            "Matches the reference for {epochs}: params {got}.",
            "与参考结果在 {epochs} 内一致：params {got}。",
        ),
    }
)

LOOP_LR = 1e-2
LOOP_EPOCHS = (1, 2, 3)


def thermometer() -> tuple[torch.Tensor, torch.Tensor]:
    """Seed 001's (t_u, t_c) as float32 tensors."""
    d = datasets.get("thermometer")
    return torch.tensor(d.x), torch.tensor(d.y)


def _autograd_grad(t_u: torch.Tensor, t_c: torch.Tensor, w: float, b: float) -> torch.Tensor:
    params = torch.tensor([w, b], dtype=torch.float64, requires_grad=True)
    loss = ((params[0] * t_u.double() + params[1] - t_c.double()) ** 2).mean()
    (grad,) = torch.autograd.grad(loss, params)
    return grad


def _diagnose_grad(got: torch.Tensor, want: torch.Tensor, n: int) -> str | None:
    """The specific mistake that turns ``want`` into ``got``, if recognised."""
    if close(got, want.flip(0)):
        return tr("hw.grad.swapped")
    scaled = [(-1.0, "hw.grad.sign"), (float(n), "hw.grad.no_mean"), (0.5, "hw.grad.no_two"),
              (n / 2, "hw.grad.no_two_mean")]
    for factor, key in scaled:
        if close(got, factor * want):
            return tr(key, n=n)
    dw_ok, db_ok = close(got[0], want[0]), close(got[1], want[1])
    if db_ok and close(got[0], want[1]):
        return tr("hw.grad.dw_no_tu")
    if dw_ok and close(got[1], want[0]):
        return tr("hw.grad.db_tu")
    if db_ok:
        return tr("hw.grad.dw_wrong")
    if dw_ok:
        return tr("hw.grad.db_wrong")
    return None


@checker("grad_fn")
def check_grad_fn(grad_fn: Callable[..., Any]) -> Feedback:
    """Check seed 001's ``grad_fn(t_u, t_c, t_p, w, b)`` against torch.autograd."""
    name = shown_name(grad_fn, "grad_fn")
    bad = check_callable(name, grad_fn)
    if bad is not None:
        return bad
    t_u, t_c = thermometer()
    cases = [(t_u, t_c, 1.0, 0.0), (0.1 * t_u, t_c, 2.0, -3.0), (t_u[:5], t_c[:5], 0.5, 1.0)]
    for x, y, w, b in cases:
        wt, bt = torch.tensor(w), torch.tensor(b)
        call = call_student(grad_fn, x.clone(), y.clone(), w * x + b, wt, bt, by_hand=True)
        if call.error is not None:
            return Feedback.fail(name, describe_error(name, call.error))
        value = call.value
        if value is None:
            return Feedback.fail(name, tr("hw.returned_none", name=name))
        if isinstance(value, (tuple, list)):
            return Feedback.fail(name, tr("hw.grad.tuple", name=name,
                                          kind=type(value).__name__))
        got = as_tensor(value)
        if got is None:
            return Feedback.fail(name, tr("hw.grad.not_numbers", name=name,
                                          kind=type(value).__name__))
        if got.dim() == 2 and 2 in got.shape and len(x) in got.shape:
            return Feedback.fail(name, tr("hw.grad.not_summed", name=name,
                                          shape=tuple(got.shape)))
        if got.shape != (2,):
            return Feedback.fail(name, tr("hw.grad.shape", name=name, shape=tuple(got.shape)))
        want = _autograd_grad(x, y, w, b)
        if not close(got, want):
            messages = [tr("hw.grad.case", w=w, b=b, n=len(x), want=fmt(want), got=fmt(got))]
            hint = _diagnose_grad(got, want, len(x))
            return Feedback.fail(name, *([hint] if hint else []), *messages)
    return Feedback.ok(name, tr("hw.grad.ok", cases=len(cases)))


def _reference_loop(epochs: int, zero_grad: bool = True) -> torch.Tensor:
    """Seed 001's autograd loop on 0.1 * t_u: params after ``epochs`` epochs."""
    t_u, t_c = thermometer()
    t_un = 0.1 * t_u
    params = torch.tensor([1.0, 0.0], requires_grad=True)
    for _ in range(epochs):
        if zero_grad and params.grad is not None:
            params.grad.zero_()
        loss = ((params[0] * t_un + params[1] - t_c) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            params -= LOOP_LR * params.grad
    return params.detach()


def reference_grad_fn(t_u: Any, t_c: Any, t_p: Any, w: Any, b: Any) -> torch.Tensor:
    """A right ``grad_fn`` (by hand, so it also runs under inference mode): what a loop's
    check puts in place of the student's to tell a wrong loop from a wrong ``grad_fn``."""
    t_u, t_c, t_p = (torch.as_tensor(v) for v in (t_u, t_c, t_p))
    dloss_dtp = 2 * (t_p - t_c) / t_p.size(0)
    return torch.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])


@checker("training_loop")
def check_training_loop(training_loop: Callable[..., Any], autograd: bool = True) -> Feedback:
    """Check ``training_loop(n_epochs, learning_rate, params, t_u, t_c)`` of seed 001.

    ``autograd=True``: the loop calls ``loss.backward()`` on ``params`` (requires_grad),
    so it must zero the gradient every epoch and update in place under ``torch.no_grad()``.
    ``autograd=False``: the loop uses the student's ``grad_fn`` (seed 001's version); if it
    fails, it runs again with :func:`reference_grad_fn` as ``grad_fn``, and when that
    passes the hint names ``grad_fn`` as the cell to fix.
    The loop runs for 1, 2 and 3 epochs on 0.1 * t_u at lr 1e-2 from [1.0, 0.0].
    """
    name = shown_name(training_loop, "training_loop")
    bad = check_callable(name, training_loop)
    if bad is not None:
        return bad
    verdict, error = _check_loop(name, training_loop, autograd)
    if verdict.passed or autograd:
        return verdict
    helper = "grad_fn"
    if _check_loop(name, training_loop, autograd, {helper: reference_grad_fn})[0].passed:
        # what went wrong is the helper's: an error is told as the helper's own
        head = tr("hw.head", name=name, text="")
        why = describe_error(helper, error) if error is not None \
            else verdict.messages[-1].removeprefix(head)
        return Feedback.fail(name, tr("hw.loop.helper", name=name, helper=helper), why)
    return verdict


def _check_loop(name: str, training_loop: Callable[..., Any], autograd: bool,
                helpers: dict[str, Callable[..., Any]] | None = None
                ) -> tuple[Feedback, BaseException | None]:
    """The loop's verdict (and the error its call raised, if any), with ``helpers`` (if
    any) in place of the student's."""
    t_u, t_c = thermometer()
    start = torch.tensor([1.0, 0.0])
    for k in LOOP_EPOCHS:
        params = start.clone().requires_grad_(autograd)
        call = call_student(training_loop, n_epochs=k, learning_rate=LOOP_LR, params=params,
                            t_u=0.1 * t_u, t_c=t_c.clone(), by_hand=not autograd,
                            helpers=helpers)
        if call.error is not None:
            hint = None
            if not autograd and "does not require grad" in str(call.error):
                hint = tr("hw.loop.manual_backward")
            elif autograd:
                hint = torch_error_hint(call.error, "params", params.grad is not None,
                                        call.warned_non_leaf)
            return Feedback.fail(name, describe_error(name, call.error, hint)), call.error
        value = call.value
        if value is None:
            return Feedback.fail(name, tr("hw.returned_none", name=name)), None
        got = as_tensor(value)
        if got is None or got.shape != (2,):
            kind = type(value).__name__ if got is None else f"shape {tuple(got.shape)}"
            return Feedback.fail(name, tr("hw.loop.returned", name=name, kind=kind)), None
        if autograd and isinstance(value, torch.Tensor) and value.grad_fn is not None:
            return Feedback.fail(name, tr("hw.loop.non_leaf")), None
        want = _reference_loop(k)
        if close(got, want):
            continue
        fields = dict(epochs=epochs(k), got=fmt(got), want=fmt(want))
        mismatch = tr("hw.loop.mismatch", lr=LOOP_LR, **fields)
        if autograd and close(got, _reference_loop(k, zero_grad=False)):
            return Feedback.fail(name, tr("hw.loop.pile", **fields)), None
        if k == 1:
            step = want.double() - start.double()
            for factor, key in ((0.0, "hw.loop.still"), (-1.0, "hw.loop.ascent"),
                                (1 / LOOP_LR, "hw.loop.no_lr")):
                if close(got - start.double(), factor * step):
                    return Feedback.fail(name, tr(key), mismatch), None
        return Feedback.fail(name, mismatch), None
    return Feedback.ok(name, tr("hw.loop.ok", epochs=epochs(LOOP_EPOCHS[-1]), got=fmt(got))), None
