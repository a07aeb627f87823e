"""``BackpropWidget``: seed 000's lesson on the Scalar engine, one button per step.

Forward builds the MSE graph of the points, backward adds one pass of gradients into
every node (press it twice: every grad doubles), zero grad resets them, update takes a
gradient step with the learning rate and builds the next forward graph, as the next loop
iteration would. The picture is the annotated graph (forward or backward view, or the
backward pass stepped node by node), a table of a, b, their grads and the loss, and a
small figure: the points with the current line, and per update step the full-batch loss
or, in bloat mode, the size of the graph.

Modes:

- ``'plain'``: the seed's loop, updates change a and b in place.
- ``'accumulate'``: the points are split into ``micro_batches`` parts; each backward
  press runs one part, its loss scaled by (part size / all points), so after one pass
  over every part the grads equal the full batch's. Then update.
- ``'bloat'``: updates are the book's ``model.a -= lr * model.a.grad``, which records
  the update as new graph nodes; an in-place twin of the model takes the same steps, and
  the figure shows both graphs' node counts per step (+4 per update vs constant).

Data: ``points=2`` is seed 000's two points (x1=1.5, y1=1; x2=2, y2=4), so the first
picture is the seed's; ``points=N`` above 2 is the first N of seed 000's 200 normalised
points (``datasets.get('line200')``). ``set_data(x, y)`` uses other points. Changing the
points, the mode or the number of micro-batches starts the lesson over (a = b = 0).

Only the engine computes: this module builds graphs with ``Linear``/``mse`` and calls
``backward``, ``zero_grad`` and ``Linear.update``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import ipywidgets as W

from .. import datasets
from ..autograd import Linear, Scalar, count_nodes, mse
from ..autograd.scalar import backward_order
from ..i18n import get_language, set_language, tr
from ..strings import backprop as _strings  # noqa: F401  (registers the widget's strings)
from ..views.backprop_plots import BackpropFigure
from ..views.dot import fmt
from ..views.graph import KEEP, backward_steps, graph_svg, node_grad
from ..views.render import RendererNotFound, RenderError
from ..views.svg_fit import MIN_TEXT_PX, Box, fit_svg, text_px
from ..views.tables import Row, value_table
from .base import LessonWidget, control_label

__all__ = ["BackpropWidget", "SEED_POINTS", "MODES"]

SEED_POINTS: tuple[tuple[float, float], ...] = ((1.5, 1.0), (2.0, 4.0))
"""Seed 000's two points (x, y)."""
MODES = ("plain", "accumulate", "bloat")
MAX_POINTS = 200
MAX_MICRO = 10
MAX_DRAWN = 40
"""Graphs above this many nodes are drawn collapsed (3 samples and a summary); when even
that would shrink node text below 11 px in the graph's box, fewer samples stay drawn."""
COLLAPSE = ((MAX_DRAWN, KEEP), (0, 2), (0, 1))  # (max_nodes, keep), least collapsed first
GRAPH_BOX = Box(width=700, height=555)  # px at 1280×800, beside the table and figure
SIDE_WIDTH = "390px"  # the column of the table and the figure



def _num(v: float | None) -> str:
    return fmt(v).strip()


