"""BackpropWidget's table: a, b, their grads as the graph shows them, the loss, the
counters and lr; what the last action changed reads ``before → now``.

Accumulate mode compares like with like: the accumulated grads beside the gradient on all
points, and the micro-batch's loss compared only with the same micro-batch's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...formats import seed as num
from ...i18n import register, tr
from .grid import Row, value_table

__all__ = ["backprop_table"]

register({
    "backprop.full_grad": ("{name}.grad, all", "{name}.grad（全部）"),
    "backprop.full_loss": ("loss, all", "损失（全部）"),
    "backprop.loss": ("loss", "损失"),
    "backprop.loss_micro": ("loss {j}/{k} (× {w})", "损失 {j}/{k}（× {w}）"),
    "backprop.lr": ("learning rate", "学习率"),
    "backprop.nodes": ("nodes in graph", "计算图节点数"),
    "backprop.nodes_in_place": ("nodes, in-place twin", "节点数（原地更新）"),
    "backprop.passes": ("backward passes", "反向传播次数"),
    "backprop.updates": ("updates", "更新次数"),
})


def _text(v: Any) -> str:
    return str(v) if isinstance(v, int) else num(v)


def _row(name: str, now: Any, before: Any) -> Row:
    return Row(name, _text(now), _text(before))


def backprop_table(now: Mapping[str, Any], prev: Mapping[str, Any], lr: float,
                   parts: int = 1, full_grads: tuple[float, float] | None = None,
                   weight: float = 1.0) -> str:
    """The table of snapshot ``now`` against ``prev`` (``Lesson.snapshot`` plus
    ``shown``: a's and b's grads as drawn). With ``parts`` > 1: ``full_grads`` (on all
    points) and the micro-batch loss's ``weight``."""
    (ga, gb), (pa, pb) = now["shown"], prev["shown"]
    rows = [_row("a", now["a"], prev["a"]), _row("b", now["b"], prev["b"]),
            _row("a.grad", ga, pa), _row("b.grad", gb, pb)]
    if parts > 1 and full_grads is not None:
        same = now["micro_batch"] == prev["micro_batch"]
        loss = tr("backprop.loss_micro", j=now["micro_batch"], k=parts, w=num(weight))
        rows += [Row(tr("backprop.full_grad", name="a"), num(full_grads[0]), ref=True),
                 Row(tr("backprop.full_grad", name="b"), num(full_grads[1]), ref=True),
                 _row(loss, now["loss"], prev["loss"] if same else now["loss"]),
                 _row(tr("backprop.full_loss"), now["full_loss"], prev["full_loss"])]
    else:
        rows.append(_row(tr("backprop.loss"), now["loss"], prev["loss"]))
    rows.append(_row(tr("backprop.nodes"), now["nodes"], prev["nodes"]))
    if now["nodes_in_place"] is not None:
        rows.append(_row(tr("backprop.nodes_in_place"), now["nodes_in_place"],
                         prev["nodes_in_place"]))
    rows += [Row(tr("backprop.passes"), str(now["passes"])),
             _row(tr("backprop.updates"), now["step"], prev["step"]),
             Row(tr("backprop.lr"), f"{lr:.3g}")]
    return value_table(rows)
