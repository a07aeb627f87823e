"""Seed 003: the gradients of the chain ŷ = a2 * (a1*x + b1) + b2 by hand.

The student writes ``chain_rule_grads(x, y, a1, b1, a2, b2)`` returning
``{'a1': ..., 'b1': ..., 'a2': ..., 'b2': ...}``, the gradients of seed 003's loss
L = Σ (ŷ - y)² / 2 over a batch, without backward(). With h = a1*x + b1:
∂L/∂a2 = Σ (ŷ - y)·h, ∂L/∂b2 = Σ (ŷ - y), ∂L/∂a1 = Σ (ŷ - y)·a2·x, ∂L/∂b1 = Σ (ŷ - y)·a2.
Each is compared with torch.autograd; a wrong one is matched against the usual slips
(a forgotten factor, a wrong factor, sign, 2, mean instead of sum) to name the factor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ...i18n import register, tr
from .common import as_tensor, close, fmt
from .feedback import (
    Feedback,
    call_student,
    check_callable,
    checker,
    describe_error,
    shown_name,
)

__all__ = ["check_chain_rule", "chain_rule_reference"]

NAMES = ("a1", "b1", "a2", "b2")
FORMULAS = {"a2": "Σ (ŷ - y)·h", "b2": "Σ (ŷ - y)", "a1": "Σ (ŷ - y)·a2·x",
            "b1": "Σ (ŷ - y)·a2"}

register(
    {
        "hw.chain.returned": (
            "{name} should return a dict {{'a1': ..., 'b1': ..., 'a2': ..., "
            "'b2': ...}}, got {kind}.",
            "{name} 应该返回字典 {{'a1': ..., 'b1': ..., 'a2': ..., 'b2': ...}}，"
            "实际得到 {kind}。",
        ),
        "hw.chain.missing": ("The dict has no key {missing!r}.", "字典里没有键 {missing!r}。"),
        "hw.chain.backward": (
            "Compute the gradients by hand with the chain rule: the inputs here do not "
            "require grad, so backward() / autograd cannot be used.",
            "请用链式法则手算梯度：这里的输入不需要梯度，不能用 backward() / autograd。",
        ),
        "hw.chain.right": ("∂L/∂{p} = {formula} ✓", "∂L/∂{p} = {formula} ✓"),
        "hw.chain.wrong": (
            "∂L/∂{p} is wrong: expected {want}, got {got}. {hint}It should be "
            "∂L/∂{p} = {formula}.",
            "∂L/∂{p} 错了：应为 {want}，实际是 {got}。{hint}正确的是 ∂L/∂{p} = {formula}。",
        ),
        "hw.chain.not_summed": (
            "You returned one value per point: sum over the batch.",
            "你返回的是每个点一个值：需要对整个批次求和。",
        ),
        "hw.chain.forgot_a2": (
            "You forgot the factor ∂ŷ/∂h = a2 (the gradient flows back through a2 to "
            "reach the first layer).",
            "你漏掉了因子 ∂ŷ/∂h = a2（梯度要经过 a2 才能传回第一层）。",
        ),
        "hw.chain.a1_not_a2": (
            "The middle factor is ∂ŷ/∂h = a2, not a1.",
            "中间的因子是 ∂ŷ/∂h = a2，不是 a1。",
        ),
        "hw.chain.forgot_x": ("You forgot the factor ∂h/∂a1 = x.", "你漏掉了因子 ∂h/∂a1 = x。"),
        "hw.chain.h_not_x": (
            "The last factor is ∂h/∂a1 = x, not h.",
            "最后一个因子是 ∂h/∂a1 = x，不是 h。",
        ),
        "hw.chain.b_times_x": (
            "A bias has no x factor: ∂h/∂b1 = 1 and ∂ŷ/∂b2 = 1.",
            "偏置没有 x 因子：∂h/∂b1 = 1，∂ŷ/∂b2 = 1。",
        ),
        "hw.chain.x_not_h": (
            "∂ŷ/∂a2 is the first layer's output h = a1*x + b1, not x.",
            "∂ŷ/∂a2 是第一层的输出 h = a1*x + b1，不是 x。",
        ),
        "hw.chain.h_no_b1": (
            "h = a1*x + b1 includes b1: ∂ŷ/∂a2 = a1*x + b1.",
            "h = a1*x + b1 要包含 b1：∂ŷ/∂a2 = a1*x + b1。",
        ),
        "hw.chain.forgot_h": ("You forgot the factor ∂ŷ/∂a2 = h.", "你漏掉了因子 ∂ŷ/∂a2 = h。"),
        "hw.chain.b2_extra": (
            "∂ŷ/∂b2 = 1: b2 is added at the end, no other factor.",
            "∂ŷ/∂b2 = 1：b2 是最后加上的，没有别的因子。",
        ),
        "hw.chain.sign": (
            "Sign error: ∂L/∂ŷ = ŷ - y, not y - ŷ.",
            "符号错误：∂L/∂ŷ = ŷ - y，不是 y - ŷ。",
        ),
        "hw.chain.two": (
            "Twice too large: the loss is Σ (ŷ - y)² / 2, so ∂L/∂ŷ = ŷ - y (the 2 cancels).",
            "大了一倍：损失是 Σ (ŷ - y)² / 2，所以 ∂L/∂ŷ = ŷ - y（2 被约掉了）。",
        ),
        "hw.chain.mean": (
            "The loss is a sum over the batch, not a mean: do not divide by {m}.",
            "损失是对批次求和，不是求平均：不要除以 {m}。",
        ),
        "hw.chain.ok": (
            "All four gradients match torch.autograd.",
            "四个梯度都与 torch.autograd 一致。",
        ),
    }
)

# Test batches: seed 003's first batch (a1 = a2 = 20, b1 = b2 = 30), and one with distinct
# parameters, so that every slip gives a different number.
CASES = (
    dict(a1=0.5, b1=-1.5, a2=3.0, b2=0.25),
    dict(a1=20.0, b1=30.0, a2=20.0, b2=30.0),
)


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(1.0, 10.0, 2.0)  # seed 003: x = arange(1, 100, 2), batch_size 5
    return x, 2 * x + 10


def chain_rule_reference(x: torch.Tensor, y: torch.Tensor, **params: float
                         ) -> dict[str, torch.Tensor]:
    """torch.autograd's gradients of L = Σ (a2*(a1*x + b1) + b2 - y)² / 2 (float64)."""
    leaves = {k: torch.tensor(params[k], dtype=torch.float64, requires_grad=True)
              for k in NAMES}
    pred = leaves["a2"] * (leaves["a1"] * x.double() + leaves["b1"]) + leaves["b2"]
    loss = ((pred - y.double()) ** 2).sum() / 2
    grads = torch.autograd.grad(loss, [leaves[k] for k in NAMES])
    return dict(zip(NAMES, grads))


