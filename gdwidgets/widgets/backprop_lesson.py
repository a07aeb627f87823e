"""The state of :class:`~gdwidgets.widgets.backprop.BackpropWidget`'s lesson: seed 000's
training loop, one engine call per button, with the counters the pictures need.

No ipywidgets and no drawing here: the widget asks a :class:`Lesson` to act, then draws
what it holds. Only the engine computes (``Linear``, ``mse``, ``backward``,
``zero_grad``, ``Linear.update``).

>>> lesson = Lesson(points, parts=1, bloat=False)
>>> lesson.backward(); lesson.backward()   # passes == 2: every grad doubled
>>> lesson.update(0.1)                     # a and b moved, the next forward graph built
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from .. import datasets
from ..autograd import Linear, Scalar, count_nodes, mse
from ..data import as_dataset, check_arrays
from ..formats import seed as num
from ..i18n import register, tr

__all__ = ["Lesson", "SEED_POINTS", "source", "data_nodes", "checked_points", "own_points",
           "after_forward", "after_backward", "after_update"]

register({
    "backprop.msg.forward": (
        "Forward: the graph of the loss for a = {a}, b = {b}; a forward graph shows no "
        "grads (None): backward fills them.",
        "前向传播：a = {a}、b = {b} 时损失函数的计算图；前向图不显示 grad（None），反向传播"
        "会填上它们。",
    ),
    "backprop.msg.backward": (
        "Backward: every node's grad holds d loss / d node; each edge shows the gradient it "
        "carried.",
        "反向传播：每个节点的 grad 是 d loss / d 节点；每条边上标着它传递的梯度。",
    ),
    "backprop.msg.again": (
        "Backward pass {n} on the same graph without zero grad: every grad is now {n} times "
        "one pass's gradient (highlighted). Press zero grad to reset.",
        "在同一个计算图上第 {n} 次反向传播且没有清零：每个 grad 都变成了一次梯度的 {n} 倍"
        "（已高亮）。按“梯度清零”重置。",
    ),
    "backprop.msg.update": (
        "Update {k}: a and b moved by -lr × grad, the grads went back to 0, and the next "
        "forward graph was built.",
        "第 {k} 次更新：a 和 b 移动了 -lr × grad，梯度清零，并构建了下一次前向传播的计算图。",
    ),
    "backprop.msg.bloat": (
        "Update {k} the book's way (a = a - lr * a.grad): the graph now has {nodes} nodes; "
        "the in-place twin still has {twin}. The bold a and b are the current ones; the "
        "grey “before update” copies stay in the graph, and every backward pass adds into "
        "their grads, which nothing sets back to 0.",
        "第 {k} 次用书中的写法更新（a = a - lr * a.grad）：计算图现在有 {nodes} 个节点；"
        "原地更新的对照模型仍然是 {twin} 个。粗体的 a、b 是当前的参数；灰色的“更新前”副本"
        "留在计算图里，每次反向传播都会往它们的 grad 里累加，而没有任何操作把它们清零。",
    ),
    "backprop.msg.micro": (
        "Micro-batch {j} of {k}: its loss is scaled by {w}; the grads now sum {done} of {k} "
        "micro-batches.",
        "第 {j}/{k} 个小批次：损失乘以 {w}；梯度里现在累加了 {k} 个小批次中的 {done} 个。",
    ),
    "backprop.msg.micro_done": (
        "All {k} micro-batches done: the accumulated a.grad {ga} and b.grad {gb} equal the "
        "gradient of the loss on all points (table: a.grad, all = {fa}; b.grad, all = "
        "{fb}). Press update.",
        "{k} 个小批次都已完成：累积的 a.grad {ga} 和 b.grad {gb} 等于全部数据上损失的梯度"
        "（表格：a.grad（全部）= {fa}；b.grad（全部）= {fb}）。请按“更新参数”。",
    ),
    "backprop.msg.micro_over": (
        "{done} micro-batch passes since the last update (there are {k}): the grads count "
        "some micro-batches twice. Press zero grad.",
        "自上次更新以来已经做了 {done} 次小批次反向传播（只有 {k} 个小批次）：梯度把一些"
        "小批次算了两次。请按“梯度清零”。",
    ),
    "backprop.msg.loss_up": (
        "The full-batch loss went up from {before} to {after}: lr = {lr} is too large for "
        "these points. Try a smaller learning rate.",
        "全部数据的损失从 {before} 升到了 {after}：对这些数据来说 lr = {lr} 太大了。"
        "试试更小的学习率。",
    ),
    "backprop.msg.overflow": (
        "The parameters overflowed at update {k}: lr = {lr} is far too large. Press start "
        "again and choose a smaller learning rate.",
        "第 {k} 次更新时参数溢出：lr = {lr} 太大了。请按“重新开始”并选择更小的学习率。",
    ),
    "backprop.err.data_len": (
        "BackpropWidget draws every point's nodes: at most {n} points, got {nx}",
        "BackpropWidget 要画出每个点的节点：最多 {n} 个点，收到的是 {nx} 个",
    ),
    "backprop.err.one_input": (
        "BackpropWidget fits y = a·x + b to one input, but x has {d} columns",
        "BackpropWidget 拟合单输入的 y = a·x + b，但 x 有 {d} 列",
    ),
})

SEED_POINTS: tuple[tuple[float, float], ...] = ((1.5, 1.0), (2.0, 4.0))
"""Seed 000's two points (x, y)."""


