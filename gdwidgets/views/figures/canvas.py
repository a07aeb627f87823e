"""A matplotlib figure that redraws only what changed and hands out PNG bytes fast.

Static content (axes, ticks, data points, contours) is rendered once into a cached
background; artists that move (a fitted curve, a loss curve, a marker, a path) are marked
animated and blitted on top. A panel whose static content changed (new limits, new data)
is re-rendered alone, in its own column (or, stacked, its own row) of the figure. No
pyplot: figures made here are not registered anywhere, so they never pile up in a kernel.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from PIL import Image

__all__ = ["FastFigure"]


class FastFigure:
    """``panels`` axes side by side (``stacked``: one above the other); ``png()`` returns
    the current picture. Each axes must stay inside its own column (row) of the figure."""

    def __init__(self, panels: int, *, width: float = 10.5, height: float = 3.3,
                 dpi: float = 90, stacked: bool = False) -> None:
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self.canvas = FigureCanvasAgg(self.figure)
        self.axes: list[Axes] = []
        self.stacked = stacked
        margin = 0.065
        for i in range(panels):
            if stacked:
                bottom = 1 - (i + 1) / panels
                box = (0.14, bottom + 0.13 / panels * 2, 0.83, 1 / panels - 0.2 / panels * 2)
            else:
                box = (i / panels + margin, 0.16, 1 / panels - margin - 0.025, 0.72)
            self.axes.append(self.figure.add_axes(box))
        self._animated: list[Artist] = []
        self._background: np.ndarray | None = None  # static content, (h, w, 4)
        self._dirty: set[int] = set(range(panels))

    def animate(self, *artists: Artist) -> None:
        """Mark artists as moving: they are blitted, never baked into the background."""
        for a in artists:
            a.set_animated(True)
            self._animated.append(a)

    def forget(self, *artists: Artist) -> None:
        """Stop tracking (and remove) artists, e.g. before replacing them."""
        for a in artists:
            if a in self._animated:
                self._animated.remove(a)
            a.remove()

    def invalidate(self, ax: Axes | None = None) -> None:
        """The static content of ``ax`` (or of every panel) changed: re-render it."""
        self._dirty |= set(range(len(self.axes))) if ax is None else {self.axes.index(ax)}

    def _pixels(self) -> np.ndarray:
        """The canvas' RGBA buffer as a writable (height, width, 4) array."""
        return np.asarray(self.canvas.buffer_rgba())

    def _region(self, i: int) -> tuple[slice, slice]:
        """The pixels (rows, columns) of panel ``i``."""
        w, h = self.canvas.get_width_height()
        n = len(self.axes)
        if self.stacked:  # panel 0 on top; pixel rows run top to bottom
            return slice(round(i * h / n), round((i + 1) * h / n)), slice(None)
        return slice(None), slice(round(i * w / n), round((i + 1) * w / n))

    def _render_static(self) -> None:
        if self._background is None or len(self._dirty) == len(self.axes):
            self.canvas.draw()  # animated artists are skipped
            pixels = self._pixels()
        else:
            pixels = self._pixels()
            pixels[:] = self._background
            renderer = self.canvas.get_renderer()
            face = np.asarray(to_rgba_array(self.figure.get_facecolor())[0] * 255,
                              dtype=np.uint8)  # an empty figure's pixel
            for i in sorted(self._dirty):
                pixels[self._region(i)] = face
                self.axes[i].draw(renderer)
        if self._background is not None and self._background.shape == pixels.shape:
            np.copyto(self._background, pixels)  # no new buffer per redraw
        else:
            self._background = pixels.copy()
        self._dirty.clear()

    def draw(self) -> None:
        """Bring the canvas up to date: re-render dirty panels, blit the moving artists."""
        if self._dirty or self._background is None:
            self._render_static()
        else:
            self._pixels()[:] = self._background
        for a in self._animated:
            if a.get_visible():
                (a.axes or self.figure).draw_artist(a)

    def export(self, fmt: str, scale: float = 1.0) -> bytes:
        """The current picture as a file's bytes for slides: ``fmt`` 'png' (``scale``
        times the on-screen pixels) or 'svg' (text as paths: it reads the same anywhere).

        The moving artists are drawn with the rest; the on-screen picture is unchanged
        (every panel is re-rendered at the next ``draw``).
        """
        moving = [a for a in self._animated if a.get_visible()]
        for a in moving:
            a.set_animated(False)
        out = io.BytesIO()
        try:
            self.figure.savefig(out, format=fmt, dpi=self.figure.dpi * scale,
                                facecolor=self.figure.get_facecolor())
        finally:
            for a in moving:
                a.set_animated(True)
            self.invalidate()  # savefig drew the canvas at another size
            self._background = None
        return out.getvalue()

    def png(self) -> bytes:
        """The current picture as PNG (drawn first)."""
        self.draw()
        w, h = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (w, h), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        out = io.BytesIO()
        image.convert("RGB").save(out, "png", compress_level=1)
        return out.getvalue()
