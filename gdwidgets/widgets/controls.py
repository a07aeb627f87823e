"""What a widget's controls accept: a value set in Python is checked against the setting
(:mod:`gdwidgets.settings`) and the control's current range or options first,
never clamped. ipywidgets sliders clamp ``.value = 1e9`` silently, so the check comes
before the assignment."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import ipywidgets as W

from ..i18n import register, tr
from ..settings import Setting
from ..training.checks import check, fail, is_int, is_real

__all__ = ["VIEWS", "accept", "control_for", "has_option", "is_control", "lr_options",
           "lr_slider", "normalize_options", "option_values"]

register({
    "controls.norm_off": ("raw", "原始"),
    "controls.norm_std": ("standardised", "标准化"),
    "controls.norm_factor": ("× {f:g}", "× {f:g}"),
})

VIEWS = (W.HTML, W.HTMLMath, W.Image, W.Label)  # value widgets that show, not set
BOUNDED_INTS = (W.IntSlider, W.BoundedIntText)  # an integer within min..max
CHOICES = (W.Dropdown, W.ToggleButtons, W.RadioButtons, W.Select, W.SelectionSlider)


def is_control(widget: Any) -> bool:
    """Whether ``widget`` is a control a setting can be assigned to (not a view)."""
    return isinstance(widget, W.ValueWidget) and not isinstance(widget, VIEWS)


def normalize_options(value: bool | float = False) -> list[tuple[str, bool | float]]:
    """The inputs' choices: raw, standardised, × 0.1 (seed 001), and ``value`` if it is
    another factor."""
    factors = [0.1] + ([float(value)] if not isinstance(value, bool) and value != 0.1 else [])
    return ([(tr("controls.norm_off"), False), (tr("controls.norm_std"), True)]
            + [(tr("controls.norm_factor", f=f), f) for f in factors])


def control_for(setting: Setting, value: Any, description: str, labels: str = "",
                buttons: bool = False, **kwargs: Any) -> W.ValueWidget:
    """The control of ``setting`` (as it is in a widget's place: ``here(place)[name]``)
    showing ``value``, from its kind: 'int' an IntSlider over ``lo``..``hi``, 'flag' a
    Checkbox, 'choice' a Dropdown (``buttons``: ToggleButtons) of ``allowed``, each
    labelled ``tr(labels + option)``, 'normalize' a Dropdown of :func:`normalize_options`.
    ``kwargs`` go to the control (style, layout, tooltips...). Built by hand instead: the
    learning rates' log-scaled sliders (:func:`lr_slider`, a range per widget), the data
    dropdowns (the widget's data names), and the sliders whose range is the data's or
    the run's (``batch_size``, ``step``)."""
    if setting.kind == "int":
        assert setting.lo is not None and setting.hi is not None
        return W.IntSlider(value=value, min=int(setting.lo), max=int(setting.hi),
                           description=description, **kwargs)
    if setting.kind == "flag":
        return W.Checkbox(value=value, description=description, **kwargs)
    if setting.kind == "choice":
        options = [(tr(f"{labels}{o}"), o) for o in setting.allowed]
        choice = W.ToggleButtons if buttons else W.Dropdown
        return choice(options=options, value=value, description=description, **kwargs)
    if setting.kind == "normalize":
        return W.Dropdown(options=normalize_options(value), value=value,
                          description=description, **kwargs)
    raise ValueError(f"no control for {setting.name!r} (kind {setting.kind!r})")


def lr_slider(value: float, lo: float, hi: float, description: str, **kwargs: Any
              ) -> W.FloatLogSlider:
    """A learning-rate slider, log-scaled from ``lo`` to ``hi``, without stops: a rate
    typed into its readout (or set from Python) stays as given. (With a ``step``,
    ipywidgets 8 moves the handle to the nearest stop after every change and sends that
    back: 0.05 came back as 0.0501.) The arrow keys move it a tenth of its range."""
    return W.FloatLogSlider(value=value, base=10, min=math.log10(lo), max=math.log10(hi),
                            step=None, description=description, **kwargs)


def lr_options(lo: float, hi: float, *given: float) -> list[tuple[str, float]]:
    """A log-scaled slider's learning rates: ten a decade from ``lo`` to ``hi`` (1, 1.3,
    1.6, 2, 2.5, 3.2, 4, 5, 6.3, 7.9 times powers of ten) and the ``given`` ones."""
    first, last = math.floor(math.log10(lo) * 10 + 1e-6), math.ceil(math.log10(hi) * 10 - 1e-6)
    grid = {float(f"{10 ** (k / 10):.2g}") for k in range(first, last + 1)}
    values = sorted(v for v in grid | {float(g) for g in given}
                    if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9))
    return [(f"{v:.3g}", v) for v in values]


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same kind (False is not 0, True is not 1)."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def option_values(control: W.ValueWidget) -> list[Any]:
    """The values a selection ``control`` offers: its ``options`` are (label, value)
    pairs, or labels that are their own values (ipywidgets' rule: pairs if all are), or
    a mapping of labels to values."""
    if isinstance(control.options, Mapping):
        return list(control.options.values())
    options = list(control.options)
    if all(isinstance(o, list | tuple) and len(o) == 2 for o in options):
        return [v for _, v in options]
    return options


def has_option(control: W.ValueWidget, value: Any) -> bool:
    """Whether the selection ``control`` offers ``value`` (of the same kind)."""
    return any(_same(value, v) for v in option_values(control))


def accept(name: str, control: W.ValueWidget, value: Any, setting: Setting | None = None
           ) -> Any:
    """``value`` as ``control`` (named ``name``) would take it, checked against the
    setting's kind and the control's current range or options; raises ValueError naming
    the setting and what is allowed (in the current language)."""
    if setting is not None and setting.kind not in ("int", "real", "rates", "batch",
                                                    "lr_range", "dataset"):  # data: names
        value = check(setting, value)  # choices, flags, normalize: the setting's rules
    if isinstance(control, W.FloatLogSlider):
        lo, hi = control.base ** control.min, control.base ** control.max
        ok = is_real(value) and math.isfinite(value) and lo * (1 - 1e-9) <= value <= hi * (
            1 + 1e-9)
        if not ok:
            raise fail("settings.real_range", value, name=name, lo=lo, hi=hi)
        return float(min(max(value, lo), hi))  # only float rounding at the ends
    if isinstance(control, BOUNDED_INTS):
        if value is None and setting is not None and setting.kind == "batch":
            return control.max  # None: the full batch, the slider's end (every point)
        if not is_int(value) or not control.min <= value <= control.max:
            raise fail("config.int_range", value, name=name, lo=control.min, hi=control.max)
        return int(value)
    if isinstance(control, W.SelectionRangeSlider):  # learning rates, log-scaled
        every = [v for _, v in control.options]
        return check(Setting(name, None, "lr_range", ("", ""), lo=every[0], hi=every[-1]),
                     value)  # another rate than the slider's: the widget adds a stop
    if isinstance(control, CHOICES):
        if name == "normalize" and not has_option(control, value):
            control.options = normalize_options(value)  # another factor: one more choice
        if not has_option(control, value):
            raise fail("config.choice", value, name=name,
                       allowed=", ".join(map(repr, option_values(control))))
        return value
    if isinstance(control, W.Checkbox | W.ToggleButton):
        return check(Setting(name, None, "flag", ("", "")), value)
    return value
