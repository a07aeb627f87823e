"""A teacher's two controls, shared by every lesson widget: back to the settings the widget
was built with, and the view on screen saved as PNG and SVG for slides.

- ``w.reset_settings()`` (the **reset settings** button): every control back to the value
  (and range, and options) it had when the constructor returned, then one new run.
- ``w.save('fit.png')`` / ``w.save('graph.svg')``: the view shown now (the figure, or the
  graph when the graph is in front) written to a file in the kernel's folder; the format
  comes from the suffix, anything but .png and .svg is refused.
- The **save** button puts download links (``data:`` URIs, PNG and SVG) under the banner:
  the browser saves the file on the teacher's own computer, also when the kernel runs on
  a JupyterHub or Binder far away. The links go with the next message: they always hold
  the view they were made from.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import ipywidgets as W

from ..i18n import register, tr
from ..training.checks import fail
from ..views.graphs.export import svg_png
from ..views.style.fonts import plotting
from ..views.style.theme import css
from .controls import is_control

__all__ = ["TeacherTools", "FORMATS"]

register({
    "teacher.reset": ("reset settings", "恢复设置"),
    "teacher.reset_tip": ("Every control back to the settings the widget was built with",
                          "把所有控件恢复为创建时的设置"),
    "teacher.save": ("save view", "保存视图"),
    "teacher.save_tip": ("Download the view shown now as PNG and SVG (for slides)",
                         "把当前显示的视图下载为 PNG 和 SVG（用于幻灯片）"),
    "teacher.links": ("Download the {view} shown now:", "下载当前显示的{view}："),
    "teacher.view.figure": ("figure", "图表"),
    "teacher.view.graph": ("graph", "计算图"),
    "teacher.suffix": (
        "{cls}.save() writes .png or .svg, chosen by the file name's suffix, got {value}",
        "{cls}.save() 只能写 .png 或 .svg（由文件名的后缀决定），得到的是 {value}",
    ),
    "teacher.view_choice": (
        "view must be one of {allowed} (or None: the view in front), got {value}",
        "view 必须是 {allowed} 之一（或 None：前面显示的视图），得到的是 {value}",
    ),
    "teacher.no_graph": ("there is no graph to save yet", "还没有可以保存的计算图"),
})

FORMATS = {".png": "png", ".svg": "svg"}
MIME = {"png": "image/png", "svg": "image/svg+xml"}
SLIDE_SCALE = 2.0  # PNG pixels per on-screen pixel: sharp on a slide


def _range(control: W.Widget) -> dict[str, Any]:
    """What must come back with the value: the options of a choice, a slider's ends."""
    saved: dict[str, Any] = {"value": control.value}
    if hasattr(control, "options"):
        saved["options"] = tuple(control.options)
    if hasattr(control, "min") and hasattr(control, "max"):
        saved["min"], saved["max"] = control.min, control.max
    return saved


def _restore(control: W.Widget, saved: dict[str, Any]) -> None:
    if "options" in saved and tuple(control.options) != saved["options"]:
        control.options = saved["options"]
    if "min" in saved:
        if saved["min"] > control.max:  # never min > max on the way
            control.max = saved["max"]
        control.min = saved["min"]
        control.max = saved["max"]
    if control.value != saved["value"]:
        control.value = saved["value"]