def source(points: int) -> tuple[str, list[float], list[float]]:
    """Where ``points`` points come from (its name, all its x and y): seed 000's two
    points, or for more the first N of seed 000's 200 normalised points."""
    if points == 2:
        return "seed", [p[0] for p in SEED_POINTS], [p[1] for p in SEED_POINTS]
    return "line200", *_line200()


@cache
def _line200() -> tuple[list[float], list[float]]:
    d = datasets.get("line200")
    return d.x.tolist(), d.y.tolist()


def checked_points(x: Sequence[Any], y: Sequence[Any], most: int
                   ) -> tuple[list[float], list[float]]:
    """x and y as floats after the one check of all data (gdwidgets.data); ValueError
    (in words for the banner) unless they are 2 to ``most`` points with one input."""
    xs, ys = check_arrays(x, y, np.float64)
    if xs.ndim != 1:
        raise ValueError(tr("backprop.err.one_input", d=xs.shape[1]))
    if len(xs) > most:
        raise ValueError(tr("backprop.err.data_len", n=most, nx=len(xs)))
    return [float(v) for v in xs], [float(v) for v in ys]


def own_points(data: Any, most: int) -> tuple[str, list[float], list[float]]:
    """(name, x, y) of the user's data (``(x, y)`` or a Dataset), checked as
    :func:`checked_points` does."""
    if isinstance(data, tuple | list) and len(data) == 2:
        return (tr("data.your_data"), *checked_points(*data, most))
    d = as_dataset(data)
    return (d.name, *checked_points(d.x, d.y, most))


def data_nodes(xs: Sequence[float], ys: Sequence[float], n: int
               ) -> list[tuple[Scalar, Scalar]]:
    """The first ``n`` points as data nodes labelled x1, y1, x2, …"""
    return [(Scalar(x, label=f"x{i + 1}", requires_grad=False),
             Scalar(y, label=f"y{i + 1}", requires_grad=False))
            for i, (x, y) in enumerate(zip(xs[:n], ys[:n]))]


