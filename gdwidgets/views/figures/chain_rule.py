"""Pictures of seed 003's chain rule: the fit and loss of a two-layer run at one step, and
the tables of the step's batch and of each gradient's chain of factors.

Pure matplotlib and HTML (no ipywidgets): usable in a plain notebook cell as well as by
:class:`gdwidgets.widgets.chain_rule.ChainRuleWidget`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from ...formats import sig
from ...i18n import register, tr
from ..style.fonts import plot_rc, plotting
from ..style.palette import BLUE, NOTE, ORANGE, RED, RED_INK, SILVER
from ..tables.grid import grid_table
from .canvas import FastFigure
from .loss_axis import FitAxis, LossAxis, StickyRange

__all__ = ["ChainRulePlot", "chain_table_html", "samples_table_html"]

register({
    "chain.fit_title": ("Data and the model before this update",
                        "数据与本次更新前的模型"),
    "chain.loss_title": ("Loss of each update's batch", "每次更新所用批次的损失"),
    "chain.x": ("x", "x"),
    "chain.y": ("y", "y"),
    "chain.step": ("update", "更新次数"),
    "chain.loss": ("loss (MSE, log scale)", "损失（MSE，对数坐标）"),
    "chain.data": ("data", "数据"),
    "chain.batch": ("this update's batch", "本次更新的批次"),
    "chain.model": ("y = a2·(a1·x + b1) + b2", "y = a2·(a1·x + b1) + b2"),
    "chain.loss_line": ("batch loss", "批次损失"),
    "chain.now": ("update {step} (epoch {epoch})", "第 {step} 次更新（第 {epoch} 轮）"),
    "chain.diverged": ("diverged", "发散"),
    "chain.param": ("parameter", "参数"),
    "chain.rule": ("chain rule", "链式法则"),
    "chain.values": ("one term per point (factors multiplied), summed",
                     "每个点一项（各因子相乘），再求和"),
    "chain.more_terms": ("[{n} more: {sum}]", "[其余 {n} 项：{sum}]"),
    "chain.manual": ("by hand (Σ)", "手算（Σ）"),
    "chain.autograd": ("autograd", "自动求导"),
    "chain.diff": ("difference", "差值"),
    "chain.table_caption": (
        "∂L/∂param for the batch of update {step}, L = mean((ŷ - y)²) over its {m} points. "
        "Each term multiplies one point's factors (see “the batch, point by point”); the "
        "terms add up to the gradient by hand; differences are float32 rounding.",
        "第 {step} 次更新所用批次的 ∂L/∂参数，L = 对 {m} 个点求 mean((ŷ - y)²)。"
        "每一项是一个点上各因子的乘积（见“逐点查看批次”），各项相加就是手算的梯度；"
        "差值来自 float32 舍入。",
    ),
    "chain.samples_caption": (
        "The batch of update {step}, point by point (as seed 003 prints it).",
        "第 {step} 次更新的批次，逐点列出（与种子 003 的打印相同）。",
    ),
    "chain.samples_more": ("… {more} more points", "……还有 {more} 个点"),
    "chain.row": ("row", "行号"),
    "chain.x_seen": ("x (model input)", "x（模型输入）"),
})

def fmt(v: float) -> str:
    """4 significant digits; the tiny and the huge in exponent form."""
    return sig(v, 4)


SHOWN_TERMS = 5  # the lesson's batch in full; a bigger one keeps each row on one line


def _terms(terms: np.ndarray) -> str:
    """'11.64 + 15.17 + … = 90.12': every term, or the first ``SHOWN_TERMS`` and the sum of
    the rest, so the arithmetic on screen adds up."""
    shown = [fmt(float(t)) for t in terms[:SHOWN_TERMS]]
    if len(terms) > SHOWN_TERMS:
        rest = terms[SHOWN_TERMS:]
        shown.append(tr("chain.more_terms", n=len(rest),
                        sum=fmt(float(rest.sum(dtype=np.float64)))))
    return " + ".join(shown).replace("+ -", "− ") + f" = {fmt(float(terms.sum(dtype=np.float64)))}"


class _Chain(Protocol):
    name: str
    manual: float
    autograd: float
    difference: float
    chain: str
    factors: Any


def chain_table_html(chains: Mapping[str, _Chain], params: Mapping[str, float], step: int
                     ) -> str:
    """One row per parameter: its chain of factors, their batch means, the gradient by
    hand (Σ of the per-point products) and autograd's, and the difference."""
    rows = []
    m = 0
    for name, c in chains.items():
        m = len(c.factors[0].values)
        values = _terms(c.terms)
        rows.append([f"{name} = {fmt(float(params[name]))}", f"∂L/∂{name} = Σ {c.chain}",
                     values, fmt(c.manual), fmt(c.autograd),
                     f"{c.difference:.1e}" if c.difference else "0"])
    headers = [tr("chain.param"), tr("chain.rule"), tr("chain.values"), tr("chain.manual"),
               tr("chain.autograd"), tr("chain.diff")]
    return grid_table(headers, rows, tr("chain.table_caption", step=step, m=m), wrap=(1, 2))


