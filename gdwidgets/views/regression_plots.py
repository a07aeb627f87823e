"""The regression picture: data with the fitted curve, the loss curve, and the loss
surface with the optimizer's path (or, for models with more than two parameters, the
parameters over the steps). Built once; a new run or a new step only updates data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

from ..i18n import register, tr
from .canvas import FastFigure
from .fonts import plot_rc
from .loss_axis import LossAxis

if TYPE_CHECKING:
    from ..training import History

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
})

CURVE, MARK, PATH, DATA = "#d9480f", "#c92a2a", "#e8590c", "#1c7ed6"
Surface = Callable[[np.ndarray], np.ndarray]  # (R, 2) parameter pairs -> (R,) losses


def _padded(lo: float, hi: float, pad: float = 0.08) -> tuple[float, float]:
    span = hi - lo or max(abs(hi), 1.0)
    return lo - pad * span, hi + pad * span


class RegressionFigure:
    """Three panels redrawn in place; ``png()`` gives the picture."""

    def __init__(self) -> None:
        with matplotlib.rc_context(plot_rc()):
            self.fast = FastFigure(3)
            self.figure = self.fast.figure
            fit_ax, loss_ax, third = self.fast.axes
            for ax in self.fast.axes:
                ax.tick_params(labelsize=8.5)
            fit_ax.set_title(tr("plot.fit"), fontsize=10)
            loss_ax.set_title(tr("plot.loss"), fontsize=10)
            self.loss_axis = LossAxis(loss_ax)  # log scale, sticky limits, clipped values
            loss_ax.set_xlabel(tr("plot.step"))
            self.data = fit_ax.scatter([], [], s=10, color=DATA, alpha=0.7, zorder=2)
            (self.curve,) = fit_ax.plot([], [], color=CURVE, lw=2)
            self.step_text = fit_ax.text(0.02, 0.96, "", transform=fit_ax.transAxes,
                                         va="top", fontsize=9, color="#495057")
            (self.loss_line,) = loss_ax.plot([], [], color=DATA, lw=1.4)
            (self.loss_mark,) = loss_ax.plot([], [], "o", color=MARK, ms=6)
            (self.blowup,) = loss_ax.plot([], [], "x", color=MARK, ms=10, mew=2.5,
                                          clip_on=False)  # whole, even at step 1
            (self.path,) = third.plot([], [], ".-", color=PATH, lw=1.2, ms=3)
            (self.path_head,) = third.plot([], [], "o", color=MARK, ms=6)
            self.param_lines: list[Any] = []
            (self.param_cursor,) = third.plot([], [], color=MARK, lw=1, alpha=0.7)
        self.fast.animate(self.curve, self.step_text, self.loss_line, self.loss_mark,
                          self.blowup, self.path, self.path_head, self.param_cursor)
        self.history: History | None = None
        self._data_key: Any = None
        self._surface_key: Any = None
        self._surface_box: tuple[float, float, float, float] | None = None
        self._contours: Any = None
        self._params_key: Any = None
        self._xgrid = np.zeros(0)

    @property
    def axes(self) -> list[Any]:
        return self.fast.axes

    # ----- a new run -------------------------------------------------------------------
    def set_history(self, history: History, surface: Surface | None = None,
                    surface_key: Any = None, optimum: np.ndarray | None = None) -> None:
        """Show a new run. For two-parameter models, ``surface`` evaluates the full-data
        loss at many (p1, p2) pairs, ``surface_key`` changes when that function does, and
        ``optimum`` (the best parameters, if known) is kept in view."""
        self.history = history
        with matplotlib.rc_context(plot_rc()):
            self._show_data(history)
            self._show_loss(history)
            if surface is not None and history.theta.shape[1] == 2:
                self._show_surface(history, surface, surface_key, optimum)
            else:
                self._show_params(history)

    def _show_data(self, h: History) -> None:
        cfg = h.config
        key = (cfg.label, cfg.x.shape, float(cfg.x.sum()), float(cfg.y.sum()))
        one_d = cfg.x.shape[1] == 1
        ax = self.axes[0]
        if key != self._data_key:
            self._data_key = key
            if one_d:
                x = cfg.x[:, 0]
                self.data.set_offsets(np.column_stack([x, cfg.y]))
                ax.set_xlim(*_padded(float(x.min()), float(x.max()), 0.04))
                self._xgrid = np.linspace(*ax.get_xlim(), 200)
                ax.set_xlabel("x")
                ax.set_ylabel("y")
            else:
                ax.set_xlabel(tr("plot.actual"))
                ax.set_ylabel(tr("plot.predicted"))
                ax.set_xlim(*_padded(float(cfg.y.min()), float(cfg.y.max())))
            ax.set_ylim(*_padded(float(cfg.y.min()), float(cfg.y.max()), 0.15))
            self.fast.invalidate(ax)

    def _show_loss(self, h: History) -> None:
        loss = h.loss.astype(np.float64)
        if self.loss_axis.update([loss], steps=h.planned):  # stays put when a run diverges
            self.fast.invalidate(self.axes[1])
        self.loss_line.set_data(np.arange(1, len(loss) + 1), self.loss_axis.clip(loss))
        if h.diverged:
            self.blowup.set_data([h.diverged_step], [self.loss_axis.top / 1.5])
        else:
            self.blowup.set_data([], [])

    def _show_surface(self, h: History, surface: Surface, key: Any,
                      optimum: np.ndarray | None) -> None:
        self.path.set_visible(True)
        self.path_head.set_visible(True)
        self.param_cursor.set_visible(False)
        for line in self.param_lines:
            line.set_visible(False)
        theta = h.theta
        good = theta[: (h.diverged_step or len(theta))]
        good = good[np.isfinite(good).all(1)]
        ends = np.vstack([good[:1], good[-1:]]) if not h.diverged else good[:1]
        if optimum is not None:
            ends = np.vstack([ends, optimum.reshape(1, 2)])
        lo, hi = ends.min(0), ends.max(0)
        box = self._surface_box
        inside = box is not None and all(box[0] <= v <= box[1] for v in ends[:, 0]) and all(
            box[2] <= v <= box[3] for v in ends[:, 1])
        if key != self._surface_key or not inside:
            span = np.maximum(hi - lo, 0.5 + 0.1 * np.abs(lo + hi))
            lo, hi = lo - 0.35 * span, hi + 0.35 * span
            self._surface_box = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
            self._surface_key = key
            self._draw_contours(h, surface)
        self.path.set_data(theta[:, 0], theta[:, 1])

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
        names = h.config.layout.names
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_title(tr("plot.surface"), fontsize=10)
        self.fast.invalidate(ax)

    def _show_params(self, h: History) -> None:
        ax = self.axes[2]
        self.path.set_visible(False)
        self.path_head.set_visible(False)
        self.param_cursor.set_visible(True)
        if self._contours is not None:
            self._contours.remove()
            self._contours = None
            self._surface_key = self._surface_box = None
        cols = h.theta.shape[1]
        names = [f"{n}{'' if size == 1 else f'[{i}]'}"
                 for n, size in zip(h.config.layout.names, h.config.layout.sizes)
                 for i in range(size)][:cols]
        shown = min(cols, 8)
        key = (tuple(names[:shown]), len(h.theta))
        steps = np.arange(len(h.theta))
        if key != self._params_key:
            self._params_key = key
            self.fast.forget(*self.param_lines)
            self.param_lines = [ax.plot([], [], lw=1.4, label=n)[0] for n in names[:shown]]
            self.fast.animate(*self.param_lines)
            ax.set_yscale("symlog", linthresh=1.0)
            ax.set_xlim(0, max(len(h.theta) - 1, 1))
            ax.set_xlabel(tr("plot.step"))
            ax.set_ylabel("")
            ax.set_title(tr("plot.params"), fontsize=10)
            ax.legend(handles=self.param_lines, fontsize=7.5, loc="best", ncols=2)
            self.fast.invalidate(ax)
        finite = h.theta[np.isfinite(h.theta).all(1)]
        bound = float(np.abs(finite).max()) * 1.3 + 1 if len(finite) else 10.0
        ylim = (-bound, bound)
        old = ax.get_ylim()
        if not (old[1] >= bound and old[1] <= 10 * bound):
            ax.set_ylim(*ylim)
            self.fast.invalidate(ax)
        for j, line in enumerate(self.param_lines):
            line.set_visible(True)
            line.set_data(steps, np.clip(h.theta[:, j], -bound, bound))

    # ----- a step of the run -----------------------------------------------------------
    def set_step(self, step: int) -> None:
        """Show the state after ``step`` updates (0: initial parameters)."""
        h = self.history
        if h is None:
            return
        step = int(np.clip(step, 0, len(h)))
        cfg = h.config
        if cfg.x.shape[1] == 1:
            fit = h.fit(self._xgrid.reshape(-1, 1), step)
            self.curve.set_data(self._xgrid, fit)
        else:
            fit = h.fit(cfg.x, step)
            self.curve.set_data(cfg.y, fit)
            self.curve.set_linestyle("none")
            self.curve.set_marker(".")
        self.step_text.set_text(tr("plot.at_step", step=step) + (
            f" · {tr('plot.diverged')}" if h.diverged and step >= len(h) else ""))
        k = min(step, len(h) - 1)
        self.loss_mark.set_data([k + 1], self.loss_axis.clip(h.loss[k : k + 1]))
        if self.path.get_visible():
            self.path.set_data(h.theta[: step + 1, 0], h.theta[: step + 1, 1])
            self.path_head.set_data(h.theta[step : step + 1, 0], h.theta[step : step + 1, 1])
        else:
            lim = self.axes[2].get_ylim()
            self.param_cursor.set_data([step, step], list(lim))

    def png(self) -> bytes:
        return self.fast.png()
