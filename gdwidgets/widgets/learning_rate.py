"""LearningRateWidget: too small, right, too large — loss curves of several learning rates
at once and the lr sweep (final loss against lr, the diverged region marked)."""

from __future__ import annotations

import html
import inspect
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import numpy as np

from ..i18n import register, tr
from ..settings import docstring, here, signature
from ..training.checks import fail
from ..views.figures.learning_rate import LearningRatePlot
from .base import LessonWidget
from .controls import control_for, lr_options, lr_slider

if TYPE_CHECKING:
    from ..training import History, Session, SweepResult

__all__ = ["LearningRateWidget"]

register({
    "lrw.dataset": ("data", "数据"),
    "lrw.model": ("model", "模型"),
    "lrw.normalize": ("inputs", "输入处理"),
    "lrw.epochs": ("epochs", "轮数"),
    "lrw.lr_range": ("sweep lr range", "扫描 lr 范围"),
    "lrw.lr_outside": (
        "lr must be between {lo:g} and {hi:g} (the sweep's lr_range {range}), got {value}",
        "lr 必须在 {lo:g} 到 {hi:g} 之间（扫描范围 lr_range {range}），得到的是 {value}",
    ),
    "lrw.lr": ("chosen lr", "所选学习率 lr"),
    "lrw.linear": ("linear: y = w·x + b", "线性：y = w·x + b"),
    "lrw.polynomial": ("cubic: y = w1·x + w2·x² + w3·x³ + b",
                       "三次：y = w1·x + w2·x² + w3·x³ + b"),
    "lrw.two_layer": ("two layers: y = a2·(a1·x + b1) + b2",
                      "两层：y = a2·(a1·x + b1) + b2"),
    "lrw.mlp": ("MLP: Linear, PReLU, Linear", "多层感知机：Linear、PReLU、Linear"),
    "lrw.summary": (
        "Sweep: {n} learning rates from {lo:.2g} to {hi:.2g}, {epochs} epochs each: "
        "{bad} diverged{best}. Chosen lr = {lr:.2g}: {outcome}.",
        "扫描：{n} 个学习率，从 {lo:.2g} 到 {hi:.2g}，各训练 {epochs} 轮："
        "{bad} 个发散{best}。所选 lr = {lr:.2g}：{outcome}。",
    ),
    "lrw.final": ("final loss {loss:.3g}", "最终损失 {loss:.3g}"),
    "lrw.diverged": ("diverged at step {step}", "在第 {step} 步发散"),
    "lrw.best": ("; lowest final loss at lr ≈ {lr:.2g}", "；最终损失最低处 lr ≈ {lr:.2g}"),
    "lrw.all_diverged": (
        "Every swept learning rate diverged: move the sweep range lower (below {lo:.2g}){norm}.",
        "扫描的所有学习率都发散了：把扫描范围往下移（低于 {lo:.2g}）{norm}。",
    ),
    "lrw.tick_normalize": (" or choose inputs → standardised", "，或把“输入处理”选为“标准化”"),
})

DEGREE = 3  # the cubic of seed 004
STYLE = {"description_width": "initial"}


def nice_lrs(lo: float, hi: float, count: int) -> np.ndarray:
    """``count`` learning rates between 10**lo and 10**hi: 1 and 3 times powers of ten when
    there are enough of them (so the curves stay put while the range moves a little)."""
    nice = [m * 10.0**k for k in range(int(np.floor(lo)), int(np.ceil(hi)) + 1) for m in (1, 3)]
    nice = [v for v in nice if 10**lo * (1 - 1e-9) <= v <= 10**hi * (1 + 1e-9)]
    if len(nice) >= count:
        return np.array([nice[int(i)] for i in np.round(np.linspace(0, len(nice) - 1, count))])
    return np.array([float(f"{v:.2g}") for v in np.logspace(lo, hi, count)])


