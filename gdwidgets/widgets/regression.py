"""RegressionWidget: learning rate, epochs, batch size, degree, optimizer... -> a training
session -> the fit, the loss curve, the loss surface and the backward graph of a step."""

from __future__ import annotations

import html
import inspect
from typing import Any

import ipywidgets as W
import numpy as np

from ..data import Dataset, as_dataset
from ..formats import listed
from ..i18n import register, tr
from ..registry import label
from ..settings import OPTIMIZERS, docstring, here, signature
from ..training.checks import check
from ..views.figures.regression import RegressionFigure, param_terms, trained_units
from ..views.graphs.svg_fit import Box, fit_svg, full_svg
from ..views.style.theme import css
from ..views.tables.grid import grid_table
from .base import LessonWidget, control_label
from .controls import control_for, has_option, lr_slider, normalize_options
from .playback import StepViews
from .rates import fixed_rates, refusal, slider_value

__all__ = ["RegressionWidget"]

register({
    "reg.dataset": ("data", "数据"),  # as every widget's data
    "reg.model": ("model", "模型"),
    "reg.lr": ("learning rate", "学习率"),
    "reg.epochs": ("epochs", "轮数"),
    "reg.batch": ("batch size", "批大小"),
    "reg.degree": ("degree", "多项式次数"),
    "reg.optimizer": ("optimizer", "优化器"),
    "reg.normalize": ("inputs", "输入处理"),
    "reg.zero_grad": ("zero_grad each step", "每步清零梯度"),
    "reg.shuffle": ("shuffle", "打乱数据"),
    "reg.step": ("step", "步数"),
    "reg.linear": ("linear", "线性"),
    "reg.polynomial": ("polynomial", "多项式"),
    "reg.two_layer": ("two layers", "两层线性"),
    "reg.mlp": ("Linear–PReLU–Linear", "Linear–PReLU–Linear"),
    "reg.param": ("parameter", "参数"),
    "reg.value": ("value", "值"),
    "reg.raw_value": ("for {x} as given", "对原始的{x}"),
    "reg.grad": ("gradient", "梯度"),
    "reg.start": ("start (init)", "起点（init）"),
    "reg.start_random": ("start (random, seed {seed})", "起点（随机种子 {seed}）"),
    "reg.batch_clamped": (
        "batch size {asked} is more than the {n} points of '{dataset}': using {n} (full batch).",
        "批大小 {asked} 超过了数据集“{dataset}”的 {n} 个点：改用 {n}（全批量）。",
    ),
    "reg.degree_clamped": (
        "degree {asked} needs more than {n} points: using degree {degree}.",
        "{asked} 次多项式需要多于 {n} 个点：改用 {degree} 次。",
    ),
    "reg.graph_at": ("Backward graph of the batch of update {step}",
                     "第 {step} 次更新所用批次的反向传播图"),
    "reg.show": ("show", "显示"),
    "reg.show_plots": ("plots", "图表"),
    "reg.show_graph": ("backward graph", "反向传播图"),
    "reg.full_size": ("full size", "原始大小"),
})

GRAPH_BOX = Box(width=1090, height=480)  # px at 1280×800: where the plots and table are
FIXED = ("init", "seed", "graph")  # settings without a control: fixed when built
SETTINGS = tuple(n for n in here("regression") if n not in FIXED)  # one control each