class BackpropWidget(LessonWidget):
    """Forward, backward, zero grad and update on seed 000's MSE graph, drawn as you go.

    Controls (ipywidgets): ``forward_button``, ``backward_button``, ``zero_grad_button``,
    ``update_button``, ``reset_button``, ``lr``, ``points``, ``mode``, ``micro_batches``,
    ``view``, ``backward_step`` (the backward pass node by node; only in the backward
    view). Views: ``graph_view`` (the SVG), ``table``, ``image`` (the figure as PNG).
    Results: ``graph_svg`` (latest SVG text), ``figure`` (matplotlib Figure), ``actions``
    (one dict per button press), ``model`` and ``root`` (the engine objects).

    Graph and table always show the same numbers: a grad reads None until a backward
    pass puts something in it; while the pass is stepped through, the values at that
    step; after zero grad, 0 at every node while each edge keeps what it carried.
    """

    def __init__(self, *, points: int = 2, lr: float = 0.1, mode: str = "plain",
                 micro_batches: int = 2, **kwargs: Any) -> None:
        if mode not in MODES:
            raise ValueError(tr("backprop.err.mode", modes=MODES, mode=mode))
        if isinstance(points, bool) or not isinstance(points, int) \
                or not 2 <= points <= MAX_POINTS:
            raise ValueError(tr("backprop.err.points", n=MAX_POINTS, got=points))
        self._lang = get_language()  # every string of this widget stays in this language
        super().__init__(**kwargs)
        self._custom: tuple[list[float], list[float]] | None = None
        self.actions: list[dict[str, Any]] = []
        self.graph_svg = ""
        self.model = Linear()
        self._twin: Linear | None = None
        self.root: Scalar | None = None

        wide = {"description_width": "initial"}
        self.forward_button = W.Button(description=tr("backprop.forward"), icon="arrow-up",
                                       tooltip=tr("backprop.forward_tip"))
        self.backward_button = W.Button(description=tr("backprop.backward"),
                                        icon="arrow-down", button_style="primary",
                                        tooltip=tr("backprop.backward_tip"))
        self.zero_grad_button = W.Button(description=tr("backprop.zero_grad"), icon="eraser",
                                         tooltip=tr("backprop.zero_grad_tip"))
        self.update_button = W.Button(description=tr("backprop.update"), icon="forward",
                                      button_style="success", tooltip=tr("backprop.update_tip"))
        self.reset_button = W.Button(description=tr("backprop.reset"), icon="undo",
                                     tooltip=tr("backprop.reset_tip"))
        self.lr = W.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.05,
                                   readout_format=".3g", description=tr("backprop.lr"),
                                   style=wide)
        self.points = W.IntSlider(value=points, min=2, max=MAX_POINTS,
                                  description=tr("backprop.points"), style=wide)
        for b in (self.forward_button, self.backward_button, self.zero_grad_button,
                  self.update_button, self.reset_button):
            b.layout.width = "auto"
        self.mode = W.ToggleButtons(
            options=[(tr(f"backprop.mode.{m}"), m) for m in MODES], value=mode,
            tooltips=[tr(f"backprop.mode.{m}_tip") for m in MODES],
            style={"button_width": "auto"})
        self.micro_batches = W.IntSlider(value=micro_batches, min=1, max=MAX_MICRO,
                                         description=tr("backprop.micro_batches"), style=wide)
        self.view = W.ToggleButtons(
            options=[(tr("backprop.view.forward"), "forward"),
                     (tr("backprop.view.backward"), "backward")],
            value="forward", style={"button_width": "auto"})
        self.backward_step = W.IntSlider(value=0, min=0, max=0, style=wide, disabled=True,
                                         description=tr("backprop.step"))

        self.graph_view = W.HTML(layout=W.Layout(flex="1 1 0", min_width="260px"))
        self._collapse: tuple[Any, tuple[int, int]] = (None, COLLAPSE[0])
        self.table = W.HTML()
        self.plot = BackpropFigure()
        self.figure = self.plot.figure
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))

        self.forward_button.on_click(lambda _: self.forward())
        self.backward_button.on_click(lambda _: self.backward())
        self.zero_grad_button.on_click(lambda _: self.zero_grad())
        self.update_button.on_click(lambda _: self.update())
        self.reset_button.on_click(lambda _: self.reset())
        for control in (self.points, self.mode, self.micro_batches):
            control.observe(self._on_setup, "value")
        self.lr.observe(self._on_lr, "value")
        self.view.add_class("gdw-view")  # a view switch (the browser tests try each)
        self.view.observe(self._on_view, "value")
        self.backward_step.observe(self._on_step, "value")

        for c in (self.lr, self.points, self.backward_step, self.micro_batches):
            c.layout.width = "290px"
        row = W.Layout(align_items="center", flex_flow="row wrap")
        self.children = (
            W.HBox([self.forward_button, self.backward_button, self.zero_grad_button,
                    self.update_button, self.reset_button, control_label("backprop.view"),
                    self.view, self.lr], layout=row),
            W.HBox([control_label("backprop.mode"), self.mode, self.points,
                    self.backward_step, self.micro_batches], layout=row),
            self.banner,
            # the table and figure go below the graph when both do not fit side by side
            W.HBox([self.graph_view,
                    W.VBox([self.table, self.image],
                           layout=W.Layout(flex=f"0 0 {SIDE_WIDTH}", max_width="100%"))],
                   layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                   grid_gap="12px")),
        )
        self._guard(self._start)

    # ----- public actions ----------------------------------------------------------------
    def forward(self) -> None:
        """Build the graph of the loss (in accumulate mode: of the next micro-batch)."""
        self._act("forward", self._forward)

    def backward(self) -> None:
        """``loss.backward()``: add one pass of gradients into every node's grad."""
        self._act("backward", self._backward)

    def zero_grad(self) -> None:
        """Set every grad of the graph (a and b included) back to 0."""
        self._act("zero_grad", self._zero_grad)

    def update(self) -> None:
        """One gradient-descent step with ``lr``, grads to 0, then the next forward graph."""
        self._act("update", self._update)

    def reset(self) -> None:
        """Start over: a = b = 0, grads 0, empty history, the forward graph."""
        self._guard(self._start)

    def set_data(self, x: Sequence[float], y: Sequence[float]) -> None:
        """Use these points instead of seed 000's (2 to 200 pairs); starts over.

        Bad data shows a message in the widget and keeps the current picture.
        """
        def apply() -> None:
            xs, ys = list(x), list(y)
            if not (2 <= len(xs) <= MAX_POINTS and len(xs) == len(ys)):
                raise ValueError(tr("backprop.err.data_len", n=MAX_POINTS, nx=len(xs),
                                    ny=len(ys)))
            for v in (*xs, *ys):
                if isinstance(v, (str, bytes, bool)) or not _finite(v):
                    raise ValueError(tr("backprop.err.data_value", got=v))
            self._custom = ([float(v) for v in xs], [float(v) for v in ys])
            with self._hold():
                self.points.max = len(xs)
                self.points.value = len(xs)
            self._start()

        self._guard(apply)

    # ----- state ----------------------------------------------------------------------
    def _source(self) -> tuple[str, list[float], list[float]]:
        """Where the points come from: its name and all of its x and y."""
        if self._custom is not None:
            return ("custom", *self._custom)
        if self.points.value == 2:
            return "seed", [p[0] for p in SEED_POINTS], [p[1] for p in SEED_POINTS]
        d = _line200()
        return "line200", d[0], d[1]

    def _data(self) -> list[tuple[Scalar, Scalar]]:
        """The current points (the first N of the source) as labelled data nodes."""
        n = self.points.value
        _, xs, ys = self._source()
        return [(Scalar(xv, label=f"x{i + 1}", requires_grad=False),
                 Scalar(yv, label=f"y{i + 1}", requires_grad=False))
                for i, (xv, yv) in enumerate(zip(xs[:n], ys[:n]))]

    def _parts(self) -> list[tuple[int, int]]:
        """(start, stop) of each micro-batch (one part unless accumulating)."""
        n = len(self._pairs)
        k = self.micro_batches.value if self.mode.value == "accumulate" else 1
        k = max(1, min(k, n))
        return [(j * n // k, (j + 1) * n // k) for j in range(k)]

    def _start(self) -> None:
        """A new experiment: fresh model (and in-place twin in bloat mode), the forward graph."""
        self._pairs = self._data()
        with self._hold():
            self.micro_batches.max = min(MAX_MICRO, len(self._pairs))
            self.micro_batches.disabled = self.mode.value != "accumulate"
            self.micro_batches.layout.display = "" if self.mode.value == "accumulate" else "none"
        self.model = Linear()
        self._twin = Linear() if self.mode.value == "bloat" else None
        self.actions = []
        self._updates = 0
        self._micro = 0  # index of the micro-batch of the current graph
        self._accumulated = 0  # micro-batch passes since the last update or zero grad
        self._passes = 0  # backward passes on the current graph
        self._loss_curve: list[float] = []
        self._node_curve: list[tuple[int, int]] = []
        self._prev: dict[str, Any] | None = None
        self._build()
        self._record_step()
        self._record("reset")
        self._show("forward")
        self.say(tr("backprop.msg.forward", a=_num(self.model.a.value),
                    b=_num(self.model.b.value)))
        self._redraw(figure=True)

    def _build(self) -> None:
        """The graph of the loss of the current micro-batch (all points unless accumulating)."""
        parts = self._parts()
        start, stop = parts[self._micro % len(parts)]
        loss = mse([self.model.error(x, y) for x, y in self._pairs[start:stop]])
        n = len(self._pairs)
        if stop - start < n:  # a micro-batch: its share of the full-batch mean
            loss = loss * Scalar((stop - start) / n, label=f"{stop - start}/{n}",
                                 requires_grad=False)
        self.root = loss
        self._passes = 0

    def _full_loss(self) -> float:
        if len(self._parts()) == 1 and self.root is not None:
            return self.root.value
        return mse([self.model.error(x, y) for x, y in self._pairs]).value

    def _twin_nodes(self) -> int:
        t = self._twin
        return count_nodes(mse([t.error(x, y) for x, y in self._pairs])) if t else 0

    def _record_step(self) -> None:
        """One point of the figure's second panel (after a reset or an update)."""
        self._loss_curve.append(self._full_loss())
        if self._twin is not None:
            self._node_curve.append((count_nodes(self.root), self._twin_nodes()))

    def _snapshot(self) -> dict[str, Any]:
        m, root = self.model, self.root
        k = len(self._parts())
        return {
            "step": self._updates,
            "a": m.a.value, "b": m.b.value,
            "a_grad": m.a.grad, "b_grad": m.b.grad,
            "loss": root.value if root is not None else None,
            "full_loss": self._full_loss(),
            "nodes": count_nodes(root) if root is not None else 0,
            "nodes_in_place": self._node_curve[-1][1] if self._twin is not None else None,
            "micro_batch": (self._micro % k) + 1 if k > 1 else None,
            "passes": self._passes,
            "shown": self._shown_grads(),
        }

    def _shown_grads(self) -> tuple[float | None, float | None]:
        """a's and b's grads as the graph shows them now (view, backward step)."""
        view, step = self.view.value, self._graph_step()
        if step is None:
            return node_grad(self.model.a, view), node_grad(self.model.b, view)
        reached = set(backward_order(self.root)[:step])
        return tuple(node_grad(p, view, p in reached) for p in (self.model.a, self.model.b))

    def _graph_step(self) -> int | None:
        """The backward step the graph shows (None: the whole pass or the forward view)."""
        s = self.backward_step
        if self.view.value == "backward" and self._passes and s.value < s.max:
            return s.value
        return None

    def _full_grads(self) -> tuple[float, float]:
        """d loss / d a and d loss / d b on all the points, at the current a and b
        (computed on a copy: the model's grads are untouched)."""
        ref = Linear()
        ref.a.value, ref.b.value = self.model.a.value, self.model.b.value
        mse([ref.error(x, y) for x, y in self._pairs]).backward()
        return ref.a.grad, ref.b.grad

    def _record(self, action: str) -> None:
        self.actions.append({"action": action, **self._snapshot()})

    # ----- engine calls ---------------------------------------------------------------
    def _forward(self) -> None:
        if self._passes and len(self._parts()) > 1:
            self._micro += 1  # this micro-batch is done: build the next one
        self._build()
        self._show("forward")
        self.say(tr("backprop.msg.forward", a=_num(self.model.a.value),
                    b=_num(self.model.b.value)))

    def _backward(self) -> None:
        k = len(self._parts())
        if k > 1 and self._passes:
            self._micro += 1
            self._build()
        self.root.backward()
        self._passes += 1
        self._show("backward")
        if k > 1:
            self._accumulated += 1
            done = self._accumulated
            if done == k:
                fa, fb = self._full_grads()
                m = self.model
                self.say(tr("backprop.msg.micro_done", k=k, ga=_num(m.a.grad),
                            gb=_num(m.b.grad), fa=_num(fa), fb=_num(fb)))
            elif done > k:
                self.say(tr("backprop.msg.micro_over", done=done, k=k), "warning")
            else:
                w = self.root.children[1].value
                self.say(tr("backprop.msg.micro", j=self._micro % k + 1, k=k,
                            w=_num(w), done=done))
        elif self._passes > 1:
            self.say(tr("backprop.msg.again", n=self._passes), "warning")
        else:
            self.say(tr("backprop.msg.backward"))

    def _zero_grad(self) -> None:
        if self.root is not None:
            self.root.zero_grad()
        self.model.a.grad = 0.0
        self.model.b.grad = 0.0
        self._passes = 0
        self._accumulated = 0
        self._show("backward")  # where the zeros show, beside what the edges carried
        self.say(tr("backprop.msg.zero"))

    def _update(self) -> bool:
        m, lr = self.model, self.lr.value
        if m.a.grad == 0.0 and m.b.grad == 0.0:
            self.say(tr("backprop.msg.no_grad"), "warning")
            return False
        before = self._loss_curve[-1] if self._loss_curve else self._full_loss()
        old = (m.a, m.b)
        if self._twin is not None:  # the same step, in place
            self._twin.a.grad, self._twin.b.grad = m.a.grad, m.b.grad
            self._twin.update(lr, in_place=True)
        m.update(lr, in_place=self._twin is None)
        self._updates += 1
        if self._twin is not None:  # the book's way: the old a and b stay in the graph
            for name, p in zip("ab", old):
                p.label = tr("backprop.old", name=name, k=self._updates)
        self._micro = 0
        self._accumulated = 0
        self._build()
        self._record_step()
        self._show("forward")
        after = self._loss_curve[-1]
        k = self._updates
        if not all(_finite(v) for v in (m.a.value, m.b.value, after)):
            self.say(tr("backprop.msg.overflow", k=k, lr=f"{lr:.3g}"), "error")
        elif after > before:
            self.say(tr("backprop.msg.loss_up", before=_num(before), after=_num(after),
                        lr=f"{lr:.3g}"), "warning")
        elif self._twin is not None:
            nodes, twin = self._node_curve[-1]
            self.say(tr("backprop.msg.bloat", k=k, nodes=nodes, twin=twin))
        else:
            self.say(tr("backprop.msg.update", k=k))
        return True

    # ----- controls -------------------------------------------------------------------
    def _guard(self, update: Callable[[], None]) -> bool:
        """Every redraw runs here: in the language the widget was built in, so a later
        ``set_language`` call does not turn half of this widget's strings."""
        current = get_language()
        if current == self._lang:
            return super()._guard(update)
        set_language(self._lang)
        try:
            return super()._guard(update)
        finally:
            set_language(current)

    def _show(self, view: str) -> None:
        """Point the view and step controls at the current graph."""
        n = backward_steps(self.root) if self.root is not None else 0
        with self._hold():
            self.view.value = view
            self.backward_step.max = n
            self.backward_step.value = n
        self._enable_step()

    def _enable_step(self) -> None:
        """The backward-step slider works only on a backward pass, in the backward view."""
        self.backward_step.disabled = not self._passes or self.view.value != "backward"

    def _act(self, action: str, run: Callable[[], bool | None]) -> None:
        def go() -> None:
            before = self._snapshot()
            if run() is False:  # nothing happened (the message says why)
                return
            self._prev = before
            self._record(action)
            self._redraw(figure=action in ("update", "forward", "backward"))

        self._guard(go)

    def _on_setup(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._guard(self._start)

    def _on_lr(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._guard(lambda: self._redraw(graph=False))

    def _on_view(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._enable_step()
            self._guard(self._redraw)

    def _on_step(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return

        def go() -> None:
            if not self._passes:
                raise ValueError(tr("backprop.err.no_pass"))
            with self._hold():
                self.view.value = "backward"
            self._enable_step()
            n, s = self.backward_step.max, self.backward_step.value
            if s < n:
                self.say(tr("backprop.msg.step", s=s, n=n))
            else:
                self.say(tr("backprop.msg.backward"))
            self._redraw()

        self._guard(go)

    # ----- views ----------------------------------------------------------------------
    def _redraw(self, graph: bool = True, table: bool = True, figure: bool = False) -> None:
        """Bring the views up to date, then the static copy for saved notebooks."""
        if graph:
            self._draw_graph()
        if table:
            self.table.value = self._table_html()
        if figure:
            self._draw_figure()
        self._refresh_static()

    def _draw_graph(self) -> None:
        view, step = self.view.value, self._graph_step()
        params = (self.model.a, self.model.b) if self._twin is not None else None
        try:
            svg = ""
            # collapse repeated samples further until node text stays readable in the box;
            # the choice is kept for this graph and view, so new numbers only relabel
            key = (id(self.root), view)
            tries = [self._collapse[1]] if self._collapse[0] == key else COLLAPSE
            for max_nodes, keep in tries:
                svg = graph_svg(self.root, view, step=step, max_nodes=max_nodes, keep=keep,
                                params=params)
                if text_px(svg, GRAPH_BOX) >= MIN_TEXT_PX:
                    break
            self._collapse = (key, (max_nodes, keep))
        except (RendererNotFound, RenderError) as e:
            self.say(str(e), "error")  # keep the last picture
            return
        self.graph_svg = svg
        self.graph_view.value = fit_svg(svg, GRAPH_BOX)

    def _table_html(self) -> str:
        """a, b, their grads as the graph shows them, the loss, counters, lr: the values
        the last action changed read ``before → now``."""
        now = self._snapshot()
        prev = self._prev or now
        k = len(self._parts())
        (ga, gb), (pa, pb) = now["shown"], prev["shown"]
        rows = [_row("a", now["a"], prev["a"]), _row("b", now["b"], prev["b"]),
                _row("a.grad", ga, pa), _row("b.grad", gb, pb)]
        if k > 1:  # the accumulated grads beside the full batch's, the micro-batch's loss
            fa, fb = self._full_grads()
            w = self.root.children[1].value
            same = now["micro_batch"] == prev["micro_batch"]  # compare like with like
            rows += [Row(tr("backprop.full_grad", name="a"), _num(fa), ref=True),
                     Row(tr("backprop.full_grad", name="b"), _num(fb), ref=True),
                     _row(tr("backprop.loss_micro", j=now["micro_batch"], k=k, w=_num(w)),
                          now["loss"], prev["loss"] if same else now["loss"]),
                     _row(tr("backprop.full_loss"), now["full_loss"], prev["full_loss"])]
        else:
            rows.append(_row(tr("backprop.loss"), now["loss"], prev["loss"]))
        rows.append(_row(tr("backprop.nodes"), now["nodes"], prev["nodes"]))
        if now["nodes_in_place"] is not None:
            rows.append(_row(tr("backprop.nodes_in_place"), now["nodes_in_place"],
                             prev["nodes_in_place"]))
        rows += [Row(tr("backprop.passes"), str(now["passes"])),
                 _row(tr("backprop.updates"), now["step"], prev["step"]),
                 Row(tr("backprop.lr"), f"{self.lr.value:.3g}")]
        return value_table(rows)

    def _draw_figure(self) -> None:
        """Points and line (left), loss or graph size per update step (right)."""
        name, xs, ys = self._source()
        parts = self._parts()
        self.plot.set_source(name, xs, ys, self.mode.value, len(parts))
        part: list[tuple[float, float]] = []
        groups: list[int] | None = None
        if len(parts) > 1:  # which micro-batch each point belongs to, the current ringed
            start, stop = parts[self._micro % len(parts)]
            part = [(x.value, y.value) for x, y in self._pairs[start:stop]]
            groups = [j for j, (lo, hi) in enumerate(parts) for _ in range(lo, hi)]
        if self._twin is not None:
            curve = [n for n, _ in self._node_curve]
            twin: list[float] | None = [t for _, t in self._node_curve]
        else:
            curve, twin = self._loss_curve, None
        self.plot.show([(x.value, y.value) for x, y in self._pairs], part,
                       (self.model.a.value, self.model.b.value), curve, twin, groups)
        self._png = self.plot.png()
        self.image.value = self._png

    # ----- saved notebooks ------------------------------------------------------------
    def static_html(self) -> str:
        """The graph SVG, the table and the figure as plain HTML."""
        png = getattr(self, "_png", None)
        img = self.png_tag(png, "figure") if png else ""
        return ('<div style="display:flex;gap:12px;align-items:flex-start;flex-wrap:wrap">'
                f"<div style='flex:1 1 0;min-width:260px'>{fit_svg(self.graph_svg, GRAPH_BOX)}"
                f"</div><div style='flex:0 0 {SIDE_WIDTH};max-width:100%'>{self.table.value}"
                f"{img}</div></div>")


@cache
def _line200() -> tuple[list[float], list[float]]:
    d = datasets.get("line200")
    return d.x.tolist(), d.y.tolist()


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError, OverflowError):
        return False


def _text(v: Any) -> str:
    """A table value: numbers as in the graph (``None`` for a grad with nothing in it)."""
    if v is None:
        return "None"
    if isinstance(v, int):
        return str(v)
    return _num(v)


def _row(name: str, now: Any, before: Any) -> Row:
    return Row(name, _text(now), _text(before))