class LearningRateWidget(LessonWidget):
    """The same model trained with many learning rates: a few loss curves side by side,
    the sweep of final loss against lr, and the chosen lr's run (``history``).

    Controls (``w.lr = 0.05`` sets one): ``dataset``, ``model``, ``normalize``,
    ``epochs``, ``lr_range`` (the sweep's learning rates, low and high), ``lr`` (the
    chosen lr, within the range). Full-batch gradient descent; the polynomial is a cubic (seed 004).
    Views: ``image``, ``summary``; ``figure``; ``sweep`` (a
    :class:`~gdwidgets.training.SweepResult` of ``sweep_size`` learning rates),
    ``curve_lrs``, ``history``, ``session``; ``graph_svg`` is '' (no graph here).
    ``reset_settings()`` goes back to the settings it was built with, ``save(path)``
    writes the figure as PNG or SVG (the buttons **reset settings** and **save view**).
    """

    _place = "learning_rate"

    def __init__(self, **settings: Any) -> None:
        """Check every setting (ValueError naming a bad one), sweep, train, draw."""
        s, box = self._checked(settings)
        lo, hi = s["lr_range"]
        if not lo * (1 - 1e-9) <= s["lr"] <= hi * (1 + 1e-9):
            raise fail("lrw.lr_outside", s["lr"], lo=lo, hi=hi, range=s["lr_range"])
        super().__init__(**box)
        self._seed, self._curves, self._sweep_size = s["seed"], s["curves"], s["sweep_size"]
        spec = here(self._place)
        name = self._take_data(s["dataset"])
        self.dataset = W.Dropdown(options=self._data_names(), value=name,
                                  description=tr("lrw.dataset"), style=STYLE,
                                  layout=W.Layout(width="210px"))
        self.model = control_for(spec["model"], s["model"], tr("lrw.model"), "lrw.",
                                 style=STYLE, layout=W.Layout(width="330px"))
        self.normalize = control_for(spec["normalize"], s["normalize"], tr("lrw.normalize"),
                                     style=STYLE, layout=W.Layout(width="190px"))
        self.epochs = control_for(spec["epochs"], s["epochs"], tr("lrw.epochs"), style=STYLE)
        self.lr_range = W.SelectionRangeSlider(
            options=lr_options(spec["lr_range"].lo, spec["lr_range"].hi, lo, hi),
            value=(lo, hi), description=tr("lrw.lr_range"), style=STYLE,
            layout=W.Layout(width="390px"))
        self.lr = lr_slider(s["lr"], lo, hi, tr("lrw.lr"), readout_format=".2g",
                            style=STYLE,  # room for the range's wide readout
                            layout=W.Layout(width="390px", margin="2px 0 2px 24px"))
        self.image = W.Image(format="png")
        self.summary = W.HTML()

        self.history: History | None = None
        self.session: Session | None = None
        self.sweep: SweepResult | None = None
        self.curve_lrs = np.zeros(0)
        self.graph_svg = ""  # no graph in this lesson
        self._png = b""
        self.plot = LearningRatePlot(self._curves)
        self.figure = self.plot.figure
        self._rerun()

        for control in (self.dataset, self.model, self.normalize, self.epochs, self.lr_range):
            control.observe(self._on_setting, "value")
        row = W.Layout(flex_flow="row wrap", align_items="center")
        self.lr.observe(self._on_lr, "value")
        self.image.layout.max_width = "100%"
        self.children = (
            W.HBox([self.dataset, self.model, self.normalize, self.epochs], layout=row),
            W.HBox([self.lr_range, self.lr, *self._teacher_buttons()], layout=row),
            self.banner, self.image, self.summary,
        )

    # ----- updates -------------------------------------------------------------------
    def _session_settings(self) -> dict[str, Any]:
        """The Session settings of the controls (but the chosen ``lr``)."""
        s = self._control_values()
        del s["lr"]
        return {**s, "degree": DEGREE, "seed": self._seed}

    def _on_setting(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._try(change, lambda: self._rerun(fresh_axes=True))

    def _on_lr(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._try(change, self._rechoose)

    def _rerun(self, fresh_axes: bool = False) -> None:
        """New sweep (and curves) for the current settings, then the chosen lr's run;
        ``fresh_axes``: a setting changed, so no axis keeps the last run's limits."""
        from ..training import lr_sweep  # torch loads with the first run, not on import

        lo, hi = np.log10(self.lr_range.value)
        grid = np.logspace(lo, hi, self._sweep_size)
        curve_lrs = nice_lrs(lo, hi, self._curves)
        s = self._session_settings()
        both = lr_sweep(lrs=np.concatenate([grid, curve_lrs]), **s)
        chosen = self._chosen_run()  # validates too: nothing changes unless both work
        k = self._sweep_size
        self.sweep = both[:k]
        self.curve_lrs = curve_lrs
        before = self.lr.value
        with self._hold():  # the chosen lr's slider follows the sweep range
            self.lr.min, self.lr.max = min(lo, self.lr.min), max(hi, self.lr.max)
            self.lr.min, self.lr.max = lo, hi
        if self.lr.value != before:
            chosen = self._chosen_run()  # the slider clamped the value into the range
        sw = self.sweep
        if fresh_axes:
            self.plot.reset()
        self.plot.show_sweep(sw.lrs, sw.final_loss, sw.diverged, sw.best_lr,
                             reference=float(both.loss[0, 0]))  # every run starts there
        self.plot.show_curves(curve_lrs, list(both.loss[k:]), list(both.diverged_step[k:]),
                              s["epochs"])
        self._show(*chosen)

    def _rebuild(self) -> None:
        self._rerun(fresh_axes=True)

    def _chosen_run(self) -> tuple[Session, History]:
        from ..training import Session

        session = Session(lr=float(self.lr.value), **self._session_settings())
        return session, session.run()

    def _rechoose(self) -> None:
        self._show(*self._chosen_run())

    def _show(self, session: Session, history: History) -> None:
        self.session, self.history = session, history
        final = None if history.diverged else history.final_loss
        self.plot.show_chosen(session.config.lr, history.loss, history.diverged_step, final)
        sw = self.sweep
        if sw is not None and sw.diverged.all():
            norm = "" if session.config.normalize else tr("lrw.tick_normalize")
            self.say(tr("lrw.all_diverged", lo=float(sw.lrs[0]), norm=norm), "warning")
        else:
            self.say(self._run_text(history) if history.diverged or history.grew else "", "warning")
        best = tr("lrw.best", lr=sw.best_lr) if sw is not None and sw.best_lr else ""
        if sw is not None:
            outcome = (tr("lrw.diverged", step=history.diverged_step) if history.diverged
                       else tr("lrw.final", loss=history.final_loss))
            self.summary.value = html.escape(tr(
                "lrw.summary", n=len(sw.lrs), lo=sw.lrs[0], hi=sw.lrs[-1],
                bad=int(sw.diverged.sum()), best=best, epochs=session.config.epochs,
                lr=session.config.lr, outcome=outcome))
        self._png = self.plot.png()
        self.image.value = self._png
        self._refresh_static()

    # ----- saved notebooks -----------------------------------------------------------
    def static_html(self) -> str:
        return "\n".join([self.banner.value, self.png_tag(self._png, tr("lrplot.curves")),
                          f"<div>{self.summary.value}</div>"])


LearningRateWidget.__doc__ = docstring("learning_rate", LearningRateWidget.__doc__ or "")
LearningRateWidget.__signature__ = signature(  # type: ignore[attr-defined]
    "learning_rate", inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