def _slips(x: torch.Tensor, y: torch.Tensor, a1: float, b1: float, a2: float, b2: float
           ) -> dict[str, list[tuple[torch.Tensor, str]]]:
    """For each parameter, wrong per-point products and the hint key of each."""
    x, y = x.double(), y.double()
    h = a1 * x + b1
    e = a2 * h + b2 - y
    one = torch.ones_like(x)
    return {
        "a1": [(e * x, "forgot_a2"), (e * a2, "forgot_x"), (e * a1 * x, "a1_not_a2"),
               (e * a2 * h, "h_not_x")],
        "b1": [(e, "forgot_a2"), (e * a2 * x, "b_times_x"), (e * a1, "a1_not_a2")],
        "a2": [(e * x, "x_not_h"), (e * a1 * x, "h_no_b1"), (e, "forgot_h")],
        "b2": [(e * x, "b_times_x"), (e * h, "b2_extra"), (e * a2, "b2_extra")],
    }, {"a1": e * a2 * x, "b1": e * a2 * one, "a2": e * h, "b2": e}


def _diagnose(name: str, got: torch.Tensor, right: torch.Tensor,
              slips: list[tuple[torch.Tensor, str]], m: int) -> str:
    """The hint for a wrong ∂L/∂name ('' if the slip is not recognised)."""
    if got.shape == right.shape and close(got.sum().reshape(()), right.sum()):
        return tr("hw.chain.not_summed")
    if got.numel() != 1:
        return ""
    got = got.reshape(())
    scales = [(1.0, []), (-1.0, ["sign"]), (2.0, ["two"]), (1 / m, ["mean"]),
              (2 / m, ["two", "mean"]), (-2.0, ["sign", "two"])]
    candidates = [(right, [])] + [(wrong, [key]) for wrong, key in slips]
    for scale, scale_keys in scales:
        for product, keys in candidates:
            if (keys or scale_keys) and close(got, scale * product.sum()):
                return " ".join(tr(f"hw.chain.{k}", m=m) for k in keys + scale_keys)
    return ""


@checker("chain_rule_grads")
def check_chain_rule(chain_rule_grads: Callable[..., Any]) -> Feedback:
    """Check ``chain_rule_grads(x, y, a1, b1, a2, b2) -> {'a1', 'b1', 'a2', 'b2'}``
    against torch.autograd, naming the wrong factor of each wrong gradient."""
    name = shown_name(chain_rule_grads, "chain_rule_grads")
    bad = check_callable(name, chain_rule_grads)
    if bad is not None:
        return bad
    x, y = _batch()
    rights = []
    for params in CASES:
        args = [torch.tensor(params[k]) for k in NAMES]
        call = call_student(chain_rule_grads, x.clone(), y.clone(), *args, by_hand=True)
        if call.error is not None:
            hint = tr("hw.chain.backward") if "does not require grad" in str(call.error) else None
            return Feedback.fail(name, describe_error(name, call.error, hint))
        value = call.value
        if value is None:
            return Feedback.fail(name, tr("hw.returned_none", name=name))
        if not isinstance(value, dict):
            return Feedback.fail(name, tr("hw.chain.returned", name=name,
                                          kind=type(value).__name__))
        missing = [k for k in NAMES if k not in value]
        if missing:
            return Feedback.fail(name, tr("hw.chain.missing", missing=missing[0]))
        want = chain_rule_reference(x, y, **params)
        slips, products = _slips(x, y, **params)
        rights, wrongs = [], []
        for p in ("a2", "b2", "a1", "b1"):  # in the order the chain rule reaches them
            got = as_tensor(value[p])
            if got is not None and got.numel() == 1 and close(got.reshape(()), want[p]):
                rights.append(tr("hw.chain.right", p=p, formula=FORMULAS[p]))
                continue
            hint = _diagnose(p, got, products[p], slips[p], len(x)) if got is not None else ""
            wrongs.append(tr("hw.chain.wrong", p=p, want=fmt(want[p]), formula=FORMULAS[p],
                             got=fmt(got) if got is not None else repr(value[p]),
                             hint=hint + " " if hint else ""))
        if wrongs:
            return Feedback.fail(name, *wrongs, *rights)
    return Feedback.ok(name, tr("hw.chain.ok"), *rights)
