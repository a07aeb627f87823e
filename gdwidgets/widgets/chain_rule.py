"""ChainRuleWidget: seed 003's two-layer chain a2*(a1*x + b1) + b2, its gradients by the
chain rule next to autograd's, for any step of a mini-batch run."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import numpy as np
from traitlets import TraitError, validate

from ..data import as_dataset
from ..i18n import register, tr
from ..settings import docstring, here, signature
from ..training.checks import check
from ..views.figures.chain_rule import ChainRulePlot, chain_table_html, samples_table_html
from ..views.graphs.svg_fit import Box, fit_svg, full_svg
from .base import LessonWidget, control_label
from .controls import control_for, lr_slider
from .playback import StepViews
from .rates import fixed_rates, slider_value

if TYPE_CHECKING:
    from ..training import History, Session

__all__ = ["ChainRuleWidget", "StrictIntSlider"]

register({
    "chainw.dataset": ("data", "数据"),
    "chainw.lr": ("learning rate", "学习率"),  # as RegressionWidget and BackpropWidget
    "chainw.epochs": ("epochs", "轮数"),
    "chainw.batch_size": ("batch size", "批大小"),
    "chainw.step": ("step", "步数"),  # as RegressionWidget's step
    "chainw.graph": ("Autograd graph of this update's loss", "本次更新的损失的自动求导计算图"),
    "chainw.show": ("show", "显示"),
    "chainw.show_chain": ("chain rule", "链式法则"),
    "chainw.show_batch": ("the batch, point by point", "逐点查看批次"),
    "chainw.show_graph": ("autograd graph", "自动求导计算图"),
    "chainw.full_size": ("full size", "原始大小"),
})

GRAPH_BOX = Box(width=1090, height=470)  # px at 1280×800: the place of plots and table
STYLE = {"description_width": "initial"}


class StrictIntSlider(W.IntSlider):
    """An IntSlider that does not silently clamp a value set from Python: the widget checks
    it and says what is allowed (in the browser the handle stays within min..max)."""

    @validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        return proposal["value"]

    @validate("max")
    def _validate_max(self, proposal: Any) -> Any:
        if proposal["value"] < self.min:
            raise TraitError("setting max < min")
        return proposal["value"]


class ChainRuleWidget(StepViews, LessonWidget):
    """Train y = a2*(a1*x + b1) + b2 with mini-batches (seed 003) and look at any step:
    the gradient of each parameter as a chain of factors, by hand and by autograd.

    Controls (``w.lr = 0.002`` sets one): ``dataset``, ``lr``, ``epochs``, ``batch_size``,
    ``step`` (updates done: 0 before training, k after the k-th; the views show the
    gradient of the next update, of the last one at the end; with ``play``, a
    kernel-driven ▶), ``show_view`` (chain-rule table, the batch's table or the graph, in
    one place) and ``full_size`` (the graph at 100 %).
    Views: ``image`` (the ``figure``: fit at the step, loss per step), ``table`` (the
    chain rule), ``samples_table`` (the batch, point by point), ``graph_view``
    (``graph_svg``); latest state: ``history``, ``session``, ``chains`` (the shown
    update's :class:`~gdwidgets.training.chain_rule.ParamChain` per parameter).
    ``reset_settings()`` goes back to the settings it was built with, ``save(path)``
    writes the view shown as PNG or SVG (the buttons **reset settings** and **save view**).
    """

    _place = "chain_rule"
    _one_input = True
    _views = {"chain": ("chainw.show_chain", ("image", "table")),  # show_view: (label, shown)
              "batch": ("chainw.show_batch", ("image", "samples_table")),
              "graph": ("chainw.show_graph", ("graph_box",))}

    def __init__(self, **settings: Any) -> None:
        """Check every setting (ValueError naming a bad one), train, draw."""
        s, box = self._checked(settings)
        spec = here(self._place)
        name = self._take_data(s["dataset"])  # one input only (see _one_input)
        n = len(as_dataset(self._data_of(name)))
        batch = check(spec["batch_size"], s["batch_size"], hi=n) or n
        steps = s["epochs"] * -(-n // batch)
        step = check(spec["step"], s["step"], hi=steps)
        super().__init__(**box)
        self._normalize, self._seed = s["normalize"], s["seed"]
        self._take_settings(s)
        self._rates = s["lr"] if isinstance(s["lr"], dict) else None  # fixed per parameter
        lr = slider_value(self._rates, spec["lr"].lo, spec["lr"].hi) if self._rates else s["lr"]
        self.dataset = W.Dropdown(options=self._data_names(), value=name,
                                  description=tr("chainw.dataset"), style=STYLE)
        self.lr = lr_slider(lr, spec["lr"].lo, spec["lr"].hi, tr("chainw.lr"),
                            readout_format=".2g", style=STYLE)
        self.epochs = control_for(spec["epochs"], s["epochs"], tr("chainw.epochs"), style=STYLE)
        self.batch_size = StrictIntSlider(value=batch, min=1, max=n,
                                          description=tr("chainw.batch_size"), style=STYLE)
        self.step = W.IntSlider(value=step, min=0, max=steps,
                                description=tr("chainw.step"), style=STYLE,
                                layout=W.Layout(width="260px"))
        self._add_player()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.table = W.HTML(layout=W.Layout(max_width="100%"))
        self.samples_table = W.HTML(layout=W.Layout(max_width="100%", display="none"))
        self.graph_view = W.HTML(layout=W.Layout(max_width="100%"))
        self.full_size = W.Checkbox(description=tr("chainw.full_size"), indent=False,
                                    layout=W.Layout(width="auto"))
        self.full_size.observe(lambda _: self._guard(self._fit_graph), "value")
        self.graph_box = W.VBox([W.HBox([W.HTML(f"<b>{tr('chainw.graph')}</b>"),
                                         self.full_size], layout=W.Layout(grid_gap="16px")),
                                 self.graph_view], layout=W.Layout(display="none"))
        # one screen: the chain-rule table, the batch's table or the graph, one at a time
        self.show_view = self._view_switch()

        self.session: Session | None = None
        self.history: History | None = None
        self.chains: dict[str, Any] = {}
        self.graph_svg = ""
        self._png = b""

        x, y = self._data()
        self.plot = ChainRulePlot(x, y, labels=self._labels(), **self._plot_options())
        self.figure = self.plot.figure
        self._grid = np.linspace(float(x.min()), float(x.max()), 80)
        self._rerun()

        for control in (self.dataset, self.lr, self.epochs, self.batch_size):
            control.observe(self._on_setting, "value")
        self.step.observe(self._on_step, "value")
        row = W.Layout(flex_flow="row wrap", align_items="center")
        for c in (self.dataset, self.lr, self.epochs, self.batch_size):
            c.layout.width = "265px"
        self.children = (
            W.HBox([self.dataset, fixed_rates(self.lr, self._rates) if self._rates else self.lr,
                    self.epochs, self.batch_size], layout=row),
            W.HBox([self.play, self.step, control_label("chainw.show"), self.show_view,
                    *self._teacher_buttons()], layout=row),
            self.banner, self.image, *self._above_tables(), self.table, self.samples_table,
            self.graph_box,
        )

    def _take_settings(self, settings: dict[str, Any]) -> None:
        """What a subclass keeps of its own settings, before the first run."""

    def _plot_options(self) -> dict[str, Any]:
        """A subclass's options of its :class:`ChainRulePlot`."""
        return {}

    def _above_tables(self) -> list[W.Widget]:
        """A subclass's own controls of its tables, between the plots and the tables."""
        return []

    # ----- updates -------------------------------------------------------------------
    def _data(self) -> tuple[np.ndarray, np.ndarray]:
        d = as_dataset(self._data_of(self.dataset.value))
        return d.x.reshape(-1), d.y

    def _labels(self) -> tuple[str, str]:
        d = as_dataset(self._data_of(self.dataset.value))
        return d.x_label, d.y_label

    def _on_setting(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if change["owner"] is self.dataset:
            self._try(change, self._new_dataset)
        else:
            self._try(change, self._rerun)

    def _new_dataset(self) -> None:
        x, y = self._data()
        run = self._run()  # may fail (batch size too big): then the old picture stays
        with self._hold():
            self.batch_size.max = len(y)  # the slider follows the data (no silent clamp)
        self.plot.set_data(x, y, self._labels())
        self._grid = np.linspace(float(x.min()), float(x.max()), 80)
        self._apply(*run)

    def _rebuild(self) -> None:
        self._new_dataset()

    def _views_shown(self) -> list[str]:
        return ["graph" if self.show_view.value == "graph" and self.graph_svg else "figure"]

    def _run(self) -> tuple[Session, History]:
        from ..training import Session  # torch loads with the first run, not on import

        rates = {"lr": self._rates} if self._rates else {}
        session = Session(**{**self._control_values(), **rates}, model="two_layer",
                          normalize=self._normalize, seed=self._seed)
        return session, session.run()

    def _rerun(self) -> None:
        self._apply(*self._run())

    def _apply(self, session: Session, history: History) -> None:
        self.session, self.history = session, history
        steps = len(history)
        with self._hold():
            self.step.max = steps  # clamps the value into the new run
        self.plot.show_run(history.loss, history.diverged_step, history.planned)
        self.say(self._run_text(history) if history.diverged or history.grew else "", "warning")
        self._show_step()

    def _show_step(self, step: int | None = None) -> None:
        """Every view for ``step`` (default: the slider's), updates done: the model then,
        and the gradient of the next update (of the last one once training is over)."""
        from ..training.chain_rule import chain_rule_factors, chain_rule_samples

        session, history = self.session, self.history
        if session is None or history is None:
            return
        step = self.step.value if step is None else step
        update = min(step + 1, len(history))  # the update whose gradient is shown
        batch_loss = session.batch_loss(update, history)
        self.chains = chain_rule_factors(batch_loss)
        samples = chain_rule_samples(batch_loss)
        rows = history.batch(update)
        cfg = session.config
        params = {k: float(v.detach()) for k, v in batch_loss.params.items()}
        self.plot.show_step(update, history.epoch_of(update), self._grid,
                            history.fit(self._grid, update - 1), cfg.x[rows, 0], cfg.y[rows])
        self._png = self.plot.png()
        self.image.value = self._png
        self.table.value = chain_table_html(self.chains, params, update)
        self.samples_table.value = samples_table_html(samples, rows, update)
        self.graph_svg = self._graph_svg(update)
        self._fit_graph()
        self._refresh_static()

    def _fit_graph(self) -> None:
        """The graph fitted to the plots' box, or (``full_size``) at 100 %."""
        self.graph_view.value = (full_svg(self.graph_svg) if self.full_size.value
                                 else fit_svg(self.graph_svg, GRAPH_BOX))

    def _graph_svg(self, update: int) -> str:
        """The annotated autograd graph of update ``update``'s loss after one backward
        pass (views/torch_graphs/graph.py); '' when that module is not available."""
        try:
            from ..views.torch_graphs.graph import session_graph
        except ImportError:
            return ""
        return session_graph(self.session, update, self.history, 1).svg()

    # ----- saved notebooks -----------------------------------------------------------
    def static_html(self) -> str:
        parts = [self.banner.value, self.png_tag(self._png, tr("chain.fit_title")),
                 self.table.value, self.samples_table.value]
        if self.graph_svg:
            parts.append(f"<div>{self.graph_svg}</div>")
        return "\n".join(parts)


ChainRuleWidget.__doc__ = docstring("chain_rule", ChainRuleWidget.__doc__ or "")
ChainRuleWidget.__signature__ = signature(  # type: ignore[attr-defined]
    "chain_rule", inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
