"""Draw a Scalar computation graph, forward or backward, as in seed 000.

``draw_graph(loss)`` draws the forward graph bottom-to-top (a grad reads ``None`` until a
backward pass puts something in it);
``draw_graph(loss, 'backward')`` draws it top-to-bottom with node grads and every edge
labelled with the gradient it carried in the latest backward pass; nodes that received
gradient in that pass are highlighted, so a second ``loss.backward()`` visibly doubles
them. ``backward_step=k`` shows the backward pass after its first ``k`` nodes.

Big graphs are collapsed: when a node has many structurally identical inputs (the
per-sample errors under ``mse``, or the terms of a ``+`` chain), the first few are drawn
and the rest become one node "… and 196 more samples like this". Everything here is
iterative and linear in the size of the graph.

This module checks the arguments; the work is done in three rooms: plan.py (what
to draw), picture.py (the boxes and numbers), drawing.py (rendering).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from ...autograd import Scalar, backward_order
from ...i18n import register, tr
from ...renames import renamed
from . import plan as graph_plan
from . import relabel
from .drawing import GraphDrawing
from .picture import node_grad, picture
from .plan import KEEP, MAX_NODES
from .render import clear_cache as clear_render_cache

__all__ = [
    "draw_graph", "graph_svg", "backward_steps", "node_grad", "clear_cache", "GraphDrawing",
    "MAX_NODES", "KEEP", "MAX_DRAWN",
]

register(
    {
        "graph.bad_mode": (
            "mode must be 'forward' or 'backward', got {mode!r}",
            "mode 只能是 'forward' 或 'backward',收到的是 {mode!r}",
        ),
        "graph.bad_keep": ("keep must be a whole number from 1 on, got {keep!r}",
                           "keep 必须是不小于 1 的整数，收到的是 {keep!r}"),
        "graph.bad_max_nodes": ("max_nodes must be a whole number from 0 on, got {got!r}",
                                "max_nodes 必须是不小于 0 的整数，收到的是 {got!r}"),
        "graph.bad_full": ("full must be True or False, got {got!r}",
                           "full 只能是 True 或 False，收到的是 {got!r}"),
        "graph.too_big": (
            "this drawing would have {n} boxes ({total} nodes in the graph), more than the "
            "{limit} a layout can take in reasonable time: leave full=False (repeated "
            "samples are collapsed above max_nodes={max_nodes}) or draw a smaller graph",
            "这张图会有 {n} 个方框（计算图共 {total} 个节点），超过了能在合理时间内排版的 "
            "{limit} 个：请保持 full=False（超过 max_nodes={max_nodes} 时会折叠重复的样本），"
            "或者画一个更小的计算图",
        ),
        "graph.bad_step": (
            "backward_step must be a whole number between 0 and {n} (the number of nodes "
            "in the backward pass), got {step!r}",
            "backward_step 必须是 0 到 {n}（反向传播经过的节点数）之间的整数，收到的是 {step!r}",
        ),
        "graph.step_mode": (
            "backward_step needs mode='backward', got mode={mode!r}",
            "backward_step 只能与 mode='backward' 一起使用，收到的是 mode={mode!r}",
        ),
    }
)

Mode = Literal["forward", "backward"]
MAX_DRAWN = 3000
"""Most boxes one drawing may have: dot lays out 2000 in about 2 s, 5000 in 15 s."""


def clear_cache() -> None:
    """Forget memoised plans and rendered SVG (benchmarks: time the whole work)."""
    graph_plan.clear_cache()
    clear_render_cache()
    relabel.clear_cache()


def backward_steps(root: Scalar) -> int:
    """Number of nodes of the backward pass: ``backward_step`` runs from 0 to this."""
    return len(backward_order(root))


@renamed(("a step is an update; this counts nodes of the backward pass",
          "step 指一次参数更新；这里数的是反向传播经过的节点"), step="backward_step")
def draw_graph(
    root: Scalar,
    mode: Mode = "forward",
    *,
    backward_step: int | None = None,
    max_nodes: int = MAX_NODES,
    full: bool = False,
    keep: int = KEEP,
    params: Sequence[Scalar] | None = None,
) -> GraphDrawing:
    """Draw the computation graph of ``root`` as a ``graphviz.Digraph``.

    ``mode='forward'`` (bottom to top, grads ``None`` until a pass fills them) or
    ``'backward'`` (top to bottom, grads and the gradient each edge carried in the latest
    pass; nodes that received gradient highlighted). ``backward_step=k`` (backward only): the pass
    after its first ``k`` nodes, ``0 <= k <= backward_steps(root)``. Graphs above
    ``max_nodes`` nodes have repeated per-sample subgraphs collapsed (``keep`` samples of
    each stay drawn); ``full=True`` draws every node. ``params``: the model's current
    parameters, drawn bold (default: every leaf that needs a gradient); other labelled
    nodes that need one are drawn as earlier copies (graph bloat). A drawing of more than
    ``MAX_DRAWN`` boxes is refused (ValueError saying what to do instead).
    """
    if mode not in ("forward", "backward"):
        raise ValueError(tr("graph.bad_mode", mode=mode))
    step = backward_step
    if step is not None:
        if mode != "backward":
            raise ValueError(tr("graph.step_mode", mode=mode))
        n = backward_steps(root)
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= n:
            raise ValueError(tr("graph.bad_step", n=n, step=step))
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ValueError(tr("graph.bad_keep", keep=keep))
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 0:
        raise ValueError(tr("graph.bad_max_nodes", got=max_nodes))
    if not isinstance(full, bool):
        raise ValueError(tr("graph.bad_full", got=full))
    plan = graph_plan.plan_for(root, max_nodes, full, keep)
    boxes = len(plan.visible) + len(plan.groups)
    if boxes > MAX_DRAWN:
        raise ValueError(tr("graph.too_big", n=boxes, total=len(plan.nodes), limit=MAX_DRAWN,
                            max_nodes=min(max_nodes, MAX_NODES)))
    ids = None if params is None else frozenset(map(id, params))
    return GraphDrawing.from_picture(picture(plan, mode, step, ids), mode)


def graph_svg(root: Scalar, mode: Mode = "forward", **kwargs: Any) -> str:
    """``draw_graph(root, mode, **kwargs)`` as SVG text."""
    return draw_graph(root, mode, **kwargs).svg()
