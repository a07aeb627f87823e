"""``BackpropWidget``: seed 000's lesson on the Scalar engine, one button per step.

The lesson's state lives in :mod:`.backprop_lesson` (only the engine computes), its
pictures in ``views/`` (graph, table, figure); this module wires controls to them and
says in the banner what each press did.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from ..autograd import Linear, Scalar, backward_order
from ..i18n import tr
from ..settings import docstring, here, signature
from ..strings import backprop as _strings  # noqa: F401  (registers the widget's strings)
from ..views.figures.backprop import BackpropFigure
from ..views.graphs.backprop import GRAPH_BOX, FittedGraph
from ..views.graphs.graph import backward_steps, node_grad
from ..views.graphs.render import RendererNotFound, RenderError
from ..views.graphs.svg_fit import fit_svg
from ..views.tables.backprop import backprop_table
from .backprop_lesson import (
    SEED_POINTS,
    Lesson,
    after_backward,
    after_forward,
    after_update,
    data_nodes,
    own_points,
    source,
)
from .base import LessonWidget, control_label
from .controls import control_for, lr_slider

__all__ = ["BackpropWidget", "SEED_POINTS", "MODES"]

SPEC = here("backprop")  # points, lr, mode, micro_batches: defaults and ranges
MODES: tuple[str, ...] = SPEC["mode"].allowed
MAX_POINTS = int(SPEC["points"].hi)
MAX_MICRO = int(SPEC["micro_batches"].hi)
SIDE_WIDTH = "390px"  # the column of the table and the figure
MAX_ACTIONS = 1000  # ``actions`` keeps the latest presses: a long lesson does not grow


class BackpropWidget(LessonWidget):
    """Forward, backward, zero grad and update on seed 000's MSE graph, drawn as you go.

    Forward builds the MSE graph of the points; backward adds one pass of gradients into
    every node (press it twice: every grad doubles); zero grad resets them; update takes
    a gradient step and builds the next forward graph, as the next loop iteration would.

    Changing points, mode or micro_batches starts the lesson over (a = b = 0), as does
    ``start_again()``; ``reset_settings()`` also puts the controls back as built;
    ``save(path)`` writes the graph (``view='figure'``: the figure) as PNG or SVG.

    Controls (ipywidgets): ``forward_button``, ``backward_button``, ``zero_grad_button``,
    ``update_button``, ``start_again_button``, ``reset_settings_button``, ``save_button``,
    ``lr``, ``points``, ``mode``, ``micro_batches``, ``view``, ``backward_step`` (the
    backward pass node by node; only in the backward view). Views: ``graph_view`` (the
    SVG), ``table``, ``image`` (the figure as PNG). Results: ``graph_svg`` (latest SVG
    text), ``figure`` (matplotlib Figure), ``actions`` (one dict per button press, the
    latest 1000), ``model`` and ``root`` (the engine objects).

    One rule for None and 0: the forward graph shows no grads (None); the backward graph
    and the table show a node's grad (0 after zero grad or an update; while the pass is
    stepped through, the values at that step), None where no pass has reached.
    """

    _place = "backprop"

    def __init__(self, **settings: Any) -> None:
        """Check every setting (ValueError naming a bad one), then the seed's first graph."""
        s, box = self._checked(settings)
        points, lr, mode, micro_batches = (s[k] for k in ("points", "lr", "mode", "micro_batches"))
        self._custom: tuple[str, list[float], list[float]] | None = None
        if s["dataset"] is not None:  # the user's points instead of seed 000's
            self._custom = own_points(s["dataset"], MAX_POINTS)
            points = len(self._custom[1])
        self._built_custom = self._custom  # reset_settings() goes back to these points
        super().__init__(**box)
        self.actions: list[dict[str, Any]] = []
        self.graph_svg = ""

        wide = {"description_width": "initial"}
        self.forward_button = _button("forward", "arrow-up")
        self.backward_button = _button("backward", "arrow-down", "primary")
        self.zero_grad_button = _button("zero_grad", "eraser")
        self.update_button = _button("update", "forward", "success")
        self.start_again_button = _button("start_again", "fast-backward")
        self.lr = lr_slider(lr, SPEC["lr"].lo, SPEC["lr"].hi, tr("backprop.lr"),
                            readout_format=".3g", style=wide)
        self.points = control_for(SPEC["points"], points, tr("backprop.points"), style=wide)
        self.mode = control_for(SPEC["mode"], mode, "", "backprop.mode.", buttons=True,
                                tooltips=[tr(f"backprop.mode.{m}_tip") for m in MODES],
                                style={"button_width": "auto"})
        self.micro_batches = control_for(SPEC["micro_batches"], micro_batches,
                                         tr("backprop.micro_batches"), style=wide)
        self.view = W.ToggleButtons(
            options=[(tr("backprop.view.forward"), "forward"),
                     (tr("backprop.view.backward"), "backward")],
            value="forward", style={"button_width": "auto"})
        self.backward_step = W.IntSlider(value=0, min=0, max=0, style=wide, disabled=True,
                                         description=tr("backprop.step"))

        self.graph_view = W.HTML(layout=W.Layout(flex="1 1 0", min_width="260px"))
        self._graph = FittedGraph(GRAPH_BOX)
        self.table = W.HTML()
        self.plot = BackpropFigure()
        self.figure = self.plot.figure
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))

        for button, act in ((self.forward_button, self.forward),
                            (self.backward_button, self.backward),
                            (self.zero_grad_button, self.zero_grad),
                            (self.update_button, self.update),
                            (self.start_again_button, self.start_again)):
            button.on_click(lambda _, act=act: act())
        for control in (self.points, self.mode, self.micro_batches):
            control.observe(self._on_setup, "value")
        self.lr.observe(self._on_lr, "value")
        self.view.add_class("gdw-view")  # a view switch (the browser tests try each)
        self.view.observe(self._on_view, "value")
        self.backward_step.observe(self._on_step, "value")

        for c in (self.lr, self.points, self.backward_step, self.micro_batches):
            c.layout.width = "290px" if c is self.lr else "235px"  # row 2: one row
        for b in self._teacher_buttons():  # icons (names in their tooltips): row 1 fits
            b.description, b.layout.width = "", "36px"
        row = W.Layout(align_items="center", flex_flow="row wrap")
        self.children = (
            W.HBox([self.forward_button, self.backward_button, self.zero_grad_button,
                    self.update_button, self.start_again_button,
                    control_label("backprop.view"), self.view, self.lr,
                    *self._teacher_buttons()], layout=row),
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

    def start_again(self) -> None:
        """Start over with these settings: a = b = 0, grads 0, no actions, forward graph."""
        self._guard(self._start)

    def _rebuild(self) -> None:  # reset_settings(): the built points too
        self._custom = self._built_custom
        self._start()

    def _views_shown(self) -> list[str]:
        return ["graph", "figure"]  # side by side, the graph first

    def set_data(self, x: Sequence[float], y: Sequence[float]) -> None:
        """Use these points instead of seed 000's (2 to 200 pairs); starts over. Bad data
        shows a message in the widget and keeps the current picture."""
        def apply() -> None:
            self._custom = own_points((x, y), MAX_POINTS)
            with self._hold():
                self.points.max = self.points.value = len(self._custom[1])
            self._start()

        self._guard(apply)

    # ----- state ----------------------------------------------------------------------
    @property
    def model(self) -> Linear:
        """The engine's ``Linear`` being trained (a and b)."""
        return self.lesson.model

    @property
    def root(self) -> Scalar:
        """The loss graph on screen."""
        return self.lesson.root

    def _source(self) -> tuple[str, list[float], list[float]]:
        """Where the points come from: its name and all of its x and y."""
        return self._custom or source(self.points.value)

    def _start(self) -> None:
        """A new experiment: fresh model (and in-place twin in bloat mode), the forward graph."""
        mode = self.mode.value
        points = data_nodes(*self._source()[1:], self.points.value)
        with self._hold():
            self.micro_batches.max = min(MAX_MICRO, len(points))
            self.micro_batches.disabled = mode != "accumulate"
            self.micro_batches.layout.display = "" if mode == "accumulate" else "none"
        parts = self.micro_batches.value if mode == "accumulate" else 1
        self.lesson = Lesson(points, parts, bloat=mode == "bloat")
        self.actions = []
        self._prev: dict[str, Any] | None = None
        self._record("reset")
        self._show("forward")
        self.say(*after_forward(self.lesson))
        self._redraw(figure=True)

    def _snapshot(self) -> dict[str, Any]:
        return {**self.lesson.snapshot(), "shown": self._shown_grads()}

    def _shown_grads(self) -> tuple[float | None, float | None]:
        """a's and b's grads as the backward view shows them (the table, in either view)."""
        step, params = self._graph_step(), (self.model.a, self.model.b)
        if step is None:
            return node_grad(params[0], "backward"), node_grad(params[1], "backward")
        reached = set(backward_order(self.root)[:step])
        return tuple(node_grad(p, "backward", p in reached) for p in params)

    def _graph_step(self) -> int | None:
        """The backward step the graph shows (None: the whole pass or the forward view)."""
        s = self.backward_step
        if self.view.value == "backward" and self.lesson.passes and s.value < s.max:
            return s.value
        return None

    def _record(self, action: str) -> None:
        self.actions.append({"action": action, **self._snapshot()})
        del self.actions[:-MAX_ACTIONS]

    # ----- the buttons: the lesson acts, the banner says what happened -----------------
    def _forward(self) -> None:
        self.lesson.forward()
        self._show("forward")
        self.say(*after_forward(self.lesson))

    def _backward(self) -> None:
        lesson = self.lesson
        lesson.backward()
        self._show("backward")
        self.say(*after_backward(lesson))

    def _zero_grad(self) -> None:
        self.lesson.zero_grad()
        self._show("backward")  # where the zeros show, beside what the edges carried
        self.say(tr("backprop.msg.zero"))

    def _update(self) -> bool:
        lesson, lr = self.lesson, self.lr.value
        before = lesson.loss_curve[-1]
        old = lesson.update(lr)
        if old is None:
            self.say(tr("backprop.msg.no_grad"), "warning")
            return False
        k = lesson.updates
        if lesson.twin is not None:  # the book's way: the old a and b stay in the graph
            for name, p in zip("ab", old):
                p.label = tr("backprop.old", name=name, k=k)
        self._show("forward")
        self.say(*after_update(lesson, before, lr))
        return True

    # ----- controls -------------------------------------------------------------------
    def _show(self, view: str) -> None:
        """Point the view and step controls at the current graph."""
        n = backward_steps(self.root)
        with self._hold():
            self.view.value = view
            self.backward_step.max = n
            self.backward_step.value = n
        self._enable_step()

    def _enable_step(self) -> None:
        """The backward-step slider works only on a backward pass, in the backward view."""
        self.backward_step.disabled = not self.lesson.passes or self.view.value != "backward"

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
        if self._quiet:
            return

        def go() -> None:
            self._enable_step()
            if change["new"] == "forward":
                self.say(*after_forward(self.lesson))
            else:
                self.say(tr("backprop.msg.backward"))
            self._redraw()

        self._guard(go)

    def _on_step(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return

        def go() -> None:
            if not self.lesson.passes:
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
        params = (self.model.a, self.model.b) if self.lesson.twin is not None else None
        try:
            svg = self._graph.svg(self.root, self.view.value, self._graph_step(), params)
        except (RendererNotFound, RenderError) as e:
            self.say(str(e), "error")  # keep the last picture
            return
        self.graph_svg = svg
        self.graph_view.value = fit_svg(svg, GRAPH_BOX)

    def _table_html(self) -> str:
        lesson = self.lesson
        now = self._snapshot()
        full = lesson.full_grads() if lesson.parts > 1 else None
        return backprop_table(now, self._prev or now, self.lr.value, lesson.parts, full,
                              lesson.weight)

    def _draw_figure(self) -> None:
        """Points and line (left), loss or graph size per update step (right)."""
        lesson = self.lesson
        name, xs, ys = self._source()
        self.plot.set_source(name, xs, ys, self.mode.value, lesson.parts)
        points, part, groups, curve, twin = lesson.figure_data()
        self.plot.show(points, part,
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


def _button(key: str, icon: str, style: str = "") -> W.Button:
    return W.Button(description=tr(f"backprop.{key}"), icon=icon, button_style=style,
                    tooltip=tr(f"backprop.{key}_tip"), layout=W.Layout(width="auto"))


BackpropWidget.__doc__ = docstring("backprop", BackpropWidget.__doc__ or "")
BackpropWidget.__signature__ = signature(  # type: ignore[attr-defined]
    "backprop", inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
