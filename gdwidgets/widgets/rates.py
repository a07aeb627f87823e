"""A widget built with one learning rate per parameter (``lr={'w': 1e-4, 'b': 1e-3}``, seed
003's update): its lr slider is off, and the rates are shown where the slider's readout
was, with a note saying how to get the slider back."""

from __future__ import annotations

import html
import math

import ipywidgets as W

from ..i18n import register, tr
from ..views.style.theme import css

__all__ = ["fixed_rates", "rates_label", "refusal", "slider_value"]

register({
    "rates.label": ("one per parameter", "每个参数一个"),
    "rates.note": (
        "The learning rates are fixed per parameter ({rates}): the lr slider is off. "
        "Build the widget with one lr (lr=0.01) to move it.",
        "学习率按参数固定（{rates}）：学习率滑块已关闭。用一个学习率（lr=0.01）新建控件，"
        "就可以拖动它。",
    ),
    "rates.fixed": (
        "lr is fixed per parameter ({rates}) in this widget: build a new one with "
        "lr={value}",
        "这个控件的学习率按参数固定（{rates}）：请用 lr={value} 新建一个控件",
    ),
    "rates.build": (
        "one lr per parameter is given when the widget is built: build a new one with "
        "lr={value}",
        "每个参数一个学习率，要在创建控件时给出：请用 lr={value} 新建一个控件",
    ),
})


def rates_label(rates: dict[str, float]) -> str:
    """``w 1e-04 · b 0.001``: each parameter's rate, as the slider's readout shows one."""
    return " · ".join(f"{name} {rate:.2g}" for name, rate in rates.items())


def refusal(rates: dict[str, float] | None, value: object) -> str | None:
    """Why ``lr = value`` cannot be set on a built widget (None: it can): its rates are
    fixed per parameter, or ``value`` is a mapping (given only when building)."""
    if rates:
        return tr("rates.fixed", rates=rates_label(rates), value=repr(value))
    if isinstance(value, dict):
        return tr("rates.build", value=repr(value))
    return None


def slider_value(rates: dict[str, float], lo: float, hi: float) -> float:
    """Where the disabled slider rests: the largest rate, within the slider's range."""
    top = max(rates.values())
    return min(max(top, lo), hi) if math.isfinite(top) else hi


def fixed_rates(slider: W.FloatLogSlider, rates: dict[str, float]) -> W.VBox:
    """``slider`` turned off (no readout), and under it the rates, in the slider's width:
    what replaces the slider in the widget's row of controls."""
    width = slider.layout.width or "265px"
    note = tr("rates.note", rates=rates_label(rates))
    slider.disabled = True
    slider.readout = False
    slider.tooltip = note
    slider.layout.width = "calc(100% - 6px)"  # within the box, its margins included
    pairs = " · ".join(  # a line breaks between two rates, never inside one
        f'<span style="white-space:nowrap">{html.escape(rates_label({n: r}))}</span>'
        for n, r in rates.items())
    shown = W.HTML(
        f'<div title="{html.escape(note)}" style="font-size:12px;line-height:1.2;'
        f'margin-left:8px">{pairs} '
        f'<span style="color:{css("muted")}">({html.escape(tr("rates.label"))})</span></div>',
        layout=W.Layout(width="auto", margin="-4px 0 2px 0"))
    shown.add_class("gdw-rates")
    return W.VBox([slider, shown], layout=W.Layout(width=width))
