"""The learning-rate picture: loss curves of a few learning rates side by side, and the
lr sweep (final loss against lr, the diverged region shaded), the chosen lr marked in both.

Pure matplotlib (no ipywidgets): usable in a plain notebook cell as well as by
:class:`gdwidgets.widgets.learning_rate.LearningRateWidget`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from ...i18n import register, tr
from ..style.fonts import plot_rc, plotting
from ..style.palette import BLUE, CURVE_DASHES, CURVE_MARKERS, CURVES, GOLD, INK, NOTE, RED, RED_INK
from .canvas import FastFigure
from .loss_axis import LossAxis, StickyRange

__all__ = ["LearningRatePlot", "diverged_spans", "lr_label"]

register({
    "lrplot.curves": ("Loss curves of several lrs", "多个学习率的损失曲线"),
    "lrplot.sweep": ("lr sweep: final loss vs lr", "学习率扫描：最终损失与 lr"),
    "lrplot.epoch": ("epoch (full batch: one step each)", "轮数（全批量：每轮一步）"),
    "lrplot.loss": ("loss (MSE, log scale)", "损失（MSE，对数坐标）"),
    "lrplot.final": ("final loss (log scale)", "最终损失（对数坐标）"),
    "lrplot.lr": ("learning rate lr (log scale)", "学习率 lr（对数坐标）"),
    "lrplot.chosen": ("chosen lr", "所选 lr"),
    "lrplot.diverged": ("diverged", "发散"),
    "lrplot.best": ("best", "最佳"),
})

COLORS = CURVES
CHOSEN = INK
BAD = RED
MAX_SPANS = 6


def lr_label(lr: float) -> str:
    """'lr = 0.001', 'lr = 3.2e-05'."""
    return f"lr = {lr:.2g}"


def diverged_spans(lrs: np.ndarray, diverged: np.ndarray) -> list[tuple[float, float]]:
    """Contiguous runs of diverged learning rates as (left, right) edges, halfway (on a log
    scale) to the neighbouring lrs; the outermost edges are the first and last lr."""
    lrs = np.asarray(lrs, dtype=float)
    bad = np.asarray(diverged, dtype=bool)
    spans = []
    i, n = 0, len(lrs)
    while i < n:
        if not bad[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and bad[j + 1]:
            j += 1
        left = lrs[0] if i == 0 else float(np.sqrt(lrs[i - 1] * lrs[i]))
        right = lrs[-1] if j == n - 1 else float(np.sqrt(lrs[j] * lrs[j + 1]))
        spans.append((float(left), float(right)))
        i = j + 1
    return spans


class LearningRatePlot:
    """Left: per-epoch loss of a few lrs and of the chosen one (a diverged curve ends with a
    red × at the top edge). Right: final loss against lr over a sweep, diverged region
    shaded, the best lr starred, the chosen lr marked. Moving parts are blitted; a panel
    re-renders only when its limits or legend change.

    >>> plot = LearningRatePlot()
    >>> plot.show_curves(lrs, [loss_1, ...], [0, 0, 0, 12, 5], epochs=100)
    >>> plot.show_sweep(sweep.lrs, sweep.final_loss, sweep.diverged, sweep.best_lr, 100)
    >>> plot.show_chosen(0.01, history.loss, history.diverged_step)
    >>> png = plot.png()
    """

    def __init__(self, curves: int = 5, *, width: float = 12.0, height: float = 3.6,
                 dpi: float = 90) -> None:
        self.rc = plot_rc()
        with plotting():
            self.fast = fast = FastFigure(2, width=width, height=height, dpi=dpi)
            self.figure = fast.figure
            self.ax_curves, self.ax_sweep = ax, bx = fast.axes
            ax.set_title(tr("lrplot.curves"))
            ax.set_xlabel(tr("lrplot.epoch"))
            ax.set_ylabel(tr("lrplot.loss"))
            self.curve_axis = LossAxis(ax)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            # each curve: its own colour, marker and dash (not by colour alone), drawn
            # over the chosen lr's wide pale band, so a curve it repeats stays in sight
            n = len(COLORS)
            self.lines = [ax.plot([], [], ls=CURVE_DASHES[i % n], lw=1.5, color=COLORS[i % n],
                                  marker=CURVE_MARKERS[i % n], ms=5, markevery=(0.02 * i, 0.1),
                                  zorder=3)[0]
                          for i in range(curves)]
            (self.chosen,) = ax.plot([], [], "-", lw=7, color=CHOSEN, alpha=0.25, zorder=2,
                                     solid_capstyle="butt", label=tr("lrplot.chosen"))
            (self.ends,) = ax.plot([], [], "x", ms=10, mew=2.4, color=BAD, clip_on=False,
                                   zorder=6)
            x0, y0, w, h = ax.get_position().bounds
            ax.set_position((x0 + 0.01, y0, w * 0.7, h))  # room for the legend, in the column
            bx.set_title(tr("lrplot.sweep"))
            bx.set_xscale("log")
            bx.set_xlabel(tr("lrplot.lr"))
            bx.set_ylabel(tr("lrplot.final"))
            self.sweep_axis = LossAxis(bx, steps=False)
            (self.sweep_line,) = bx.plot([], [], ".-", lw=1.2, ms=3, color=BLUE)
            self.spans = [bx.add_patch(Rectangle((1, 1), 0, 0, fc=BAD, alpha=0.13, lw=0,
                                                 visible=False)) for _ in range(MAX_SPANS)]
            self.span_text = bx.text(0, 0, tr("lrplot.diverged"), color=RED_INK, fontsize=9.5,
                                     ha="center", va="top", visible=False)
            (self.best,) = bx.plot([], [], "*", ms=13, color=GOLD, mec=NOTE,
                                   zorder=5, label=tr("lrplot.best"))
            self.cursor = bx.axvline(1, color=CHOSEN, lw=1.2, ls="--")
            (self.cursor_dot,) = bx.plot([], [], "o", ms=7, color=CHOSEN, zorder=6,
                                         clip_on=False)
            for a in (ax, bx):
                a.grid(True, alpha=0.25)
        # what moves is blitted; text is slow to draw, so little of it moves
        fast.animate(*self.lines, self.chosen, self.ends, self.sweep_line, *self.spans,
                     self.span_text, self.best, self.cursor, self.cursor_dot)
        self._labels: tuple[str, ...] = ()
        self.lr_range = StickyRange(self.ax_sweep, "x", log=True, fill=0.5, pad=0.0)
        self._curve_data: list[np.ndarray] = []
        self._chosen_loss = np.zeros(0)
        self._lo_hi = (1.0, 1.0)
        self._widest: tuple[float, float] | None = None  # the widest diverged span

    # ----- left panel ----------------------------------------------------------------
    def show_curves(self, lrs: Sequence[float], losses: Sequence[np.ndarray],
                    diverged_steps: Sequence[int], epochs: int) -> None:
        """Loss per step of each lr (``diverged_steps[i]`` 0 or the first bad step)."""
        self._curve_data = [np.asarray(v, dtype=np.float64) for v in losses]
        self._curve_meta = (list(lrs), list(diverged_steps), epochs)
        self._refit_curves()

    def show_chosen(self, lr: float, loss: np.ndarray, diverged_step: int | None,
                    final: float | None = None) -> None:
        """The chosen lr's run: a wide pale band under the curves on the left, a marker on
        the sweep."""
        self._chosen_loss = np.asarray(loss, dtype=np.float64)
        self._chosen_meta = (lr, diverged_step)
        self._refit_curves()
        self.cursor.set_xdata([lr, lr])
        sa = self.sweep_axis
        y = sa.top if diverged_step or final is None else float(sa.clip(np.array([final]))[0])
        self.cursor_dot.set_data([lr], [y])
        self.cursor_dot.set_marker("x" if diverged_step else "o")
        self.cursor_dot.set_color(BAD if diverged_step else CHOSEN)
        self._place_span_text()

    def _refit_curves(self) -> None:
        if not hasattr(self, "_curve_meta"):
            return
        lrs, steps, epochs = self._curve_meta
        ax, la = self.ax_curves, self.curve_axis
        data = [*self._curve_data, self._chosen_loss]
        changed = la.update(data, steps=epochs)
        labels = tuple(lr_label(v) for v in lrs)
        if labels != self._labels:
            for line, label in zip(self.lines, labels):
                line.set_label(label)
            for line in self.lines[len(labels):]:
                line.set_label("_hidden")
            self._labels = labels
            with plotting():
                handles = [*self.lines[:len(labels)], self.chosen, self.ends]
                self.chosen.set_label(tr("lrplot.chosen"))
                self.ends.set_label(tr("lrplot.diverged"))
                ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                          fontsize=9.5, borderaxespad=0, handlelength=1.6, frameon=False)
            changed = True
        if changed:
            self.fast.invalidate(ax)
        ends_x, ends_y = [], []
        for i, line in enumerate(self.lines):
            if i >= len(self._curve_data):
                line.set_data([], [])
                continue
            loss, bad = self._curve_data[i], steps[i]
            if bad:
                loss = loss[:bad]
                ends_x.append(bad)
                ends_y.append(la.top)
            line.set_data(np.arange(1, len(loss) + 1), la.clip(loss))
        if hasattr(self, "_chosen_meta"):
            _, bad = self._chosen_meta
            loss = self._chosen_loss[:bad] if bad else self._chosen_loss
            self.chosen.set_data(np.arange(1, len(loss) + 1), la.clip(loss))
            if bad:
                ends_x.append(bad)
                ends_y.append(la.top)
        self.ends.set_data(ends_x, ends_y)

    # ----- right panel ---------------------------------------------------------------
    def show_sweep(self, lrs: np.ndarray, final_loss: np.ndarray, diverged: np.ndarray,
                   best_lr: float | None, reference: float | None = None) -> None:
        """Final loss against lr; diverged lrs shaded, the best one starred. ``reference``
        (e.g. the first loss, the same for every lr) anchors the readable band."""
        bx, sa = self.ax_sweep, self.sweep_axis
        lrs = np.asarray(lrs, dtype=float)
        final = np.asarray(final_loss, dtype=float)
        ok = ~np.asarray(diverged, dtype=bool)
        changed = sa.update([final[ok]] if ok.any() else [np.array([1.0])],
                            reference=reference if reference is not None
                            else float(np.nanmax(final[ok])) if ok.any() else 1.0)
        changed |= self.lr_range.show(float(lrs.min()), float(lrs.max()))  # whole decades
        self.sweep_line.set_data(lrs, np.where(ok, sa.clip(final), np.nan))  # gaps: diverged
        y0, y1 = bx.get_ylim()
        spans = diverged_spans(lrs, ~ok)
        for patch, span in zip(self.spans, spans):
            patch.set_bounds(span[0], y0, span[1] - span[0], y1 - y0)
            patch.set_visible(True)
        for patch in self.spans[len(spans):]:
            patch.set_visible(False)
        self._widest = max(spans, key=lambda s: np.log(s[1] / s[0])) if spans else None
        self._place_span_text()
        if changed:
            self.fast.invalidate(bx)
        if best_lr is not None and ok.any():
            self.best.set_data([best_lr], [float(sa.clip(np.array([np.nanmin(final[ok])]))[0])])
        else:
            self.best.set_data([], [])

    def _place_span_text(self) -> None:
        """Label the widest diverged span, on the side away from the chosen lr's line."""
        widest = self._widest
        self.span_text.set_visible(widest is not None)
        if widest is None:
            return
        y0, y1 = self.ax_sweep.get_ylim()
        y = y1 / 10 ** (0.04 * np.log10(y1 / y0))
        lr = float(self.cursor.get_xdata()[0])
        left, right = widest
        middle = float(np.sqrt(left * right))
        if left <= lr <= right:  # the chosen line runs through the span: beside it
            room_right = np.log(right / lr) >= np.log(lr / left)
            self.span_text.set_position((lr * (1.15 if room_right else 1 / 1.15), y))
            self.span_text.set_horizontalalignment("left" if room_right else "right")
        else:
            self.span_text.set_position((middle, y))
            self.span_text.set_horizontalalignment("center")
        self._keep_inside(self.span_text)

    def _keep_inside(self, text: Text, margin: float = 3.0) -> None:
        """Slide ``text`` sideways so that it ends inside the sweep panel (a blitted
        panel cuts what sticks out: "diverged" read "divergec")."""
        ax = self.ax_sweep
        renderer = ax.figure.canvas.get_renderer()
        with matplotlib.rc_context(self.rc):  # the fonts it is drawn with
            box = text.get_window_extent(renderer)
        frame = ax.get_window_extent(renderer)
        shift = min(0.0, frame.x1 - margin - box.x1) or max(0.0, frame.x0 + margin - box.x0)
        if shift:
            x, y = ax.transData.transform(text.get_position())
            text.set_x(float(ax.transData.inverted().transform((x + shift, y))[0]))

    def reset(self) -> None:
        """A new model, data set or range: every axis is set afresh at the next run."""
        self.curve_axis.reset()
        self.sweep_axis.reset()
        self.lr_range.reset()
        self._chosen_loss = np.zeros(0)  # the last run's curve must not set the new limits

    # ----- output --------------------------------------------------------------------
    def draw(self) -> None:
        with matplotlib.rc_context(self.rc):
            self.fast.draw()

    def png(self) -> bytes:
        with matplotlib.rc_context(self.rc):
            return self.fast.png()