def samples_table_html(samples: Mapping[str, np.ndarray], rows: np.ndarray, step: int,
                       max_rows: int = 5) -> str:
    """Per point of the batch: x, y, h = a1·x + b1, ŷ, ∂L/∂ŷ, ∂L/∂h."""
    keys = ("x", "y", "h", "pred", "d_pred", "d_hidden")
    headers = [tr("chain.row"), tr("chain.x_seen"), "y", "h = a1·x + b1", "ŷ = a2·h + b2",
               "∂L/∂ŷ = 2(ŷ - y)/m", "∂L/∂h = ∂L/∂ŷ · a2"]
    n = len(samples["x"])
    body = [[str(int(rows[i]))] + [fmt(float(samples[k][i])) for k in keys]
            for i in range(min(n, max_rows))]
    if n > max_rows:
        body.append([tr("chain.samples_more", more=n - max_rows)] + [""] * len(keys))
    return grid_table(headers, body, tr("chain.samples_caption", step=step))


class ChainRulePlot:
    """Two panels: the data with the model at a step (its batch highlighted), and the
    per-step loss with the step marked. Data are drawn once; moving parts are blitted.

    >>> plot = ChainRulePlot(x, y)
    >>> plot.show_run(history.loss, history.diverged_step)
    >>> plot.show_step(5, 1, grid, history.fit(grid, 4), x[rows], y[rows])
    >>> png = plot.png()
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, *, width: float = 12.0,
                 height: float = 3.3, dpi: float = 90,
                 labels: tuple[str, str] | None = None, model: str | None = None,
                 legend_above: bool = False) -> None:
        self.rc = plot_rc()
        with plotting():
            self.fast = fast = FastFigure(2, width=width, height=height, dpi=dpi)
            self.figure = fast.figure
            self.ax_fit, self.ax_loss = ax, bx = fast.axes
            ax.set_title(tr("chain.fit_title"))
            ax.set_xlabel(tr("chain.x"))
            ax.set_ylabel(tr("chain.y"))
            (self.data,) = ax.plot([], [], "o", ms=3.5, color=SILVER,
                                   label=tr("chain.data"))
            (self.fit,) = ax.plot([], [], "-", lw=2, color=BLUE,
                                  label=model or tr("chain.model"))
            (self.batch,) = ax.plot([], [], "o", ms=7, mfc="none", mew=1.8, color=ORANGE,
                                    label=tr("chain.batch"))
            if legend_above:  # data everywhere (e.g. by row): the legend under the title
                for panel in fast.axes:  # both panels lower their tops to make room
                    x0, y0, w, h = panel.get_position().bounds
                    panel.set_position((x0, y0, w, h - 0.07))
                ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
                          frameon=False, borderaxespad=0.2, handletextpad=0.4)
                ax.set_title(tr("chain.fit_title"), pad=22)
            else:
                ax.legend(loc="upper left", framealpha=0.85)
            # on the x label's row, clear of the data and of the fitted line
            self.now = ax.text(1.0, -0.1, "", transform=ax.transAxes, ha="right",
                               va="top", fontsize=10, color=NOTE)
            bx.set_title(tr("chain.loss_title"))
            bx.set_xlabel(tr("chain.step"))
            bx.set_ylabel(tr("chain.loss"))
            self.loss_axis = LossAxis(bx)
            bx.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            (self.loss,) = bx.plot([], [], "-", lw=1.2, color=BLUE,
                                   label=tr("chain.loss_line"))
            (self.marker,) = bx.plot([], [], "o", ms=7, color=ORANGE, zorder=5)
            self.cursor = bx.axvline(1, color=ORANGE, lw=1, alpha=0.6)
            (self.boom,) = bx.plot([], [], "x", ms=11, mew=2.5, color=RED,
                                   clip_on=False, zorder=6)
            self.boom_text = bx.text(0, 0, tr("chain.diverged"), color=RED_INK,
                                     fontsize=10, ha="right", va="top", visible=False,
                                     transform=offset_copy(bx.transData, fast.figure,
                                                           x=-9, y=-5, units="points"))
            for grid_ax in (ax, bx):
                grid_ax.grid(True, alpha=0.25)
            self.fit_axis = FitAxis(ax, pad=0.08)
            self.off_note = self.fit_axis.note
        fast.animate(self.fit, self.batch, self.now, self.loss, self.marker, self.cursor,
                     self.boom, self.boom_text, self.off_note)
        self.x_range = StickyRange(ax, "x", pad=0.03)
        self._loss = np.zeros(0)
        self.set_data(x, y, labels)

    def set_data(self, x: np.ndarray, y: np.ndarray, labels: tuple[str, str] | None = None
                 ) -> None:
        """The data set (raw x, y) of the left panel; ``labels``: the axes' names with
        units (default x, y)."""
        x_label, y_label = labels or (tr("chain.x"), tr("chain.y"))
        with plotting():
            self.ax_fit.set_xlabel(x_label)
            self.ax_fit.set_ylabel(y_label)
        x, y = np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float)
        self.data.set_data(x, y)
        self.x_range.reset()
        self.x_range.show(float(x.min()), float(x.max()))
        self.fit_axis.set_data(float(y.min()), float(y.max()))
        self.loss_axis.reset()
        self.fast.invalidate(self.ax_fit)  # the data points are static content

    def show_run(self, loss: np.ndarray, diverged_step: int | None,
                 planned: int | None = None) -> None:
        """The run's per-step losses; a diverged run ends with a red × at the top.
        ``planned``: the steps asked for, so the step axis stays put when a run stops early."""
        loss = np.asarray(loss, dtype=np.float64)
        if self.loss_axis.update([loss], steps=max(planned or 0, len(loss))):
            self.fast.invalidate(self.ax_loss)
        steps = np.arange(1, len(loss) + 1)
        drawn = self.loss_axis.clip(loss)
        self._loss = drawn
        self.loss.set_data(steps, drawn)
        if diverged_step:
            top = self.loss_axis.top
            self.boom.set_data([diverged_step], [top])
            self.boom_text.set_position((diverged_step, top))
            self.boom_text.set_visible(True)
        else:
            self.boom.set_data([], [])
            self.boom_text.set_visible(False)

    def show_step(self, step: int, epoch: int, fit_x: np.ndarray, fit_y: np.ndarray,
                  batch_x: np.ndarray, batch_y: np.ndarray) -> None:
        """The model used at ``step`` (before its update) and that step's batch."""
        fit_y = np.asarray(fit_y, dtype=float)
        with plotting():  # the note and the step text may be in Chinese
            if self.fit_axis.follow(fit_x, fit_y):
                self.fast.invalidate(self.ax_fit)
            self.now.set_text(tr("chain.now", step=step, epoch=epoch))
        self.fit.set_data(fit_x, fit_y)
        self.batch.set_data(batch_x, batch_y)
        if 1 <= step <= len(self._loss):
            self.marker.set_data([step], [self._loss[step - 1]])
        self.cursor.set_xdata([step, step])

    def draw(self) -> None:
        with matplotlib.rc_context(self.rc):
            self.fast.draw()

    def png(self) -> bytes:
        with matplotlib.rc_context(self.rc):
            return self.fast.png()
