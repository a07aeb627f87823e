"""In Chinese, what a widget shows has no English words left (issue 12): labels, options,
banners, tables and plot texts; only names stay (SGD, Adam, Linear–PReLU–Linear, MSE,
the data sets' names, and code such as lr and grad)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import ipywidgets as W
import pytest

from gdwidgets import (
    ChainRuleWidget,
    LearningRateWidget,
    MatrixBackpropWidget,
    RegressionWidget,
    datasets,
    set_language,
)

NAMES = {"SGD", "Adam", "Linear", "PReLU", "MSE", "mse", "lr", "grad", "None", "float",
         "mean", "log", "PNG", "SVG"}  # PNG, SVG: the formats save view offers
NAMES |= {w for n in datasets.names() for w in re.findall(r"[A-Za-z]+", n)}
NAMES |= {"t_u", "t_c"}  # seed 001's variable names, on its thermometer data's axes


def shown_text(w: Any) -> str:
    """Every string the widget puts on screen (HTML tags dropped)."""
    texts = [w.banner.value]
    texts += [getattr(w, n).value for n in ("table", "samples_table") if hasattr(w, n)]

    def walk(c: Any) -> None:
        if isinstance(c, W.Box):
            for k in c.children:
                walk(k)
            return
        texts.append(str(getattr(c, "description", "") or ""))
        texts.append(str(getattr(c, "tooltip", "") or ""))
        if isinstance(c, W.Label):
            texts.append(c.value)
        for o in getattr(c, "options", None) or ():
            texts.append(str(o[0] if isinstance(o, tuple) else o))

    walk(w)
    for ax in w.figure.axes:
        texts += [t.get_text() for t in (*ax.texts, ax.xaxis.label, ax.yaxis.label, ax.title)]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()]
    return re.sub(r"<[^>]+>", " ", html.unescape(" ".join(texts)))


CASES: list[tuple[str, Callable[[], Any]]] = [
    ("regression", lambda: RegressionWidget(epochs=20, graph=False)),
    ("diverging", lambda: RegressionWidget(dataset="thermometer", lr=1e-2, epochs=50,
                                           graph=False)),
    ("no zero_grad", lambda: RegressionWidget(zero_grad=False, epochs=20, graph=False)),
    ("adam momentum", lambda: RegressionWidget(optimizer="adam", epochs=20, graph=False)),
    ("shuffle", lambda: RegressionWidget(shuffle=True, batch_size=5, epochs=5,
                                         graph=False)),
    ("chain rule", lambda: ChainRuleWidget(epochs=2)),
    ("matrix layers", lambda: MatrixBackpropWidget(epochs=2, check_loss="seed")),
    ("learning rate", lambda: LearningRateWidget(epochs=20, sweep_size=8, curves=2)),
]


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_chinese_widget_shows_no_english_words_but_names(make):
    set_language("zh")
    try:
        w = make()
        text = shown_text(w)
    finally:
        set_language("en")
    words = set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", text)) - NAMES
    assert not words, words
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 20  # and it is in Chinese