class TeacherTools:
    """Mixed into :class:`~gdwidgets.widgets.base.LessonWidget`: ``reset_settings``,
    ``save``, and their buttons ``reset_settings_button`` and ``save_button``.

    A widget says how to draw itself again (``_rebuild``), which views are on screen
    (``_views_shown``) and which figure it draws in (``plot.fast``).
    """

    def _teacher_buttons(self) -> list[W.Button]:
        """The two buttons, made once (a widget puts them in its controls' rows)."""
        if "reset_settings_button" not in self.__dict__:
            self.reset_settings_button = W.Button(
                description=tr("teacher.reset"), icon="undo", tooltip=tr("teacher.reset_tip"),
                layout=W.Layout(width="auto"))
            self.save_button = W.Button(
                description=tr("teacher.save"), icon="camera", tooltip=tr("teacher.save_tip"),
                layout=W.Layout(width="auto"))
            self.reset_settings_button.add_class("gdw-reset-settings")
            self.save_button.add_class("gdw-save")
            self.reset_settings_button.on_click(lambda _: self.reset_settings())
            self.save_button.on_click(lambda _: self._guard(self.show_downloads))
        return [self.reset_settings_button, self.save_button]

    # ----- reset ------------------------------------------------------------------------
    def _remember_built(self) -> None:
        """Keep every control's value, options and range as the constructor left them."""
        self._built_controls = {name: _range(c) for name, c in vars(self).items()
                                if not name.startswith("_") and is_control(c)
                                and not isinstance(c, W.ToggleButton)}  # ▶ is not a setting

    def reset_settings(self) -> bool:
        """Every control back to the settings the widget was built with, and the run
        drawn again (BackpropWidget: the lesson starts over at a = b = 0 too).

        Returns
        -------
        bool
            Whether the widget could draw the built settings again (it always should; a
            failure shows in the banner).
        """
        player = self.__dict__.get("player")
        if player is not None:
            player.button.value = False  # a replay stops
        with self._hold():
            for name, saved in self._built_controls.items():
                _restore(getattr(self, name), saved)
        return self._guard(self._rebuild)

    def _rebuild(self) -> None:
        """Draw the settings the controls show now (each widget says how)."""
        raise NotImplementedError

    # ----- save ---------------------------------------------------------------------------
    def _views_shown(self) -> list[str]:
        """The views on screen, the one in front first: 'figure' and/or 'graph'."""
        return ["figure"]

    def picture(self, view: str | None = None, fmt: str = "png",
                scale: float = SLIDE_SCALE) -> bytes:
        """The bytes of a view as ``fmt`` ('png' or 'svg').

        Parameters
        ----------
        view : {'figure', 'graph'} or None
            None: the view in front (the graph when it is shown, else the figure).
        fmt : {'png', 'svg'}
            PNG: ``scale`` times the pixels on screen; SVG: the figure with its text as
            paths, or the graph as Graphviz drew it.
        scale : float
            PNG only: pixels per on-screen pixel (a graph: per pixel at 100 %).
        """
        shown = self._views_shown()
        with self._speaking():
            if view is None:
                view = shown[0]
            allowed = ("figure", "graph") if self.graph_svg else ("figure",)
            if view not in allowed:
                raise fail("teacher.view_choice", view, allowed=", ".join(map(repr, allowed)))
            if view == "graph":
                return svg_png(self.graph_svg, scale) if fmt == "png" else \
                    self.graph_svg.encode("utf-8")
            with plotting():
                return self.plot.fast.export(fmt, scale)

    def save(self, path: str | Path, view: str | None = None,
             scale: float = SLIDE_SCALE) -> Path:
        """Write the view shown now to ``path`` for slides: PNG or SVG by its suffix.

        Parameters
        ----------
        path : str or Path
            Ends in ``.png`` or ``.svg`` (any other suffix raises ValueError, in the
            widget's language); a relative path is in the kernel's folder, usually the
            notebook's.
        view : {'figure', 'graph'} or None
            None: the view in front; BackpropWidget shows both, its graph in front.
        scale : float
            PNG only: pixels per on-screen pixel (default 2, sharp on a slide).

        Returns
        -------
        Path
            The file written.
        """
        path = Path(path)
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            with self._speaking():
                raise fail("teacher.suffix", str(path), cls=type(self).__name__)
        path.write_bytes(self.picture(view, fmt, scale))
        return path

    def _drop_downloads(self) -> None:
        """Take the download links out of the banner (the picture they hold is gone)."""
        if 'class="gdw-downloads"' in self.banner.value:
            self.banner.value = self.banner.value.split('<div class="gdw-downloads"')[0]

    def show_downloads(self) -> None:
        """Put download links for the views shown now (PNG and SVG) under the banner."""
        stem = type(self).__name__.removesuffix("Widget").lower()
        rows = []
        for view in self._views_shown():
            if view == "graph" and not self.graph_svg:
                continue
            links = []
            for fmt in ("png", "svg"):
                data = base64.b64encode(self.picture(view, fmt)).decode("ascii")
                links.append(f'<a download="{stem}-{view}.{fmt}" href="data:{MIME[fmt]};'
                             f'base64,{data}" style="color:{css("text")};'
                             f'text-decoration:underline;margin:0 6px">{fmt.upper()}</a>')
            label = html.escape(tr("teacher.links", view=tr(f"teacher.view.{view}")))
            rows.append(f"{label}{''.join(links)}")
        self._drop_downloads()  # one set of links
        self.banner.value += (f'<div class="gdw-downloads" style="font-size:13px;'
                              f'color:{css("text")};margin:2px 0 2px 14px">'
                              + " &nbsp; ".join(rows) + "</div>")
