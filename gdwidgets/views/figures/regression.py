"""The regression picture: data with the fitted curve, the loss curve, and the loss
surface with the optimizer's path (or, for models with more than two parameters, the
parameters over the steps). Built once; a new run or a new step only updates data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.ticker import FixedLocator, MaxNLocator

from ...i18n import register, tr
from ..style.fonts import plotting
from ..style.palette import BLUE, BURNT, CRIMSON, FLAME, NOTE
from .canvas import FastFigure
from .loss_axis import FitAxis, LossAxis

if TYPE_CHECKING:
    from ...training import History

__all__ = ["RegressionFigure"]

register({
    "plot.fit": ("Data and fit", "数据与拟合"),
    "plot.loss": ("Loss (log scale)", "损失（对数坐标）"),
    "plot.surface": ("Loss surface and path", "损失曲面与下降路径"),
    "plot.params": ("Parameters", "参数"),
    "plot.step": ("step", "步数"),
    "plot.loss_axis": ("loss", "损失"),
    "plot.at_step": ("step {step}", "第 {step} 步"),
    "plot.diverged": ("diverged", "发散"),
    "plot.predicted": ("predicted", "预测值"),
    "plot.actual": ("actual", "真实值"),
    "plot.units_std": (" (for standardised x)", "（对标准化的 x）"),
    "plot.units_factor": (" (for {f:g}·x)", "（对 {f:g}·x）"),
})

CURVE, MARK, PATH, DATA = BURNT, CRIMSON, FLAME, BLUE
WIDTH_PX, HEIGHT_PX, DPI = 1080, 320, 90  # the widget's width at 1280×800: shown 1:1
MAX_LINES = 11  # parameter lines drawn (degree 10: w1..w10 and b)
Surface = Callable[[np.ndarray], np.ndarray]  # (R, 2) parameter pairs -> (R,) losses


def _padded(lo: float, hi: float, pad: float = 0.08) -> tuple[float, float]:
    span = hi - lo or max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


class RegressionFigure:
    """Three panels redrawn in place; ``png()`` gives the picture."""

    def __init__(self) -> None:
        with plotting():
            self.fast = FastFigure(3, width=WIDTH_PX / DPI, height=HEIGHT_PX / DPI, dpi=DPI)
            self.figure = self.fast.figure
            fit_ax, loss_ax, third = self.fast.axes
            fit_ax.set_title(tr("plot.fit"))
            loss_ax.set_title(tr("plot.loss"))
            loss_ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            self.loss_axis = LossAxis(loss_ax)  # log scale, sticky limits, clipped values
            loss_ax.set_xlabel(tr("plot.step"))
            self.data = fit_ax.scatter([], [], s=10, color=DATA, alpha=0.7, zorder=2)
            (self.curve,) = fit_ax.plot([], [], color=CURVE, lw=2)
            self.step_text = fit_ax.text(0.02, 0.96, "", transform=fit_ax.transAxes,
                                         va="top", fontsize=10, color=NOTE)
            self.fit_axis = FitAxis(fit_ax, pad=0.15)
            self.off_note = self.fit_axis.note
            (self.path_out,) = third.plot([], [], "x", color=MARK, ms=9, mew=2,
                                          clip_on=False)  # where the path leaves the view
            (self.loss_line,) = loss_ax.plot([], [], color=DATA, lw=1.4)
            (self.loss_mark,) = loss_ax.plot([], [], "o", color=MARK, ms=6)
            (self.blowup,) = loss_ax.plot([], [], "x", color=MARK, ms=10, mew=2.5,
                                          clip_on=False)  # whole, even at step 1
            (self.path,) = third.plot([], [], ".-", color=PATH, lw=1.2, ms=3)
            (self.path_head,) = third.plot([], [], "o", color=MARK, ms=6)
            self.param_lines: list[Any] = []
            (self.param_cursor,) = third.plot([], [], color=MARK, lw=1, alpha=0.7)
        self.fast.animate(self.curve, self.step_text, self.off_note, self.loss_line,
                          self.loss_mark, self.blowup, self.path, self.path_head,
                          self.path_out, self.param_cursor)
        self.history: History | None = None
        self._data_key: Any = None
        self._surface_key: Any = None
        self._surface_box: tuple[float, float, float, float] | None = None
        self._contours: Any = None
        self._params_key: Any = None
        self._legend_corner = ""
        self._xgrid = np.zeros(0)

    @property
    def axes(self) -> list[Any]:
        return self.fast.axes

    def forget(self) -> None:
        """Set every panel afresh at the next run, as for the first one (a widget's
        reset: the sticky limits a wilder run left are not kept)."""
        self._data_key = self._surface_key = self._params_key = None
        self.loss_axis.reset()

    # ----- a new run -------------------------------------------------------------------
    def set_history(self, history: History, surface: Surface | None = None,
                    surface_key: Any = None, optimum: np.ndarray | None = None) -> None:
        """Show a new run. For two-parameter models, ``surface`` evaluates the full-data
        loss at many (p1, p2) pairs, ``surface_key`` changes when that function does, and
        ``optimum`` (the best parameters, if known) is kept in view."""
        self.history = history
        with plotting():
            self._show_data(history)
            self._show_loss(history)
            if surface is not None and history.theta.shape[1] == 2:
                self._show_surface(history, surface, surface_key, optimum)
            else:
                self._show_params(history)

    def _show_data(self, h: History) -> None:
        cfg = h.config
        key = (cfg.label, cfg.x.shape, float(cfg.x.sum()), float(cfg.y.sum()),
               cfg.data.x_label, cfg.data.y_label)
        one_d = cfg.x.shape[1] == 1
        ax = self.axes[0]
        if key != self._data_key:
            self._data_key = key
            if one_d:
                x = cfg.x[:, 0]
                self.data.set_offsets(np.column_stack([x, cfg.y]))
                ax.set_xlim(*_padded(float(x.min()), float(x.max()), 0.04))
                self._xgrid = np.linspace(*ax.get_xlim(), 200)
                ax.set_xlabel(cfg.data.x_label)
                ax.set_ylabel(cfg.data.y_label)
            else:
                ax.set_xlabel(f"{tr('plot.actual')} {cfg.data.y_label}")
                ax.set_ylabel(f"{tr('plot.predicted')} {cfg.data.y_label}")
                ax.set_xlim(*_padded(float(cfg.y.min()), float(cfg.y.max())))
            self.fit_axis.set_data(float(cfg.y.min()), float(cfg.y.max()))
            self.loss_axis.reset()  # a new data set: the loss axis is set afresh
            self.fast.invalidate(ax)

    def _show_loss(self, h: History) -> None:
        loss = h.loss.astype(np.float64)
        finite = loss[np.isfinite(loss)]
        top = float(finite.max()) if h.diverged and finite.size else None  # the explosion
        if self.loss_axis.update([loss], steps=h.planned, include=top, floor=h.TINY / 10):
            self.fast.invalidate(self.axes[1])
        self.loss_line.set_data(np.arange(1, len(loss) + 1), self.loss_axis.clip(loss))
        if h.diverged:  # on the curve, at the loss the banner names
            at = h.diverged_step
            self.blowup.set_data([at], self.loss_axis.clip(loss[at - 1 : at]))
        else:
            self.blowup.set_data([], [])

    def _show_surface(self, h: History, surface: Surface, key: Any,
                      optimum: np.ndarray | None) -> None:
        self.path.set_visible(True)
        self.path_head.set_visible(True)
        self.path_out.set_visible(True)
        self.param_cursor.set_visible(False)
        for line in self.param_lines:
            line.set_visible(False)
        if self._params_key is not None:  # coming from the parameters panel: clear it
            self.fast.forget(*self.param_lines)
            self.param_lines = []
            self._params_key = None
            ax = self.axes[2]
            if ax.get_legend():
                ax.get_legend().remove()
            ax.set_yscale("linear")
            self._surface_key = None
        theta = h.theta
        good = theta[np.isfinite(theta).all(1) & (np.abs(theta) < 1e6).all(1)]
        ends = good[:1] if h.diverged else np.vstack([good[:1], good[-1:]])
        if optimum is not None:
            ends = np.vstack([ends, optimum.reshape(1, 2)])
        lo, hi = ends.min(0), ends.max(0)
        span = np.maximum(hi - lo, 0.5 + 0.1 * np.abs(lo + hi))
        # the path's other points are kept in view too, up to three times that span
        near = good[(np.abs(good - (lo + hi) / 2) <= 1.5 * span).all(1)]
        if len(near):
            lo, hi = np.minimum(lo, near.min(0)), np.maximum(hi, near.max(0))
        box = self._surface_box
        inside = box is not None and bool(
            (box[0] <= lo[0]) & (hi[0] <= box[1]) & (box[2] <= lo[1]) & (hi[1] <= box[3]))
        if key != self._surface_key or not inside:
            span = np.maximum(hi - lo, 0.5 + 0.1 * np.abs(lo + hi))
            lo, hi = lo - 0.2 * span, hi + 0.2 * span
            self._surface_box = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
            self._surface_key = key
            self._draw_contours(h, surface)
        self._set_path(len(theta) - 1)

    def _set_path(self, step: int) -> None:
        """The path up to ``step``; points outside the view drawn at its edge, marked ×."""
        x0, x1, y0, y1 = self._surface_box
        theta = self.history.theta[: step + 1]
        with np.errstate(invalid="ignore"):
            px = np.clip(np.nan_to_num(theta[:, 0], nan=x1, posinf=x1, neginf=x0), x0, x1)
            py = np.clip(np.nan_to_num(theta[:, 1], nan=y1, posinf=y1, neginf=y0), y0, y1)
        out = (px != theta[:, 0]) | (py != theta[:, 1])
        leaves = out & ~np.r_[False, out[:-1]]  # one × where the path leaves the view
        self.path.set_data(px, py)
        self.path_out.set_data(px[leaves], py[leaves])
        self.path_head.set_data(px[-1:], py[-1:])

    def _draw_contours(self, h: History, surface: Surface) -> None:
        ax = self.axes[2]
        if self._contours is not None:
            self._contours.remove()
        x0, x1, y0, y1 = self._surface_box
        p1, p2 = np.linspace(x0, x1, 70), np.linspace(y0, y1, 70)
        g1, g2 = np.meshgrid(p1, p2)
        z = surface(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
        z = np.where(np.isfinite(z), z, np.nanmax(z[np.isfinite(z)]))
        lo, hi = max(float(z.min()), 1e-12), float(z.max())
        levels = np.geomspace(lo * 1.05, hi, 14) if hi > lo * 1.1 else 8
        self._contours = ax.contour(g1, g2, z, levels=levels, cmap="viridis", linewidths=0.9,
                                    alpha=0.8)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        names, units = h.config.layout.names, trained_units(h.config.normalize)
        ax.set_xlabel(names[0] + units)
        ax.set_ylabel(names[1] + units)
        ax.set_title(tr("plot.surface"), pad=9)  # clear of a × on the top edge
        self.fast.invalidate(ax)

    def _show_params(self, h: History) -> None:
        ax = self.axes[2]
        self.path.set_visible(False)
        self.path_head.set_visible(False)
        self.path_out.set_visible(False)
        self.param_cursor.set_visible(True)
        if self._contours is not None:
            self._contours.remove()
            self._contours = None
            self._surface_key = self._surface_box = None
        cols = h.theta.shape[1]
        names = [f"{n}{'' if size == 1 else f'[{i}]'}"
                 for n, size in zip(h.config.layout.names, h.config.layout.sizes)
                 for i in range(size)][:cols]
        shown = min(cols, MAX_LINES)
        key = (tuple(names[:shown]), len(h.theta))
        steps = np.arange(len(h.theta))
        new_lines = key != self._params_key
        if new_lines:
            self._params_key = key
            self.fast.forget(*self.param_lines)
            terms = param_terms(h.config)
            self.param_lines = [ax.plot([], [], lw=1.4, color=f"C{j % 10}",  # the same
                                        label=terms.get(n, n))[0]  # colours every time
                                for j, n in enumerate(names[:shown])]
            self.fast.animate(*self.param_lines)
            ax.set_yscale("symlog", linthresh=1.0)
            ax.set_xlim(0, max(len(h.theta) - 1, 1))
            ax.set_xlabel(tr("plot.step"))
            ax.set_ylabel("")
            ax.set_title(tr("plot.params"))
            self._legend_corner = ""
            self.fast.invalidate(ax)
        finite = h.theta[np.isfinite(h.theta).all(1)]
        bound = float(np.abs(finite).max()) * 1.3 + 1 if len(finite) else 10.0
        ylim = (-bound, bound)
        old = ax.get_ylim()
        if new_lines or not (old[1] >= bound and old[1] <= 10 * bound):
            ax.set_ylim(*ylim)
            ax.yaxis.set_major_locator(FixedLocator(symlog_ticks(bound)))
            self.fast.invalidate(ax)
        for j, line in enumerate(self.param_lines):
            line.set_visible(True)
            line.set_data(steps, np.clip(h.theta[:, j], -bound, bound))
        corner = emptiest_corner(ax, self.param_lines)
        if corner != self._legend_corner:  # the key where it covers the fewest points
            self._legend_corner = corner
            ax.legend(handles=self.param_lines, loc=corner, ncols=4, fontsize=9,
                      handlelength=1.0, columnspacing=0.8, labelspacing=0.2,
                      framealpha=0.85)
            self.fast.invalidate(ax)

    # ----- a step of the run -----------------------------------------------------------
    def set_step(self, step: int) -> None:
        """Show the state after ``step`` updates (0: initial parameters)."""
        h = self.history
        if h is None:
            return
        step = int(np.clip(step, 0, len(h)))
        cfg = h.config
        with np.errstate(all="ignore"):
            if cfg.x.shape[1] == 1:
                xs, fit = self._xgrid, h.fit(self._xgrid.reshape(-1, 1), step)
            else:
                xs, fit = cfg.y, h.fit(cfg.x, step)
                self.curve.set_linestyle("none")
                self.curve.set_marker(".")
        self.curve.set_data(xs, fit)
        with plotting():  # the note and the step text may be in Chinese
            if self.fit_axis.follow(xs, fit):
                self.fast.invalidate(self.axes[0])
            self.step_text.set_text(tr("plot.at_step", step=step) + (
                f" · {tr('plot.diverged')}" if h.diverged and step >= h.diverged_step else ""))
        k = min(step, len(h) - 1)
        self.loss_mark.set_data([k + 1], self.loss_axis.clip(h.loss[k : k + 1]))
        if self.path.get_visible() and self._surface_box is not None:
            self._set_path(step)
        else:
            lim = self.axes[2].get_ylim()
            self.param_cursor.set_data([step, step], list(lim))

    def png(self) -> bytes:
        return self.fast.png()


def emptiest_corner(ax: Any, lines: list[Any], width: float = 0.5, height: float = 0.18
                    ) -> str:
    """The corner of ``ax`` (a legend ``loc``) whose ``width`` × ``height`` box (in axes
    fractions) holds the fewest points of ``lines``; ties go to the upper left."""
    xy = np.concatenate([np.column_stack(line.get_data()) for line in lines] or
                        [np.zeros((0, 2))]).astype(float)
    xy = xy[np.isfinite(xy).all(1)]
    at = ax.transAxes.inverted().transform(ax.transData.transform(xy)) if len(xy) else xy
    counts = {}
    for corner in ("upper left", "upper right", "lower left", "lower right"):
        x_in = at[:, 0] <= width if "left" in corner else at[:, 0] >= 1 - width
        y_in = at[:, 1] >= 1 - height if "upper" in corner else at[:, 1] <= height
        counts[corner] = int((x_in & y_in).sum())
    return min(counts, key=lambda c: counts[c])  # dicts keep order: upper left first


def symlog_ticks(bound: float) -> list[float]:
    """Ticks for a symlog axis (linear within ±1) from -bound to bound: 0 and ±10^k for
    every k-th decade, at most four a side, so that labels never overlap (±1, one
    decade apart, would touch once the axis spans many decades)."""
    decades = max(0, math.floor(math.log10(max(bound, 1.0))))
    step = max(1, math.ceil((decades + 1) / 4))
    ks = range(0, decades + 1, step) if step == 1 else range(step, decades + 1, step)
    side = [10.0**k for k in ks if 10.0**k <= bound]
    return [-v for v in reversed(side)] + [0.0] + side


SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def param_terms(config: Any) -> dict[str, str]:
    """Each parameter with the term it multiplies, for tables and keys: ``w1·x``,
    ``w2·x²`` (w_k multiplies x^k, in every widget, lesson and homework), ``w·x``; the
    others (b, the chain's and the MLP's) by name."""
    if config.model == "polynomial":
        return {f"w{k}": f"w{k}·x" + (str(k).translate(SUPERSCRIPT) if k > 1 else "")
                for k in range(1, config.degree + 1)}
    if config.model == "linear" and config.x.shape[1] == 1:
        return {"w": "w·x"}
    return {}


def trained_units(normalize: bool | float) -> str:
    """In which units the trained parameters are, to write after their names: '' for raw
    inputs, " (for standardised x)", " (for 0.1·x)"."""
    if normalize is False:
        return ""
    if normalize is True:
        return tr("plot.units_std")
    return tr("plot.units_factor", f=normalize)
