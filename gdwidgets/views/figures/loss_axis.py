"""Axes that stay readable while a run explodes, and stay put while a slider moves.

- :class:`StickyRange`: limits that change only when the data leave them or use too
  little of them, so most redraws of a :class:`~gdwidgets.views.figures.canvas.FastFigure` only
  blit (call ``invalidate(ax)`` when ``show()`` returns True).
- :class:`LossAxis`: a log-scale loss axis (plus an optional step axis). Losses are drawn
  within a readable band around the first loss (by default 3 decades above it): values
  above the band, inf and nan are clipped to the top edge (mark them, e.g. with ×), zero
  and tiny losses to the bottom edge: 7 decades below it, about float32's resolution, so
  round-off noise of a converged run draws as a flat line, not a comb.
- :class:`FitAxis`: the y-range of a fit panel: the data, grown to keep the model's line in
  view up to ``REACH`` times the data's span; a line further off gets a note saying where
  it went ("line off-screen: y ≈ -310 at x = 1"), so a student never sees it vanish.

The policy, the same in every figure: limits are sticky while a control moves (a redraw
only blits), grow when what must be seen leaves them, and are set afresh (``reset()`` or
``set_data()``) when the model, the data set or a range changes, so nothing stale stays.

Pure matplotlib; nothing here knows about widgets or torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.text import Text

from ...i18n import register, tr
from ..style.palette import RED_INK

__all__ = ["FitAxis", "LossAxis", "StickyRange", "clip_log", "nice_ceil"]

register({
    "axis.offscreen": ("line off-screen: y ≈ {y} at x = {x}", "拟合线在图外：x = {x} 处 y ≈ {y}"),
    "axis.not_finite": ("line off-screen: its values overflowed (nan/inf)",
                        "拟合线在图外：数值已溢出（nan/inf）"),
})


def nice_ceil(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is >= value (value > 0)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    k = math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**k >= value * (1 - 1e-12):
            return m * 10**k
    return 10 ** (k + 1)  # pragma: no cover


class StickyRange:
    """Limits of one axis (``which`` 'x' or 'y') that move only when they must.

    ``show(lo, hi)`` keeps the current limits when they contain [lo, hi] and the data fill
    at least ``fill`` of them (in decades on a log axis); otherwise it sets new limits
    around the data: whole decades on a log axis; on a linear one, padded by ``pad`` of
    the span and rounded to a 1-2-2.5-5 tick step (from 0 when ``zero`` and lo >= 0).
    """

    def __init__(self, ax: Axes, which: Literal["x", "y"] = "y", *, log: bool = False,
                 fill: float = 0.4, pad: float = 0.04, zero: bool = False) -> None:
        self.ax, self.which, self.log, self.fill, self.pad = ax, which, log, fill, pad
        self.zero = zero
        self.limits: tuple[float, float] | None = None

    def reset(self) -> None:
        """Forget the limits: the next ``show`` sets them afresh."""
        self.limits = None

    def _set(self, lo: float, hi: float) -> None:
        if self.which == "x":
            self.ax.set_xlim(lo, hi)
        else:
            self.ax.set_ylim(lo, hi)
        self.limits = (lo, hi)

    def _wanted(self, lo: float, hi: float) -> tuple[float, float]:
        if self.log:
            a, b = math.log10(lo), math.log10(hi)
            a, b = math.floor(a - self.pad), math.ceil(b + self.pad)
            if b - a < 1:
                b = a + 1
            return 10.0**a, 10.0**b
        span = hi - lo or max(abs(hi), 1.0)
        step = nice_ceil(span / 10)
        low = 0.0 if self.zero and lo >= 0 else math.floor((lo - self.pad * span) / step) * step
        return low, math.ceil((hi + self.pad * span) / step) * step

    def show(self, lo: float, hi: float) -> bool:
        """Make [lo, hi] visible; True when the limits changed."""
        if not (math.isfinite(lo) and math.isfinite(hi)) or (self.log and lo <= 0):
            return False
        lo, hi = min(lo, hi), max(lo, hi)
        if self.limits is not None:
            c0, c1 = self.limits
            if self.log:
                inside = c0 <= lo and hi <= c1
                used = (math.log10(hi) - math.log10(lo) + 1) / (math.log10(c1) - math.log10(c0))
            else:
                inside = c0 <= lo and hi <= c1
                used = (hi - lo) / (c1 - c0) if hi > lo else 1.0
            if inside and used >= self.fill:
                return False
        new = self._wanted(lo, hi)
        if self.limits is not None and np.allclose(new, self.limits):
            return False
        self._set(*new)
        return True


def clip_log(values: np.ndarray, bottom: float, top: float) -> np.ndarray:
    """Values for a log axis: inf, nan and values above ``top`` become ``top``; zero,
    negative and tiny ones become ``bottom``."""
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isfinite(v), v, top)
    return np.clip(v, bottom, top)


class LossAxis:
    """A log-scale loss axis for curves that may explode (see the module doc).

    >>> la = LossAxis(ax)                          # sets a log y scale
    >>> changed = la.update(curves, steps=200)     # True: call figure.invalidate(ax)
    >>> line.set_data(steps, la.clip(curve))       # drawable values, never 1e30
    """

    def __init__(self, ax: Axes, *, decades_above: float = 3.0,
                 decades_below: float = 7.0, steps: bool = True) -> None:
        self.ax = ax
        ax.set_yscale("log")
        self.y = StickyRange(ax, "y", log=True, fill=0.5)
        self.x = StickyRange(ax, "x", fill=0.4, zero=True) if steps else None
        self.decades_above, self.decades_below = decades_above, decades_below
        self.band = (1e-12, 1.0)  # what values may be drawn at all, from the reference

    def reset(self) -> None:
        """A new model, data set or range: the next ``update`` sets the limits afresh."""
        self.y.reset()
        if self.x is not None:
            self.x.reset()

    def readable(self, curves: Iterable[np.ndarray], reference: float | None = None,
                 include: float | None = None, floor: float | None = None
                 ) -> tuple[float, float]:
        """(lo, hi) of the curves' values within the band around ``reference`` (default:
        the largest first value of the curves), its top raised to ``include`` (a loss
        that must be seen: a diverged run's explosion), its bottom lowered to ``floor``
        (below the words' "below 1e-6", so the curve does not lie on the floor)."""
        arrays = [np.asarray(c, dtype=np.float64).reshape(-1) for c in curves]
        arrays = [a for a in arrays if a.size]
        if reference is None:
            firsts = [a[0] for a in arrays if np.isfinite(a[0]) and a[0] > 0]
            reference = max(firsts, default=1.0)
        reference = reference if math.isfinite(reference) and reference > 0 else 1.0
        top = reference * 10**self.decades_above
        if include is not None and math.isfinite(include):
            top = max(top, include)
        bottom = max(reference * 10**-self.decades_below, 1e-300)
        if floor is not None and 0 < floor < bottom:
            bottom = floor
        self.band = (bottom, top)
        values = np.concatenate(arrays) if arrays else np.array([reference])
        values = values[np.isfinite(values)]
        lo = float(np.clip(values.min(), bottom, top)) if values.size else reference
        hi = float(np.clip(values.max(), bottom, top)) if values.size else reference
        if any(not np.isfinite(a).all() or a.max() > top for a in arrays):
            hi = top  # something exploded: show the whole band up to its top
        return lo, hi

    def update(self, curves: Iterable[np.ndarray], *, reference: float | None = None,
               steps: float | None = None, include: float | None = None,
               floor: float | None = None) -> bool:
        """Fit the limits to the curves (and ``steps`` on the x axis; ``include`` and
        ``floor``: see ``readable``); True when they changed, i.e. the panel's static
        content must be re-rendered."""
        lo, hi = self.readable(curves, reference, include, floor)
        changed = self.y.show(lo, hi)
        if self.x is not None and steps is not None:
            changed |= self.x.show(0.0, max(float(steps), 1.0))
        return changed

    @property
    def top(self) -> float:
        """The highest drawable value: the axis' top edge."""
        return min(self.ax.get_ylim()[1], self.band[1] * 10)

    @property
    def bottom(self) -> float:
        return max(self.ax.get_ylim()[0], self.band[0] / 10)

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Values safe to draw: exploded ones at the top edge, tiny ones at the bottom."""
        return clip_log(values, self.bottom, self.top)


class FitAxis:
    """The y-limits of a fit panel, and a note for a model line that left them.

    >>> fa = FitAxis(ax)                  # make it while the figure's rcParams are on
    >>> fast.animate(fa.note)             # the note moves with the line: blit it
    >>> fa.set_data(y.min(), y.max())     # new data: limits afresh (re-render the panel)
    >>> if fa.follow(xs, line_ys): fast.invalidate(ax)
    """

    REACH = 3.0  # the limits may grow to this many times the data's span
    NOTE_COLOUR = RED_INK

    def __init__(self, ax: Axes, *, pad: float = 0.1) -> None:
        self.ax = ax
        self.note: Text = ax.text(0.5, 0.03, "", transform=ax.transAxes, ha="center",
                                  va="bottom", color=self.NOTE_COLOUR, fontsize=9.5,
                                  bbox={"fc": "white", "ec": self.NOTE_COLOUR, "alpha": 0.9,
                                        "pad": 2})
        self.range = StickyRange(ax, "y", pad=pad, fill=0.25)
        self.data = (0.0, 1.0)

    def set_data(self, lo: float, hi: float) -> None:
        """The data's y-range; the limits are set afresh around it."""
        self.data = (float(lo), float(hi))
        self.range.reset()
        self.range.show(*self.data)

    def follow(self, x: np.ndarray, y: np.ndarray) -> bool:
        """Keep the line (x, y) in view within ``REACH``; True when the limits changed."""
        x = np.asarray(x, dtype=np.float64).reshape(-1)
        y = np.asarray(y, dtype=np.float64).reshape(-1)
        lo, hi = self.data
        extra = (self.REACH - 1) / 2 * (hi - lo or max(abs(hi), 1.0))
        ok = np.isfinite(y)
        near = y[ok & (y >= lo - extra) & (y <= hi + extra)]
        want = (min(lo, float(near.min())), max(hi, float(near.max()))) if near.size else (lo, hi)
        changed = self.range.show(*want)
        y0, y1 = self.ax.get_ylim()
        if not len(y) or (ok & (y >= y0) & (y <= y1)).any():
            self.note.set_text("")
        elif not ok.any():
            self.note.set_text(tr("axis.not_finite"))
        else:
            i = int(np.argmin(np.where(ok, np.abs(y - (y0 + y1) / 2), np.inf)))
            self.note.set_text(tr("axis.offscreen", y=f"{y[i]:.3g}", x=f"{x[i]:.3g}"))
        return changed
