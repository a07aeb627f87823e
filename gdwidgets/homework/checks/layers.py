"""Seed 003's three-layer matrix model, backpropagated by hand, layer by layer.

Layers are ``out = inp @ W + b`` with W of shape (n_in, n_out). The student writes
``cal_grad(inputs, grad_out, W) -> (grad_in, grad_W)`` with grad_in = grad_out · Wᵀ
(m, n_in) and grad_W = inputsᵀ · grad_out (n_in, n_out, summed over the batch), then
``three_layer_grads(x, y, params)`` -> the six gradients of seed 003's loss
L = (Σ (ŷ - y)²)² / 2 for Linear(2, 2) -> Linear(2, 2) -> Linear(2, 1). Each answer is
compared with torch.autograd (float64, in the checker's process); a wrong one is matched
against the usual slips (a transpose, an unsummed batch, the outer product's order, the
sign, the loss's factor, a bias from the wrong layer) to name it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ...i18n import register, tr
from .common import close, fmt
from .feedback import (
    Feedback,
    call_student,
    check_callable,
    checker,
    describe_error,
    is_by_hand_error,
    shown_name,
)

__all__ = ["check_cal_grad", "check_three_layer_grads", "reference_cal_grad",
           "three_layer_reference"]

NAMES = ("W1", "b1", "W2", "b2", "W3", "b3")
SIZES = ((2, 2), (2, 2), (2, 1))  # seed 003: Linear(2, 2) -> Linear(2, 2) -> Linear(2, 1)
RULE_IN = "∂L/∂inp = grad_out · Wᵀ"
RULE_W = "∂L/∂W = inpᵀ · grad_out"

register(
    {
        "hw.layers.pair": (
            "{name} should return two tensors (grad_in, grad_W), got {kind}.",
            "{name} 应该返回两个张量 (grad_in, grad_W)，实际得到 {kind}。",
        ),
        "hw.layers.which.in": ("grad_in (the first value returned)", "grad_in（返回的第一个值）"),
        "hw.layers.which.W": ("grad_W (the second value returned)", "grad_W（返回的第二个值）"),
        "hw.layers.which.key": ("the value of {param!r}", "键 {param!r} 的值"),
        "hw.layers.none": ("{what} is None. {rule}", "{what} 是 None。{rule}"),
        "hw.layers.not_tensor": (
            "{what} should be a torch tensor, got {kind}. {rule}",
            "{what} 应该是 torch 张量，实际得到 {kind}。{rule}",
        ),
        "hw.layers.nan": (
            "{what} contains NaN or inf: {got}. {rule}",
            "{what} 含有 NaN 或 inf：{got}。{rule}",
        ),
        "hw.layers.shape": (
            "{what} has shape {got}, expected {want}. {rule}",
            "{what} 的形状是 {got}，应为 {want}。{rule}",
        ),
        "hw.layers.rule_in": (
            "The rule: ∂L/∂inp = grad_out · Wᵀ, shape (m, n_in) like the layer's input.",
            "规则：∂L/∂inp = grad_out · Wᵀ，形状 (m, n_in)，与这一层的输入相同。",
        ),
        "hw.layers.rule_W": (
            "The rule: ∂L/∂W = inpᵀ · grad_out, summed over the batch, shape (n_in, n_out) "
            "like W.",
            "规则：∂L/∂W = inpᵀ · grad_out，对整个批次求和，形状 (n_in, n_out)，与 W 相同。",
        ),
        "hw.layers.rule_p": (
            "The rule: ∂L/∂{p} has the shape of {p}, {shape}.",
            "规则：∂L/∂{p} 的形状与 {p} 相同，为 {shape}。",
        ),
        "hw.layers.wrong": (
            "{what} is wrong ({case}): expected {want}, got {got}. {hint}{rule}",
            "{what} 错了（{case}）：应为 {want}，实际是 {got}。{hint}{rule}",
        ),
        "hw.layers.case": ("layer {n_in} → {n_out}, batch of {m}",
                           "{n_in} → {n_out} 的层，批次大小 {m}"),
        "hw.layers.not_transposed": (
            "W is not transposed: ∂L/∂inp = grad_out · Wᵀ (grad_out @ W.T), not grad_out @ W.",
            "W 没有转置：∂L/∂inp = grad_out · Wᵀ（grad_out @ W.T），不是 grad_out @ W。",
        ),
        "hw.layers.result_transposed": (
            "Your result is transposed: grad_in has the input's shape (m, n_in); "
            "grad_out @ W.T gives it directly.",
            "你的结果被转置了：grad_in 的形状与输入相同 (m, n_in)；grad_out @ W.T 直接得到它。",
        ),
        "hw.layers.squeeze": (
            "Remove the extra dimension of size 1 (the seed's .squeeze()), or use "
            "grad_out @ W.T.",
            "去掉多出来的大小为 1 的维度（种子代码里的 .squeeze()），或者直接用 grad_out @ W.T。",
        ),
        "hw.layers.squeezed": (
            "The seed's .squeeze() also removed W's own dimension of size 1 (n_out = 1): "
            "keep grad_W in W's shape (n_in, n_out) (inp.T @ grad_out).",
            "种子代码的 .squeeze() 把 W 自己的大小为 1 的维度（n_out = 1）也去掉了："
            "grad_W 要保持 W 的形状 (n_in, n_out)（inp.T @ grad_out）。",
        ),
        "hw.layers.not_summed": (
            "You returned one ∂L/∂W per sample, shape (m, n_in, n_out): sum over the batch, "
            "as the seed does with .sum(dim=0) (or inp.T @ grad_out at once).",
            "你返回的是每个样本一个 ∂L/∂W，形状 (m, n_in, n_out)：需要对批次求和，"
            "就像种子代码的 .sum(dim=0)（或者直接 inp.T @ grad_out）。",
        ),
        "hw.layers.order": (
            "The outer product is in the wrong order: grad_outᵀ · inp gives (n_out, n_in); "
            "∂L/∂W = inpᵀ · grad_out has W's shape (n_in, n_out).",
            "外积的顺序反了：grad_outᵀ · inp 的形状是 (n_out, n_in)；"
            "∂L/∂W = inpᵀ · grad_out 的形状与 W 相同 (n_in, n_out)。",
        ),
        "hw.layers.sign": ("Sign error: ∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y), not (y − ŷ).",
                           "符号错误：∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y)，不是 (y − ŷ)。"),
        "hw.layers.sign_in": ("Sign error: nothing in a linear layer flips the sign.",
                              "符号错误：线性层里没有任何东西会改变符号。"),
        "hw.layers.two": ("A factor 2 is off: check ∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y).",
                          "差了一个因子 2：检查 ∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y)。"),
        "hw.layers.two_in": ("A factor 2 is off: a linear layer's gradients have no 2 in them.",
                             "差了一个因子 2：线性层的梯度里没有 2。"),
        "hw.layers.mean": ("Do not divide by the batch size {m}: the gradients are sums.",
                           "不要除以批次大小 {m}：梯度是求和。"),
        "hw.layers.outer_factor": (
            "The factor 2·Σ(ŷ−y)² of the seed's loss (Σ(ŷ−y)²)²/2 is missing: "
            "∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y), not ŷ − y.",
            "漏掉了种子代码损失 (Σ(ŷ−y)²)²/2 带来的因子 2·Σ(ŷ−y)²："
            "∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y)，不是 ŷ − y。",
        ),
        "hw.layers.wrong_layer": (
            "This is {other}'s gradient: the bias gradient of layer k is Σ over the batch "
            "of ∂L/∂(output of layer k) (the seed prints grad_loss_line2.sum(dim=0) as "
            "\"line2\", but it is line1_b's gradient).",
            "这是 {other} 的梯度：第 k 层偏置的梯度是 ∂L/∂(第 k 层的输出) 对批次求和"
            "（种子代码把 grad_loss_line2.sum(dim=0) 标成 \"line2\"，其实它是 line1_b 的梯度）。",
        ),
        "hw.layers.returned": (
            "{name} should return a dict {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ..., "
            "'W3': ..., 'b3': ...}}, got {kind}.",
            "{name} 应该返回字典 {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ..., "
            "'W3': ..., 'b3': ...}}，实际得到 {kind}。",
        ),
        "hw.layers.missing": ("The dict has no key {missing!r}.", "字典里没有键 {missing!r}。"),
        "hw.layers.right": ("∂L/∂{p} ✓", "∂L/∂{p} ✓"),
        "hw.layers.helper": (
            "{name} is right with a right cal_grad: fix cal_grad (exercise 1).",
            "{name} 配上正确的 cal_grad 就是对的：请改正 cal_grad（第 1 题）。",
        ),
        "hw.layers.shapes_hint": (
            "Check the transposes: ∂L/∂inp = grad_out · Wᵀ and ∂L/∂W = inpᵀ · grad_out.",
            "检查转置：∂L/∂inp = grad_out · Wᵀ，∂L/∂W = inpᵀ · grad_out。",
        ),
        "hw.layers.ok_cal": (
            "grad_in and grad_W match torch.autograd for layers 2 → 2, 2 → 1 and 3 → 4.",
            "grad_in 和 grad_W 在 2 → 2、2 → 1、3 → 4 的层上都与 torch.autograd 一致。",
        ),
        "hw.layers.ok_three": ("All six gradients match torch.autograd.",
                               "六个梯度都与 torch.autograd 一致。"),
    }
)


def _grid(rows: int, cols: int, start: float, step: float) -> torch.Tensor:
    """Distinct, non-symmetric numbers (so that a transpose or a swap shows)."""
    values = torch.arange(rows * cols, dtype=torch.float64) * step + start
    return (values * torch.tensor([(-1.0) ** (i // 2) for i in range(rows * cols)],
                                  dtype=torch.float64)).reshape(rows, cols)


# cal_grad's cases: (inputs, grad_out, W): 2 -> 2, 2 -> 1 and a non-square 3 -> 4
CAL_CASES = ((_grid(5, 2, 0.5, 0.7), _grid(5, 2, -1.3, 0.45), _grid(2, 2, 0.3, 0.55)),
             (_grid(4, 2, 1.1, -0.6), _grid(4, 1, 0.9, 0.35), _grid(2, 1, -0.7, 1.2)),
             (_grid(3, 3, 0.2, 0.65), _grid(3, 4, 1.4, -0.3), _grid(3, 4, -0.4, 0.25)))


def reference_cal_grad(inputs: Any, grad_out: Any, W: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """A right ``cal_grad`` by the two formulas (runs under inference mode)."""
    inputs, grad_out, W = (torch.as_tensor(v) for v in (inputs, grad_out, W))
    return grad_out @ W.T, inputs.T @ grad_out


def _cal_autograd(inputs: torch.Tensor, grad_out: torch.Tensor, W: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.inference_mode(False), torch.enable_grad():
        inp = inputs.double().clone().requires_grad_()
        w = W.double().clone().requires_grad_()
        out = inp @ w
        return torch.autograd.grad((out * grad_out.double()).sum(), [inp, w])


def _invalid(what: str, value: Any, rule: str) -> str | None:
    """The message for a value that is not a finite real tensor (or None). Wrong shapes
    are left to the slips (some have their own hint)."""
    if value is None:
        return tr("hw.layers.none", what=what, rule=rule)
    if not isinstance(value, torch.Tensor):
        return tr("hw.layers.not_tensor", what=what, kind=type(value).__name__, rule=rule)
    if value.is_complex() or not torch.isfinite(value.detach().double()).all():
        return tr("hw.layers.nan", what=what, got=fmt(value), rule=rule)
    return None


def _match(got: torch.Tensor, candidates: list[tuple[torch.Tensor, str]]) -> str | None:
    for product, key in candidates:
        if close(got, product):
            return key
    return None


def _cal_hints(got_in: torch.Tensor, got_w: torch.Tensor, inputs: torch.Tensor,
               grad_out: torch.Tensor, W: torch.Tensor) -> tuple[str | None, str | None]:
    """The slip keys of grad_in and grad_W (None: right; '' : not recognised)."""
    want_in, want_w = grad_out @ W.T, inputs.T @ grad_out
    hint_in: str | None = None
    if not close(got_in, want_in):
        cands = [(-want_in, "sign_in"), (2 * want_in, "two_in"), (want_in / 2, "two_in"),
                 (want_in.T, "result_transposed"), (want_in.unsqueeze(-1), "squeeze"),
                 (want_in.unsqueeze(1), "squeeze")]
        if W.shape[0] == W.shape[1]:
            cands.insert(0, (grad_out @ W, "not_transposed"))
        hint_in = _match(got_in, cands) or ""
    hint_w: str | None = None
    if not close(got_w, want_w):
        per_sample = inputs.unsqueeze(2) * grad_out.unsqueeze(1)
        cands = [(per_sample, "not_summed"), (want_w.T, "order"), (want_w.squeeze(), "squeezed"),
                 (per_sample.transpose(1, 2), "order"), (-want_w, "sign_in"),
                 (2 * want_w, "two_in"), (want_w / 2, "two_in"),
                 (want_w / len(inputs), "mean")]
        hint_w = _match(got_w, cands) or ""
    return hint_in, hint_w


@checker("cal_grad")
def check_cal_grad(cal_grad: Callable[..., Any]) -> Feedback:
    """Check ``cal_grad(inputs, grad_out, W) -> (grad_in, grad_W)`` on layers 2 → 2,
    2 → 1 and 3 → 4 against torch.autograd, naming the slip of a wrong value."""
    name = shown_name(cal_grad, "cal_grad")
    bad = check_callable(name, cal_grad)
    if bad is not None:
        return bad
    rule_in, rule_w = tr("hw.layers.rule_in"), tr("hw.layers.rule_W")
    for inputs, grad_out, W in CAL_CASES:
        m, (n_in, n_out) = len(inputs), W.shape
        call = call_student(cal_grad, inputs.float(), grad_out.float(), W.float(),
                            by_hand=True)
        if call.error is not None:
            hint = tr("hw.layers.shapes_hint") if "multiplied" in str(call.error) else None
            return Feedback.fail(name, describe_error(name, call.error, hint))
        value = call.value
        if value is None:
            return Feedback.fail(name, tr("hw.returned_none", name=name))
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            kind = type(value).__name__ + (f" of {len(value)}" if isinstance(
                value, (tuple, list)) else "")
            return Feedback.fail(name, tr("hw.layers.pair", name=name, kind=kind))
        what_in, what_w = tr("hw.layers.which.in"), tr("hw.layers.which.W")
        for what, got, rule in ((what_in, value[0], rule_in), (what_w, value[1], rule_w)):
            message = _invalid(what, got, rule)
            if message:
                return Feedback.fail(name, message)
        got_in, got_w = (v.detach().double() for v in value)
        want_in, want_w = _cal_autograd(inputs, grad_out, W)
        hint_in, hint_w = _cal_hints(got_in, got_w, inputs, grad_out, W)
        case = tr("hw.layers.case", n_in=n_in, n_out=n_out, m=m)
        wrongs = []
        for what, got, want, hint, rule in ((what_in, got_in, want_in, hint_in, rule_in),
                                            (what_w, got_w, want_w, hint_w, rule_w)):
            if hint is None:
                continue
            text = tr(f"hw.layers.{hint}", m=m) + " " if hint else ""
            if not hint and got.shape != want.shape:
                wrongs.append(tr("hw.layers.shape", what=what, got=tuple(got.shape),
                                 want=tuple(want.shape), rule=rule))
            else:
                wrongs.append(tr("hw.layers.wrong", what=what, case=case, want=fmt(want),
                                 got=fmt(got), hint=text, rule=rule))
        if wrongs:
            return Feedback.fail(name, *wrongs)
    return Feedback.ok(name, tr("hw.layers.ok_cal"))


# three_layer_grads' cases: a batch of 5 points (seed 003: y = 2·x1 + x2 + 3) and of 3
def _three_cases() -> list[tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]]:
    cases = []
    for m, shift in ((5, 0.0), (3, 0.35)):
        x = _grid(m, 2, -0.8 + shift, 0.3)
        y = x @ torch.tensor([2.0, 1.0], dtype=torch.float64) + 3
        params: dict[str, torch.Tensor] = {}
        for k, (n_in, n_out) in enumerate(SIZES, start=1):
            params[f"W{k}"] = _grid(n_in, n_out, 0.4 + 0.1 * k + shift, 0.15 * k)
            params[f"b{k}"] = _grid(1, n_out, 0.2 * k - shift, 0.1).reshape(n_out)
        cases.append((x, y, params))
    return cases


def three_layer_reference(x: torch.Tensor, y: torch.Tensor, params: dict[str, torch.Tensor],
                          outer: bool = True) -> dict[str, torch.Tensor]:
    """torch.autograd's gradients of (Σ (ŷ - y)²)² / 2 (``outer=False``: Σ (ŷ - y)² / 2)
    for ŷ = ((x W1 + b1) W2 + b2) W3 + b3, in float64."""
    with torch.inference_mode(False), torch.enable_grad():
        leaves = {k: params[k].double().clone().requires_grad_() for k in NAMES}
        h = x.double()
        for k in (1, 2, 3):
            h = h @ leaves[f"W{k}"] + leaves[f"b{k}"]
        s = ((h.squeeze(-1) - y.double()) ** 2).sum()
        loss = s ** 2 / 2 if outer else s / 2
        return dict(zip(NAMES, torch.autograd.grad(loss, [leaves[k] for k in NAMES])))


def _three_hint(p: str, got: torch.Tensor, want: dict[str, torch.Tensor],
                plain: dict[str, torch.Tensor], m: int) -> str:
    """The hint for a wrong ∂L/∂p ('' if the slip is not recognised)."""
    right = want[p]
    if p.startswith("b"):
        for other in NAMES[1::2]:
            if other != p and got.numel() == want[other].numel() \
                    and close(got.reshape(-1), want[other].reshape(-1)):
                return tr("hw.layers.wrong_layer", other=other)
    elif got.dim() == 3 and got.shape[0] == m and close(got.sum(0), right):
        return tr("hw.layers.not_summed")
    elif got.shape == right.T.shape and close(got, right.T):
        return tr("hw.layers.order")
    for product, keys in ((-right, ["sign"]), (2 * right, ["two"]), (right / 2, ["two"]),
                          (plain[p], ["outer_factor"]), (2 * plain[p], ["outer_factor"]),
                          (-plain[p], ["outer_factor", "sign"]), (right / m, ["mean"])):
        if close(got.reshape(right.shape) if got.numel() == right.numel() else got, product):
            return " ".join(tr(f"hw.layers.{k}", m=m) for k in keys)
    return ""


def _check_three(name: str, fn: Callable[..., Any],
                 helpers: dict[str, Callable[..., Any]] | None = None) -> Feedback:
    rights: list[str] = []
    for x, y, params in _three_cases():
        call = call_student(fn, x.float(), y.float(), {k: v.float() for k, v in params.items()},
                            by_hand=True, helpers=helpers)
        if call.error is not None:
            hint = tr("hw.by_hand") if is_by_hand_error(call.error) else None
            return Feedback.fail(name, describe_error(name, call.error, hint))
        value = call.value
        if value is None:
            return Feedback.fail(name, tr("hw.returned_none", name=name))
        if not isinstance(value, dict):
            return Feedback.fail(name, tr("hw.layers.returned", name=name,
                                          kind=type(value).__name__))
        missing = [k for k in NAMES if k not in value]
        if missing:
            return Feedback.fail(name, tr("hw.layers.missing", missing=missing[0]))
        want = three_layer_reference(x, y, params)
        plain = three_layer_reference(x, y, params, outer=False)
        rights, wrongs = [], []
        for p in ("W3", "b3", "W2", "b2", "W1", "b1"):  # in the order backprop reaches them
            shape = tuple(params[p].shape)
            rule = tr("hw.layers.rule_p", p=p, shape=shape)
            what = tr("hw.layers.which.key", param=p)
            message = _invalid(what, value[p], rule)
            if message:
                return Feedback.fail(name, message)
            got = value[p].detach().double()
            if got.shape == (1, *shape):
                got = got.reshape(shape)
            if close(got, want[p]):
                rights.append(tr("hw.layers.right", p=p))
                continue
            hint = _three_hint(p, got, want, plain, len(x))
            if not hint and got.shape != shape:
                wrongs.append(tr("hw.layers.shape", what=what, got=tuple(got.shape),
                                 want=shape, rule=rule))
                continue
            wrongs.append(tr("hw.layers.wrong", what=what, want=fmt(want[p]), got=fmt(got),
                             case=f"m = {len(x)}", hint=hint + " " if hint else "",
                             rule=rule))
        if wrongs:
            return Feedback.fail(name, *wrongs, *rights)
    return Feedback.ok(name, tr("hw.layers.ok_three"), *rights)


@checker("three_layer_grads")
def check_three_layer_grads(three_layer_grads: Callable[..., Any]) -> Feedback:
    """Check ``three_layer_grads(x, y, params) -> {'W1', 'b1', 'W2', 'b2', 'W3', 'b3'}``
    against torch.autograd. If it fails with the student's own ``cal_grad``, it runs again
    with :func:`reference_cal_grad` in its place, and if that passes the hint names
    ``cal_grad`` as the cell to fix."""
    name = shown_name(three_layer_grads, "three_layer_grads")
    bad = check_callable(name, three_layer_grads)
    if bad is not None:
        return bad
    verdict = _check_three(name, three_layer_grads)
    if verdict.passed:
        return verdict
    if _check_three(name, three_layer_grads, {"cal_grad": reference_cal_grad}).passed:
        return Feedback.fail(name, tr("hw.layers.helper", name=name), *verdict.messages)
    return verdict
