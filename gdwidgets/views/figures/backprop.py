"""The Scalar-engine lesson's figure: the points with the current line y = a·x + b (in
accumulate mode, a colour and a marker per micro-batch, the one in use ringed), and per
update step the full-batch loss or, in graph-bloat mode, the size of the graph against an
in-place twin.

Pure matplotlib (no ipywidgets), limits by the shared policy of :mod:`.loss_axis`; used by
:class:`gdwidgets.widgets.backprop.BackpropWidget`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.ticker import MaxNLocator

from ...i18n import register, tr
from ..style.fonts import plotting
from ..style.palette import BLUE, GREY, GROUP_MARKERS, GROUPS, ORANGE, RED
from .canvas import FastFigure
from .loss_axis import FitAxis, StickyRange

__all__ = ["BackpropFigure"]

register({
    "bpplot.data": ("points used", "使用的数据点"),
    "bpplot.all_data": ("all {n} points", "全部 {n} 个点"),
    "bpplot.this_micro": ("this micro-batch", "当前小批次"),
    "bpplot.micro_batch": ("micro-batch", "小批次"),
    "bpplot.fit": ("y = a·x + b", "y = a·x + b"),
    "bpplot.step_axis": ("update step", "更新步数"),
    "bpplot.full_loss": ("full-batch loss", "全部数据的损失"),
    "bpplot.node_axis": ("nodes in graph", "计算图节点数"),
    "bpplot.book_style": ("a -= lr * a.grad (book)", "a -= lr * a.grad（书中写法）"),
    "bpplot.in_place": ("in place", "原地更新"),
})

WIDTH_PX, HEIGHT_PX, DPI = 390, 330, 90  # 330: the widget fits 680 px (issue #21)
_GROUP_PATHS = [MarkerStyle(m).get_path().transformed(MarkerStyle(m).get_transform())
                for m in GROUP_MARKERS]  # micro-batch j: marker j (not colour alone)


def _proxy(line: Line2D) -> Line2D:
    """A legend handle that looks like ``line`` (animated lines draw no handle)."""
    return Line2D([], [], color=line.get_color(), lw=line.get_linewidth(),
                  ls=line.get_linestyle(), marker=line.get_marker(),
                  ms=line.get_markersize(), mfc=line.get_markerfacecolor(),
                  label=line.get_label())


class BackpropFigure:
    """Two panels redrawn in place; ``png()`` gives the picture.

    >>> f = BackpropFigure()
    >>> f.set_source("seed", xs, ys, mode="plain")       # all points, faint
    >>> f.show(used, part, (a, b), curve=[8.5, 3.1])
    >>> png = f.png()
    """

    def __init__(self) -> None:
        with plotting():
            self.fast = f = FastFigure(2, width=WIDTH_PX / DPI, height=HEIGHT_PX / DPI,
                                       dpi=DPI, stacked=True)
            self.figure = f.figure
            fit, curve = f.axes
            fit.set_position((0.17, 0.625, 0.8, 0.34))
            curve.set_position((0.17, 0.125, 0.8, 0.34))
            curve.xaxis.set_major_locator(MaxNLocator(integer=True))
            self._all = fit.scatter([], [], s=12, color=GREY, zorder=1)
            (self._points,) = fit.plot([], [], "o", ms=5, color=BLUE, label=tr("bpplot.data"))
            self._groups = fit.scatter([], [], s=25, zorder=2)  # points by micro-batch
            (self._part,) = fit.plot([], [], "o", ms=9, mfc="none", mew=1.6, color=ORANGE,
                                     label=tr("bpplot.this_micro"))
            (self._line,) = fit.plot([], [], color=RED, lw=2, label=tr("bpplot.fit"))
            self.fit_axis = FitAxis(fit)
            (self._curve_a,) = curve.plot([], [], "o-", ms=4, color=RED)
            (self._curve_b,) = curve.plot([], [], "s-", ms=4, color=BLUE)
            fit.set_xlabel("x")
            fit.set_ylabel("y")
            curve.set_xlabel(tr("bpplot.step_axis"))
        f.animate(self._points, self._groups, self._part, self._line, self.fit_axis.note,
                  self._curve_a, self._curve_b)
        self.steps = StickyRange(curve, "x", zero=True, fill=0.3)
        self.values = StickyRange(curve, "y", zero=True, fill=0.3)
        self._key: tuple | None = None
        self._legends: list = []

    @property
    def axes(self) -> list:
        return self.fast.axes

    def set_source(self, name: str, xs: Sequence[float], ys: Sequence[float], mode: str,
                   parts: int = 1) -> None:
        """Every point of the data source (static, faint), the limits, the legends
        (``parts``: the number of micro-batches)."""
        key = (mode, name, tuple(xs), tuple(ys), parts)  # set_data may bring other points
        if key == self._key:
            return
        self._key = key
        fit, curve = self.axes
        with plotting():
            self._all.set_offsets(np.column_stack([xs, ys]))
            pad_x = (max(xs) - min(xs)) * 0.1 or 1.0
            fit.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
            self.fit_axis.set_data(min(min(ys), 0.0), max(max(ys), 0.0))  # y = 0 in view
            first = self._part if parts > 1 else self._points
            handles = [_proxy(first), _proxy(self._line)]
            if len(xs) > 100:
                self._all.set_label(tr("bpplot.all_data", n=len(xs)))
                handles.append(self._all)
            for legend in self._legends:
                legend.remove()
            self._legends = [fit.legend(handles=handles, loc="upper left", framealpha=0.85)]
            if parts > 1:  # one colour per micro-batch, keyed in the lower right
                fit.add_artist(self._legends[0])
                self._legends.append(fit.legend(
                    handles=[Line2D([], [], ls="", marker=GROUP_MARKERS[j % 10], ms=5,
                                    color=GROUPS[j % 10],
                                    label=str(j + 1)) for j in range(parts)],
                    title=tr("bpplot.micro_batch"), loc="lower right", framealpha=0.85,
                    ncol=parts, columnspacing=0.4, handletextpad=0.05, handlelength=1.0,
                    borderpad=0.3))
            bloat = mode == "bloat"
            self._curve_a.set_label(tr("bpplot.book_style") if bloat else tr("bpplot.full_loss"))
            self._curve_b.set_label(tr("bpplot.in_place"))
            curve.set_ylabel(tr("bpplot.node_axis") if bloat else tr("bpplot.full_loss"))
            if curve.get_legend():
                curve.get_legend().remove()
            if bloat:
                curve.legend(handles=[_proxy(self._curve_a), _proxy(self._curve_b)],
                             loc="lower right")
        self.steps.reset()
        self.values.reset()
        self.fast.invalidate()

    def show(self, used: Sequence[tuple[float, float]], part: Sequence[tuple[float, float]],
             line: tuple[float, float], curve: Sequence[float],
             twin: Sequence[float] | None = None, groups: Sequence[int] | None = None
             ) -> None:
        """The points in use, the current micro-batch (empty: none), the line (a, b), and
        the per-step curve (with the in-place twin's node counts in bloat mode);
        ``groups``: the micro-batch of each point in use (None: one colour)."""
        fit, panel = self.axes
        if groups is None:
            self._points.set_data([p[0] for p in used], [p[1] for p in used])
            self._groups.set_offsets(np.empty((0, 2)))
        else:
            self._points.set_data([], [])
            self._groups.set_offsets(np.array(used, dtype=float).reshape(-1, 2))
            self._groups.set_facecolor([GROUPS[g % 10] for g in groups])
            self._groups.set_paths([_GROUP_PATHS[g % 10] for g in groups])
            self._groups.set_edgecolor("none")
        self._part.set_data([p[0] for p in part], [p[1] for p in part])
        self._part.set_visible(bool(part))
        a, b = line
        xs = np.linspace(*fit.get_xlim(), 2)
        with np.errstate(all="ignore"), plotting():
            ys = a * xs + b
            if self.fit_axis.follow(xs, ys):
                self.fast.invalidate(fit)
        self._line.set_data(xs, ys)
        steps = np.arange(len(curve))
        self._curve_a.set_data(steps, curve)
        self._curve_b.set_data(steps[: len(twin or ())], list(twin or ()))
        self._curve_b.set_visible(twin is not None)
        values = np.array([*curve, *(twin or ())], dtype=float)
        values = values[np.isfinite(values)]
        changed = self.steps.show(0, max(len(curve) - 1, 4))
        if changed:  # step 0's marker whole, beside the y axis rather than under it
            panel.set_xlim(-0.4, panel.get_xlim()[1])
        if values.size:
            changed |= self.values.show(min(0.0, float(values.min())), float(values.max()))
        if changed:
            self.fast.invalidate(panel)

    def png(self) -> bytes:
        with plotting():
            return self.fast.png()

