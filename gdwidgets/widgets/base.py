"""What every gdwidgets widget shares: a message banner, error handling that keeps the
last good picture, and a static copy of the picture for notebooks saved without a kernel.

A widget is an ``ipywidgets.VBox``; subclasses build controls and views, then call
``self._guard(self._update)`` from their observers and ``self._refresh_static()`` after
drawing. Setting a control's value in Python redraws before the assignment returns:
observers run synchronously. ``w.lr = 0.05`` sets the slider (the same as
``w.lr.value = 0.05``), after checking the value: a value the control cannot take is
refused with the red banner, never clamped. Every widget keeps the language it was built
in (``_guard`` runs each redraw in it). (While a slider is dragged in the browser, ipywidgets keeps
at most one change per control in flight and merges the rest, so the kernel never works
through a backlog of stale values.)
"""

from __future__ import annotations

import asyncio
import base64
import functools
import html
import re
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as W
from IPython import get_ipython
from IPython.display import HTML, display

from .. import datasets
from ..data import Dataset, as_dataset
from ..i18n import STRINGS, get_language, register, tr, using
from ..settings import defaults, here
from ..training.checks import check_all
from ..views.style.fonts import cjk_font
from ..views.style.palette import BLUE, ORANGE, RED
from ..views.style.theme import THEME_CSS, css
from .controls import accept, is_control, lr_options
from .rates import refusal
from .snapshot import TeacherTools

__all__ = ["LessonWidget", "banner_html", "control_label"]

register({
    "widget.error": ("Cannot use this setting: {message}", "无法使用这个设置：{message}"),
    "widget.kept": ("(the last good picture is kept)", "（保留了上一张正确的图）"),
    "widget.saved": ("The picture as it was saved. Run this cell to make the widget live "
                     "again.",
                     "这是保存时的图。运行这个单元格，控件就会重新变得可用。"),
    "widget.back": ("{name} is back at {value}.", "{name} 已恢复为 {value}。"),
    "widget.one_input": (
        "{cls} draws one input against y, but {data} has {d} input columns: use "
        "RegressionWidget or LearningRateWidget for it",
        "{cls} 只画一个输入对 y 的图，但 {data} 有 {d} 列输入：请用 RegressionWidget 或 "
        "LearningRateWidget",
    ),
    "widget.no_attribute": (
        "{cls} has no setting or attribute {value}; did you mean {near}? Its settings are "
        "{allowed}",
        "{cls} 没有设置或属性 {value}；你是想用 {near} 吗？它的设置是 {allowed}",
    ),
    "widget.choose": ("choosing {control} → {option}", "把“{control}”选为“{option}”"),
    "widget.tick": ("ticking “{control}”", "勾选“{control}”"),
    "widget.fixed": (
        "{name} is fixed when the widget is built: make a new one with {name}=...",
        "{name} 在创建控件时就固定了：请用 {name}=... 新建一个控件",
    ),
})

# In a notebook reopened without the widget's kernel, JupyterLab puts "Error displaying
# widget: model not found" (a text-only output node) where the live widget was. The static
# copy that follows it hides that node: the saved picture shows under a note instead.
_HIDE_DEAD_WIDGET = (
    ".jp-OutputArea-child:has(+ .jp-OutputArea-child .gdw-static-{id}) "
    "> .jp-OutputArea-output:not(:has(*)) {{display:none}}")

_DOWNLOADS = re.compile(r'<div class="gdw-downloads".*?</div>', re.S)  # not in a saved copy
_font_hint_shown = False  # the "no Chinese font" hint is said once per kernel
STATIC_REST = 0.4  # s without changes before the static copy follows the live picture
_behind: weakref.WeakSet[LessonWidget] = weakref.WeakSet()  # static copies to rewrite


def _catch_up(*_: Any) -> None:
    """Bring every static copy that is behind up to date (when a cell's run ends)."""
    for widget in list(_behind):
        widget._write_static()