class RegressionWidget(StepViews, LessonWidget):
    """Train a small regression and watch it: every control retrains and redraws.

    Controls (ipywidgets, as attributes; ``w.lr = 0.05`` sets one): ``dataset``,
    ``model``, ``lr``, ``epochs``, ``batch_size``, ``shuffle``, ``optimizer``,
    ``normalize``, ``zero_grad``, ``degree``, and the scrubber ``step`` (updates done:
    0 before training, k after the k-th; with ``play``, a kernel-driven ▶) that replays
    the recorded run without retraining; ``show_view`` puts the backward graph in the
    plots' place (``full_size`` shows it at 100 %). Views: ``image``, ``table``,
    ``graph_view``. Latest state: ``session``, ``history``, ``figure``, ``graph_svg``.
    ``configure(**settings)`` changes several settings at once (one retrain);
    ``reset_settings()`` goes back to the settings it was built with, ``save(path)``
    writes the view shown as PNG or SVG (the buttons **reset settings** and **save view**).
    ``batch_size`` None is the full batch (the slider at its maximum).
    """

    _place = "regression"
    _views = {"plots": ("reg.show_plots", ("image", "table")),  # show_view: (label, shown)
              "graph": ("reg.show_graph", ("graph_view", "full_size"))}

    def __init__(self, **settings: Any) -> None:
        """Check every setting (ValueError naming a bad one), train, draw."""
        s, box = self._checked(settings)
        s["dataset"] = self._data_of(self._take_data(s["dataset"]))
        n = len(as_dataset(s["dataset"]))
        s["batch_size"] = check(here("regression")["batch_size"], s["batch_size"], hi=n)
        self._init, self._seed, self._with_graph = s["init"], s["seed"], s["graph"]
        self._rates = s["lr"] if isinstance(s["lr"], dict) else None  # fixed per parameter
        first = {name: s[name] for name in SETTINGS}
        session = self._new_session(first)  # a bad combination raises before any work
        self.session: Any = None
        self.history: Any = None
        self.graph_svg = ""
        self._graph_step = 1  # the update whose batch graph_svg shows
        self.plot = RegressionFigure()
        self.figure = self.plot.figure
        style = {"description_width": "initial"}
        spec = here("regression")
        self.dataset = W.Dropdown(options=self._data_names(), description=tr("reg.dataset"),
                                  style=style)
        self.model = control_for(spec["model"], s["model"], tr("reg.model"), "reg.",
                                 style=style)
        lr = slider_value(self._rates, spec["lr"].lo, spec["lr"].hi) if self._rates else s["lr"]
        self.lr = lr_slider(lr, spec["lr"].lo, spec["lr"].hi, tr("reg.lr"),
                            readout_format=".2g", style=style)
        self.epochs = control_for(spec["epochs"], s["epochs"], tr("reg.epochs"), style=style)
        self.batch_size = W.IntSlider(value=1, min=1, max=1, description=tr("reg.batch"),
                                      style=style)
        self.degree = control_for(spec["degree"], s["degree"], tr("reg.degree"), style=style)
        self.optimizer = W.Dropdown(options=[(label(e, o), o) for o, e in OPTIMIZERS.items()],
                                    description=tr("reg.optimizer"), style=style)
        self.normalize = control_for(spec["normalize"], s["normalize"], tr("reg.normalize"),
                                     style=style)
        self.zero_grad = control_for(spec["zero_grad"], s["zero_grad"], tr("reg.zero_grad"),
                                     indent=False, layout=W.Layout(width="auto"))
        self.shuffle = control_for(spec["shuffle"], s["shuffle"], tr("reg.shuffle"),
                                   indent=False, layout=W.Layout(width="auto"))
        self.step = W.IntSlider(value=0, min=0, max=1, description=tr("reg.step"), style=style,
                                continuous_update=True, layout=W.Layout(width="240px"))
        self._add_player()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.graph_view = W.HTML(layout=W.Layout(display="none", max_width="100%"))
        self.full_size = W.Checkbox(description=tr("reg.full_size"), indent=False,
                                    layout=W.Layout(width="auto", display="none"))
        self.full_size.observe(lambda _: self._guard(self._show_graph), "value")
        self.table = W.HTML(layout=W.Layout(max_width="100%"))
        # the backward graph shares the plots' place on screen (one screen per widget)
        self.show_view = self._view_switch()
        super().__init__(**box)
        self.children = self._layout()
        for name in SETTINGS:
            getattr(self, name).observe(self._on_setting, "value")
        self.step.observe(self._on_step, "value")
        self._apply(first, session)

    def _layout(self) -> list[W.Widget]:
        for c in (self.dataset, self.model, self.optimizer, self.normalize, self.lr,
                  self.epochs, self.batch_size, self.degree):
            c.layout = W.Layout(width="265px")
        row = W.Layout(flex_flow="row wrap", align_items="center")
        return [W.HBox([self.dataset, self.model, self.normalize, self.optimizer], layout=row),
                W.HBox([fixed_rates(self.lr, self._rates) if self._rates else self.lr,
                        self.epochs, self.batch_size, self.degree], layout=row),
                W.HBox([self.zero_grad, self.shuffle, control_label("reg.show"), self.show_view,
                        self.full_size, self.play, self.step, *self._teacher_buttons()],
                       layout=row),
                self.banner, self.image, self.table, self.graph_view]

    # ----- settings -> session ---------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        """The Session settings the controls describe."""
        s = {name: getattr(self, name).value for name in SETTINGS}
        s["dataset"] = self._data_of(s["dataset"])
        n = len(as_dataset(s["dataset"]))
        s["batch_size"] = None if s["batch_size"] >= n else s["batch_size"]
        if self._rates:
            s["lr"] = self._rates
        return s

    def configure(self, **settings: Any) -> bool:
        """Set several settings at once and retrain once. A bad value or an impossible
        combination shows a message and changes nothing. Returns whether the settings
        were taken."""
        for name in settings:
            if name not in SETTINGS:
                raise TypeError(tr("settings.unknown", cls="configure", value=repr(name),
                                   allowed=", ".join(SETTINGS)))

        def apply() -> None:
            if "lr" in settings and (why := refusal(self._rates, settings["lr"])):
                raise ValueError(why)
            checked = {k: check(here(self._place)[k], v) for k, v in settings.items()}
            if "dataset" in checked:
                checked["dataset"] = self._data_of(self._take_data(checked["dataset"]))
            merged = {**self.settings(), **checked}
            self._apply(merged, self._new_session(merged))

        return self._guard(apply)

    def _apply(self, settings: dict[str, Any], session: Any) -> None:
        """Show ``session`` (already validated) and set the controls to ``settings``."""
        n = session.config.n
        with self._hold():
            self.batch_size.max = n
            self.degree.max = max(1, min(10, n - 1))
            for name in SETTINGS:
                value = settings.get(name)
                if name == "batch_size":
                    value = n if value is None else value
                if isinstance(value, Dataset):
                    value = value.name
                if name == "normalize" and not has_option(self.normalize, value):
                    self.normalize.options = normalize_options(value)
                if name == "lr" and self._rates:
                    continue  # the slider is off: the rates are fixed
                if value is not None and getattr(self, name).value != value:
                    getattr(self, name).value = value
        self._show(session)

    def _new_session(self, settings: dict[str, Any]) -> Any:
        from ..training import Session  # torch loads with the first widget, not on import

        return Session(**settings, init=self._init, seed=self._seed)

    def _on_setting(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        settings = self.settings()
        notes = []
        if change["owner"] is self.dataset:
            notes = self._fit_ranges(settings)
        if self._try(change, lambda: self._show(self._new_session(settings))) and notes:
            self.say(" ".join(notes), "warning")

    def _fit_ranges(self, settings: dict[str, Any]) -> list[str]:
        """Slider ranges follow the data set; a value that no longer fits is clamped,
        and said so."""
        n = len(as_dataset(settings["dataset"]))
        notes = []
        asked_batch = self.batch_size.value
        was_full = asked_batch >= self.batch_size.max
        with self._hold():
            self.batch_size.max = n
            if was_full:
                self.batch_size.value = n
            elif asked_batch > n:
                notes.append(tr("reg.batch_clamped", asked=asked_batch, n=n,
                                dataset=self.dataset.value))
            asked_degree = self.degree.value
            self.degree.max = max(1, min(10, n - 1))
            if asked_degree > self.degree.max and settings["model"] == "polynomial":
                notes.append(tr("reg.degree_clamped", asked=asked_degree, n=n,
                                degree=self.degree.max))
        settings.update(self.settings())
        return notes

    # ----- session -> views ------------------------------------------------------------
    def _show(self, session: Any) -> None:
        history = session.run()
        self.session, self.history = session, history
        self.degree.disabled = session.config.model != "polynomial"
        self.plot.set_history(history, session.losses, surface_key=self._surface_key(),
                              optimum=session.least_squares())
        with self._hold():  # a diverged run opens at its divergence; its explosion follows
            self.step.max = len(history)
            self.step.value = history.end
        self._show_step(history.end, (self._run_text(history),
                                       "warning" if history.diverged or history.grew else "info"))

    def _rebuild(self) -> None:
        self.plot.forget()  # the built picture again, not limits a later run left
        self._show(self._new_session(self.settings()))

    def _views_shown(self) -> list[str]:
        return ["graph" if self.show_view.value == "graph" and self.graph_svg else "figure"]

    def _surface_key(self) -> tuple[Any, ...]:
        c = self.session.config
        return (c.label, c.model, c.degree, c.normalize)

    def _show_step(self, step: int, message: tuple[str, str] | None = None) -> None:
        """Redraw every view for ``step``. Everything is computed first and handed to the
        browser together, so it can show the new state in one frame."""
        self.plot.set_step(step)
        png, table = self.plot.png(), self._table(step)
        if self._with_graph:
            self.graph_svg = self._graph(step)
        self.image.value = png
        self.table.value = table
        self._show_graph()
        if message:
            self.say(*message)
        self._refresh_static()

    def _graph(self, step: int) -> str:
        """The annotated backward graph (SVG) of the update after ``step`` updates done."""
        try:
            from ..views.torch_graphs.graph import session_graph
        except ImportError:  # pragma: no cover - the torch graph view is optional
            return ""
        self._graph_step = k = int(np.clip(step + 1, 1, len(self.history)))
        return session_graph(self.session, update=k, history=self.history).svg()

    def _show_graph(self) -> None:
        """The graph in its place: fitted to the plots' box, or (``full_size``) at 100 %
        (the notebook scrolls; a wide graph scrolls sideways in its own visible box)."""
        if not self.graph_svg:
            self.graph_view.value = ""
            return
        title = html.escape(tr("reg.graph_at", step=self._graph_step))
        graph = (full_svg(self.graph_svg) if self.full_size.value
                 else fit_svg(self.graph_svg, GRAPH_BOX))
        self.graph_view.value = (f"<div style='font-size:13px;color:{css('muted')}'>{title}"
                                 "</div>" + graph)

    def _table(self, step: int) -> str:
        """Parameters as columns, headed by their terms (w2·x²; a degree-10 polynomial
        still fits): where the run started, the value and gradient at ``step``."""
        h = self.history
        k = int(np.clip(step, 0, len(h)))
        units = trained_units(h.config.normalize)
        names, grads = list(h.params), [tr("reg.grad")]
        start = [tr("reg.start") if h.config.init is not None
                 else tr("reg.start_random", seed=h.config.seed)]
        values = [tr("reg.value") + units]
        raw = [tr("reg.raw_value", x=h.config.data.x_name)]
        in_data = h.in_data_units(k)
        for name in names:
            value = np.asarray(h.params[name][k]).reshape(-1)
            grad = (np.asarray(h.grads[name][min(k, len(h) - 1)]).reshape(-1)
                    if len(h) else np.zeros_like(value))
            start.append(_nums(np.asarray(h.params[name][0]).reshape(-1)))
            values.append(_nums(value))
            grads.append(_nums(grad))
            raw.append(_nums(np.asarray(in_data[name]).reshape(-1)))
        rows = [start, values, grads] if not units else [start, values, raw, grads]
        terms = param_terms(h.config)
        return grid_table([tr("reg.param"), *(terms.get(n, n) for n in names)], rows,
                          row_heads=True)

    def static_html(self) -> str:
        if self.history is None:
            return ""
        return (self.banner.value + self.png_tag(self.image.value, "regression")
                + self.table.value + fit_svg(self.graph_svg, GRAPH_BOX))


def _nums(values: np.ndarray) -> str:
    return listed(values, 4, most=4)


RegressionWidget.__doc__ = docstring("regression", RegressionWidget.__doc__ or "")
RegressionWidget.__signature__ = signature(  # type: ignore[attr-defined]
    "regression", inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