class Lesson:
    """Seed 000's loop on ``points``, optionally in micro-batches or the book's way.

    Parameters
    ----------
    points : sequence of (x, y) data nodes
        The points of the loss, in order.
    parts : int
        Number of micro-batches (1: every backward pass uses all points). Each part's
        loss is scaled by (its size / all points), so one pass over every part adds up
        to the full batch's gradient.
    bloat : bool
        Update the book's way (``a = a - lr * a.grad``: the update becomes graph nodes)
        beside an in-place ``twin`` that takes the same steps.

    After every method these hold:

    - ``root`` is the loss graph of micro-batch ``micro`` at the current a and b;
    - ``passes`` counts backward passes on ``root`` since it was built or zeroed;
    - ``accumulated`` counts micro-batch passes since the last update or zero grad (the
      grads are the full batch's when it equals ``parts``);
    - ``loss_curve`` holds ``updates + 1`` full-batch losses (one per update and the
      start), ``node_curve`` as many (graph nodes, twin's nodes) pairs in bloat mode.
    """

    def __init__(self, points: Sequence[tuple[Scalar, Scalar]], parts: int = 1,
                 bloat: bool = False) -> None:
        self.points = list(points)
        n = len(self.points)
        k = max(1, min(parts, n))
        self.slices = [(j * n // k, (j + 1) * n // k) for j in range(k)]
        self.model = Linear()
        self.twin = Linear() if bloat else None
        self.updates = 0
        self.micro = 0
        self.accumulated = 0
        self.passes = 0
        self.loss_curve: list[float] = []
        self.node_curve: list[tuple[int, int]] = []
        self.build()
        self._record_step()

    @property
    def parts(self) -> int:
        return len(self.slices)

    @property
    def weight(self) -> float:
        """The micro-batch loss's scale: its share of the points (1 for the full batch)."""
        start, stop = self.slices[self.micro]
        return (stop - start) / len(self.points)

    def build(self) -> None:
        """The graph of the loss of micro-batch ``micro`` (all points: one part)."""
        start, stop = self.slices[self.micro]
        loss = mse([self.model.error(x, y) for x, y in self.points[start:stop]])
        n = len(self.points)
        if stop - start < n:  # a micro-batch: its share of the full-batch mean
            loss = loss * Scalar((stop - start) / n, label=f"{stop - start}/{n}",
                                 requires_grad=False)
        self.root = loss
        self.passes = 0

    # ----- the buttons -----------------------------------------------------------------
    def forward(self) -> None:
        """Build the loss graph again (in micro-batches: of the next one, once this one
        has had its pass)."""
        if self.passes and self.parts > 1:
            self.micro = (self.micro + 1) % self.parts
        self.build()

    def backward(self) -> None:
        """``loss.backward()`` (in micro-batches: on the next part once this one had its
        pass)."""
        if self.parts > 1 and self.passes:
            self.micro = (self.micro + 1) % self.parts
            self.build()
        self.root.backward()
        self.passes += 1
        if self.parts > 1:
            self.accumulated += 1

    def zero_grad(self) -> None:
        """Every grad of the graph, a's and b's included, back to 0."""
        self.root.zero_grad()
        self.model.a.grad = self.model.b.grad = 0.0
        self.passes = self.accumulated = 0

    def update(self, lr: float) -> tuple[Scalar, Scalar] | None:
        """One step ``p -= lr * p.grad`` for a and b, grads to 0, the next forward graph.

        Returns the a and b that were updated (in bloat mode they stay in the graph as
        older copies), or None when the grads are 0 and nothing would change.
        """
        m = self.model
        if m.a.grad == 0.0 and m.b.grad == 0.0:
            return None
        old = (m.a, m.b)
        if self.twin is not None:  # the same step, in place
            self.twin.a.grad, self.twin.b.grad = m.a.grad, m.b.grad
            self.twin.update(lr, in_place=True)
        m.update(lr, in_place=self.twin is None)
        self.updates += 1
        self.micro = self.accumulated = 0
        self.build()
        self._record_step()
        return old

    # ----- what the pictures show ------------------------------------------------------
    def full_loss(self) -> float:
        """The loss on all points at the current a and b."""
        if self.parts == 1:
            return self.root.value
        return mse([self.model.error(x, y) for x, y in self.points]).value

    def full_grads(self) -> tuple[float, float]:
        """d loss / d a and d loss / d b on all points at the current a and b (on a
        copy of the model: its grads are untouched)."""
        ref = Linear()
        ref.a.value, ref.b.value = self.model.a.value, self.model.b.value
        mse([ref.error(x, y) for x, y in self.points]).backward()
        return ref.a.grad, ref.b.grad

    def figure_data(self) -> tuple[list[tuple[float, float]], list[tuple[float, float]],
                                   list[int] | None, Sequence[float], Sequence[float] | None]:
        """What the figure shows: (points, the current micro-batch's points, each point's
        micro-batch or None, the curve per update, the in-place twin's curve or None).
        The curve is the full-batch loss, or in bloat mode the graph's node count."""
        points = [(x.value, y.value) for x, y in self.points]
        part: list[tuple[float, float]] = []
        groups: list[int] | None = None
        if self.parts > 1:  # which micro-batch each point belongs to, the current ringed
            start, stop = self.slices[self.micro]
            part = points[start:stop]
            groups = [j for j, (lo, hi) in enumerate(self.slices) for _ in range(lo, hi)]
        if self.twin is not None:
            return (points, part, groups, [n for n, _ in self.node_curve],
                    [t for _, t in self.node_curve])
        return points, part, groups, self.loss_curve, None

    def snapshot(self) -> dict[str, Any]:
        """The numbers of the table, as a record of the latest action."""
        m = self.model
        return {
            "step": self.updates,
            "a": m.a.value, "b": m.b.value,
            "a_grad": m.a.grad, "b_grad": m.b.grad,
            "loss": self.root.value,
            "full_loss": self.full_loss(),
            "nodes": count_nodes(self.root),
            "nodes_in_place": self.node_curve[-1][1] if self.twin is not None else None,
            "micro_batch": self.micro + 1 if self.parts > 1 else None,
            "passes": self.passes,
        }

    def _record_step(self) -> None:
        self.loss_curve.append(self.full_loss())
        if self.twin is not None:
            t = self.twin
            twin = count_nodes(mse([t.error(x, y) for x, y in self.points]))
            self.node_curve.append((count_nodes(self.root), twin))


# ----- what the banner says after a press ---------------------------------------------
def after_forward(lesson: Lesson) -> tuple[str, str]:
    """(message, kind) for the forward graph (after forward, a reset, the forward view)."""
    m = lesson.model
    return tr("backprop.msg.forward", a=num(m.a.value), b=num(m.b.value)), "info"


def after_backward(lesson: Lesson) -> tuple[str, str]:
    """(message, kind) after a backward press: one pass, a pass again without zero grad
    (every grad doubled), or where the micro-batches stand."""
    k, done = lesson.parts, lesson.accumulated
    if k == 1:
        if lesson.passes > 1:
            return tr("backprop.msg.again", n=lesson.passes), "warning"
        return tr("backprop.msg.backward"), "info"
    if done > k:
        return tr("backprop.msg.micro_over", done=done, k=k), "warning"
    if done == k:
        (fa, fb), m = lesson.full_grads(), lesson.model
        return tr("backprop.msg.micro_done", k=k, ga=num(m.a.grad), gb=num(m.b.grad),
                  fa=num(fa), fb=num(fb)), "info"
    return tr("backprop.msg.micro", j=lesson.micro + 1, k=k, w=num(lesson.weight),
              done=done), "info"


def after_update(lesson: Lesson, before: float, lr: float) -> tuple[str, str]:
    """(message, kind) after an update: overflow, a loss that went up (lr too large),
    the graph's growth in bloat mode, or the step done."""
    k, m, after = lesson.updates, lesson.model, lesson.loss_curve[-1]
    if not all(math.isfinite(v) for v in (m.a.value, m.b.value, after)):
        return tr("backprop.msg.overflow", k=k, lr=f"{lr:.3g}"), "error"
    if after > before:
        return tr("backprop.msg.loss_up", before=num(before), after=num(after),
                  lr=f"{lr:.3g}"), "warning"
    if lesson.twin is not None:
        nodes, twin = lesson.node_curve[-1]
        return tr("backprop.msg.bloat", k=k, nodes=nodes, twin=twin), "info"
    return tr("backprop.msg.update", k=k), "info"