BANNER_STYLE = {
    "error": (css("error"), RED),
    "warning": (css("warning"), ORANGE),
    "info": (css("info"), BLUE),
}


def control_label(key: str) -> W.Label:
    """A label in front of a control that has none of its own (e.g. ToggleButtons)."""
    return W.Label(tr(key), layout=W.Layout(margin="0 4px 0 14px"))


def banner_html(text: str, kind: str = "info") -> str:
    """A coloured message box (HTML), text escaped."""
    fill, border = BANNER_STYLE[kind]
    return (f'<div style="background:{fill};color:{css("text")};border-left:4px solid {border};'
            f'padding:4px 10px;margin:2px 0;font-size:13px;line-height:1.4">'
            f"{html.escape(text)}</div>")


class LessonWidget(TeacherTools, W.VBox):
    """Base class: ``banner`` for messages, ``_guard`` for bad input, a static snapshot;
    ``reset_settings()`` and ``save(path)`` (see :mod:`.snapshot`)."""

    _quiet = False  # True while _hold() is on: observers leave the redrawing to the holder
    _place = ""  # the widget's place in gdwidgets.settings.SETTINGS
    _one_input = False  # True: the widget draws x against y, so data has one input column

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """After a widget's own ``__init__``, a new public name is a typo: ``w.learning_rate
        = 0.5`` raises AttributeError naming the closest setting (see ``__setattr__``)."""
        super().__init_subclass__(**kwargs)
        init = cls.__init__

        @functools.wraps(init)
        def built(self: LessonWidget, *args: Any, **kw: Any) -> None:
            init(self, *args, **kw)
            if type(self) is cls:
                self._remember_built()  # what reset_settings() goes back to
                self._built = True

        cls.__init__ = built  # type: ignore[method-assign]

    @contextmanager
    def _hold(self) -> Iterator[None]:
        """Change several controls without their observers redrawing after each one."""
        was, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = was

    @classmethod
    def _checked(cls, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(every setting of this widget: ``given`` checked, the rest defaults; the VBox's
        own keyword arguments, e.g. ``layout``). Raises TypeError for an unknown name and
        ValueError for a bad value, before any work."""
        traits = set(cls.class_trait_names())
        box = {k: v for k, v in given.items() if k not in here(cls._place) and k in traits}
        checked = check_all(cls._place, {k: v for k, v in given.items() if k not in box},
                            cls.__name__)
        return {**defaults(cls._place), **checked}, box

    def __setattr__(self, name: str, value: Any) -> None:
        """``w.lr = 0.05`` sets the control ``w.lr`` (see the module's docstring)."""
        current = self.__dict__.get(name)
        if is_control(current) and not isinstance(value, W.Widget):
            self._guard(lambda: self._set_control(name, current, value))
            return
        if (not isinstance(value, W.Widget) and name in here(self._place)
                and "_lang" in self.__dict__):
            raise AttributeError(tr("widget.fixed", name=name))
        if self.__dict__.get("_built") and not name.startswith("_") and not hasattr(self, name):
            import difflib

            known = list(here(self._place))
            initials = "".join(word[:1] for word in name.split("_"))  # learning_rate: lr
            near = ([initials] if initials in known else
                    difflib.get_close_matches(name, known, 1, 0.3) or known[:1])
            raise AttributeError(tr("widget.no_attribute", cls=type(self).__name__,
                                    value=repr(name), near=repr(near[0]),
                                    allowed=", ".join(known)))
        super().__setattr__(name, value)

    def _set_control(self, name: str, control: W.ValueWidget, value: Any) -> None:
        """Check ``value`` against the setting and the control's range, then set it (the
        observers redraw before this returns); ValueError if it cannot be taken."""
        if name == "dataset":
            value = self._take_data(value)
        if name == "lr" and (why := refusal(self.__dict__.get("_rates"), value)):
            raise ValueError(why)
        value = accept(name, control, value, here(self._place).get(name))
        if isinstance(control, W.SelectionRangeSlider):  # learning rates
            every = [v for _, v in control.options]
            if not set(value) <= set(every):
                with self._hold():  # one more stop on the slider; new options reset it
                    shown = control.value
                    control.options = lr_options(every[0], every[-1], *every, *value)
                    control.value = shown
        control.value = value

    def _control_values(self) -> dict[str, Any]:
        """``{setting: value}`` of this widget's controls that are Session settings (the
        data set as a name, or the user's Dataset)."""
        session = here("session")
        controls = {n: self.__dict__.get(n) for n in here(self._place) if n in session}
        values = {n: c.value for n, c in controls.items() if is_control(c)}
        if "dataset" in values:
            values["dataset"] = self._data_of(values["dataset"])
        return values

    def _run_text(self, history: Any) -> str:
        """``history.message`` with its advice in this widget's controls' words."""
        words = {}
        for name in ("normalize", "zero_grad"):
            control = self.__dict__.get(name)
            if isinstance(control, W.Checkbox):
                words[name] = tr("widget.tick", control=control.description)
            elif isinstance(control, W.Dropdown):
                option = next((label for label, v in control.options if v is True), None)
                if option is not None:
                    words[name] = tr("widget.choose", control=control.description,
                                     option=option)
        return history.describe(words)

    # ----- data ----------------------------------------------------------------------
    def _data_names(self) -> list[str]:
        """The data dropdown's choices: the embedded sets the widget can draw, then the
        user's."""
        own = self.__dict__.setdefault("_own", {})
        embedded = [n for n, d in datasets.DATASETS.items()
                    if not (self._one_input and d.n_inputs > 1) and n not in own]
        return embedded + list(own)

    def _take_data(self, value: Any) -> str:
        """``value`` (a name, ``(x, y)`` or a Dataset), checked, as a name of the data
        dropdown (the user's data is added to it); ValueError with the broken rule."""
        data = as_dataset(value)
        if self._one_input and data.n_inputs > 1:
            raise ValueError(tr("widget.one_input", cls=type(self).__name__,
                                data=repr(data.name), d=data.n_inputs))
        own: dict[str, Dataset] = self.__dict__.setdefault("_own", {})
        if datasets.DATASETS.get(data.name) is not data:
            own[data.name] = data
            control = self.__dict__.get("dataset")
            if is_control(control) and data.name not in control.options:
                with self._hold():  # new options reset the value: keep the one shown
                    shown = control.value
                    control.options = self._data_names()
                    control.value = shown
        return data.name

    def _data_of(self, name: str) -> str | Dataset:
        """What Session takes for the dropdown's ``name``."""
        return self.__dict__.get("_own", {}).get(name, name)

    def _try(self, change: dict[str, Any], update: Callable[[], None]) -> bool:
        """Run ``update`` for a control's ``change``; if it is refused, the control goes
        back to its old value (the picture never moved) and the banner says so."""
        if self._guard(update):
            return True
        with self._hold():
            change["owner"].value = change["old"]
        name = next((n for n, c in self.__dict__.items() if c is change["owner"]), "")
        old = change["old"]
        with self._speaking():
            back = tr("widget.back", name=name, value=old if isinstance(old, str) else repr(old))
            self.say(f"{tr('widget.error', message=self._refused)} {tr('widget.kept')} "
                     f"{back}", "error")
        return False

    def __init__(self, **kwargs: Any) -> None:
        self._lang = get_language()  # every string of this widget stays in this language
        self.banner = W.HTML()
        self._hint = ""  # a message kept above every later one (e.g. no Chinese font)
        self._static = None  # the display handle of the static copy, once displayed
        self._static_timer: asyncio.TimerHandle | None = None
        # Hides the static copy while the live widget is shown (see _ipython_display_).
        self._live_style = W.HTML(layout=W.Layout(display="none"))
        self._saved_note = tr("widget.saved")  # in the language the widget is built in
        super().__init__(**kwargs)
        self._live_style.value = (f"<style>.gdw-static-{self.model_id}{{display:none}}"
                                  f"{THEME_CSS}</style>")
        # what the browser tests find a widget by (and its model in the kernel)
        self.add_class("gdw-widget")
        self.add_class(f"gdw-id-{self.model_id}")
        self._font_hint()

    def _font_hint(self) -> None:
        """Once per kernel, in Chinese without a CJK font: how to install one (in both
        languages; the plots keep English labels meanwhile)."""
        global _font_hint_shown
        if get_language() == "zh" and not _font_hint_shown and cjk_font() is None:
            _font_hint_shown = True
            self._hint = banner_html(" / ".join(STRINGS["fonts.missing"]), "warning")
            self.say("")

    # ----- messages ------------------------------------------------------------------
    def say(self, text: str, kind: str = "info") -> None:
        """Show a message above the views (empty text hides it)."""
        self.banner.value = self._hint + (banner_html(text, kind) if text else "")

    def _guard(self, update: Callable[[], None]) -> bool:
        """Run ``update`` in the widget's language; a ValueError becomes a message in the
        widget and the views keep their last good picture. Returns whether the update
        went through."""
        with self._speaking():
            try:
                update()
            except ValueError as e:
                self._refused = str(e)
                self.say(f"{tr('widget.error', message=e)} {tr('widget.kept')}", "error")
                return False
        return True

    @contextmanager
    def _speaking(self) -> Iterator[None]:
        """Every string made inside is in the widget's language (a context-local language:
        the default and the other widgets are untouched)."""
        with using(self.__dict__.get("_lang") or get_language()):
            yield

    # ----- saved notebooks -----------------------------------------------------------
    def static_html(self) -> str:
        """The current picture as plain HTML (subclasses: images and SVG)."""
        return ""

    @staticmethod
    def png_tag(png: bytes, alt: str = "") -> str:
        data = base64.b64encode(png).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}"/>'

    def _static_output(self) -> HTML:
        note = (f'<div class="gdw-saved-note" style="font-size:13px;color:{css("muted")};'
                f'margin:2px 0 6px 0">{html.escape(self._saved_note)}</div>')
        style = _HIDE_DEAD_WIDGET.format(id=self.model_id)
        return HTML(f'<div class="gdw-static gdw-static-{self.model_id}"><style>{style}'
                    f'{THEME_CSS}</style>{note}'
                    f"{_DOWNLOADS.sub('', self.static_html())}</div>")

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Show the live widget, and under it a static copy of its picture.

        The live widget carries a style rule that hides the copy, so a running notebook
        shows the picture once; a notebook saved and opened without a kernel (or exported
        to HTML) has no live widget, and shows the copy: the last picture.
        """
        if self._live_style not in self.children:
            self.children = (*self.children, self._live_style)
        display(self._repr_mimebundle_(**kwargs), raw=True)
        self._static = display(self._static_output(), display_id=True)
        shell = get_ipython()
        if shell is not None and _catch_up not in shell.events.callbacks["post_run_cell"]:
            shell.events.register("post_run_cell", _catch_up)

    def _refresh_static(self) -> None:
        """Keep the static copy in step with the live picture.

        In a kernel, the copy is rewritten once the widget rests (``STATIC_REST`` s after
        the last change) and when the running cell ends, not at every step of a drag:
        each rewrite makes the browser re-render a hidden output. Elsewhere: at once.
        """
        self._drop_downloads()  # links to the last picture would be stale
        if self._static is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._write_static()
            return
        _behind.add(self)
        if self._static_timer is not None:
            self._static_timer.cancel()
        self._static_timer = loop.call_later(STATIC_REST, self._write_static)

    def _write_static(self) -> None:
        _behind.discard(self)
        if self._static_timer is not None:
            self._static_timer.cancel()
            self._static_timer = None
        if self._static is not None:
            self._static.update(self._static_output())
