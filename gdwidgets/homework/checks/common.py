"""Shared helpers of the checkers: comparing numbers, hints for torch's usual errors."""

from __future__ import annotations

from typing import Any

import torch

from ...formats import listed
from ...i18n import register, tr

register(
    {
        "hw.hint.no_grad": (
            "Update the parameters in place inside `with torch.no_grad():` (or on `.data`): "
            "an in-place change of a leaf that requires grad is not allowed otherwise.",
            "请在 `with torch.no_grad():` 里原地更新参数（或者更新 `.data`）："
            "否则不允许原地修改需要梯度的叶子张量。",
        ),
        "hw.hint.rebind": (
            "{p}.grad is None because `{p} = {p} - lr * {p}.grad` made {p} a new tensor "
            "(not a leaf, so backward() does not fill its .grad). Update in place: "
            "`with torch.no_grad(): {p} -= lr * {p}.grad` (or `{p}.data -= lr * {p}.grad`).",
            "{p}.grad 是 None，因为 `{p} = {p} - lr * {p}.grad` 让 {p} 变成了一个新张量"
            "（不是叶子张量，backward() 不会填它的 .grad）。请原地更新："
            "`with torch.no_grad(): {p} -= lr * {p}.grad`（或 `{p}.data -= lr * {p}.grad`）。",
        ),
        "hw.hint.zero_first": (
            "{p}.grad is None until the first backward(): zero it only "
            "`if {p}.grad is not None`, or zero it after the update.",
            "在第一次 backward() 之前 {p}.grad 是 None：只在 `if {p}.grad is not None` 时清零，"
            "或者在更新之后再清零。",
        ),
        "hw.hint.no_graph": (
            "backward() found no graph: compute the loss from the parameters themselves "
            "(not from {p}.data or {p}.detach()), and keep requires_grad=True.",
            "backward() 找不到计算图：请直接用参数本身计算损失"
            "（不要用 {p}.data 或 {p}.detach()），并保持 requires_grad=True。",
        ),
        "hw.hint.backward_twice": (
            "The graph was used twice: do the forward pass (prediction and loss) inside the "
            "loop, once per backward().",
            "同一个计算图被 backward 了两次：请在循环里面做前向计算（预测和损失），"
            "每次 backward() 之前都重新算一遍。",
        ),
        "hw.epochs.one": ("{k} epoch", "{k} 个 epoch"),
        "hw.epochs.many": ("{k} epochs", "{k} 个 epoch"),
        "hw.hint.xor": (
            "In Python `^` is bitwise XOR, not a power: write `x ** 2`.",
            "在 Python 里 `^` 是按位异或，不是乘方：请写 `x ** 2`。",
        ),
    }
)


def epochs(k: int) -> str:
    """'1 epoch', '3 epochs' (the current language)."""
    return tr("hw.epochs.one" if k == 1 else "hw.epochs.many", k=k)


def close(got: torch.Tensor, want: torch.Tensor, rtol: float = 1e-3) -> bool:
    """Equal up to float32 rounding (relative to the size of ``want``)."""
    if got.shape != want.shape or not torch.isfinite(got).all():
        return False
    scale = float(want.abs().max()) if want.numel() else 0.0
    return bool(torch.allclose(got.double(), want.double(), rtol=rtol, atol=rtol * scale + 1e-6))


def as_tensor(value: Any) -> torch.Tensor | None:
    """The student's number(s) as a float64 tensor (detached), or None if not numbers."""
    try:
        if isinstance(value, (list, tuple)):
            return torch.stack([torch.as_tensor(v).detach().double().reshape(()) for v in value])
        return torch.as_tensor(value).detach().double()
    except (TypeError, ValueError, RuntimeError):
        return None


def fmt(t: Any) -> str:
    """Short numbers for messages: '[1.776, 0.1064]'."""
    t = torch.as_tensor(t).detach().double().reshape(-1)
    items = listed(t.tolist(), 4)
    return items if t.numel() == 1 else f"[{items}]"


def torch_error_hint(exc: BaseException, param: str, grad_seen: bool, non_leaf: bool
                     ) -> str | None:
    """A hint for the usual errors of an autograd training loop, or None.

    ``grad_seen``: the caller's parameter got a .grad (so backward() ran);
    ``non_leaf``: torch warned that a non-leaf's .grad was read.
    """
    text = str(exc)
    if "leaf Variable that requires grad" in text:
        return tr("hw.hint.no_grad")
    if "does not require grad" in text:
        return tr("hw.hint.no_graph", p=param)
    if "backward through the graph a second time" in text:
        return tr("hw.hint.backward_twice")
    if "bitwise_xor" in text or "xor" in text.lower():
        return tr("hw.hint.xor")
    if "NoneType" in text:
        if non_leaf or grad_seen:
            return tr("hw.hint.rebind", p=param)
        return tr("hw.hint.zero_first", p=param)
    return None
