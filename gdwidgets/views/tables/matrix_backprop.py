"""Tables of backpropagation through a stack of matrix layers (seed 003's three layers):
each layer's gradients by hand, as the layer formulas make them, beside autograd's.

A layer computes ``h_k = h_(k-1) · W_k + b_k`` (``h_0 = x``, the last ``h`` is ŷ), with
``W_k`` of shape (inputs, outputs) as seed 003 writes it. Backwards, ``δ_k = ∂L/∂h_k``
starts at ``∂L/∂ŷ`` and each layer passes ``δ_(k-1) = δ_k · W_kᵀ`` back; its own
gradients are ``∂L/∂W_k = h_(k-1)ᵀ · δ_k`` and ``∂L/∂b_k = Σ δ_k`` (sums over the batch).

Pure HTML (no ipywidgets, no torch): it reads a
:class:`gdwidgets.training.layer_checks.LayerCheck`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ...formats import sig
from ...i18n import register, tr
from ..style.theme import css
from .grid import CAPTION, GRID, GRID_CELL, GRID_HEAD, GRID_WRAP

__all__ = ["layer_batch_html", "layer_names", "layer_table_html"]

register({
    "layers.layer": ("layer", "层"),
    "layers.formula": ("formula", "公式"),
    "layers.by_hand": ("by hand", "手算"),
    "layers.autograd": ("autograd (.grad)", "自动求导（.grad）"),
    "layers.diff": ("largest difference", "最大差值"),
    "layers.shape": ("{n_in} → {n_out}", "{n_in} → {n_out}"),
    "layers.loss_mse": ("L = mean((ŷ − y)²) over the batch (the training loss)",
                        "L = 批次上的 mean((ŷ − y)²)（训练用的损失）"),
    "layers.loss_seed": ("L = (Σ(ŷ − y)²)² / 2, seed 003's gradient check",
                         "L = (Σ(ŷ − y)²)² / 2，种子 003 的梯度检验"),
    "layers.d_pred_mse": ("δ{k} = ∂L/∂ŷ = 2(ŷ − y)/m", "δ{k} = ∂L/∂ŷ = 2(ŷ − y)/m"),
    "layers.d_pred_seed": ("δ{k} = ∂L/∂ŷ = 2·Σ(ŷ − y)²·(ŷ − y)",
                           "δ{k} = ∂L/∂ŷ = 2·Σ(ŷ − y)²·(ŷ − y)"),
    "layers.caption": (
        "The batch of update {step} ({m} points), {loss}. Backwards from the last layer: "
        "{start}, then δ(k−1) = δk · Wkᵀ. Differences are float32 rounding.",
        "第 {step} 次更新的批次（{m} 个点），{loss}。从最后一层往回：{start}，"
        "然后 δ(k−1) = δk · Wkᵀ。差值来自 float32 舍入。",
    ),
    "layers.batch_caption": (
        "The batch of update {step}, point by point: the layers' outputs forwards, the δ's "
        "backwards (as seed 003 prints them).",
        "第 {step} 次更新的批次，逐点列出：前向是各层的输出，反向是各层的 δ（与种子 003 的"
        "打印相同）。",
    ),
    "layers.row": ("row", "行号"),
    "layers.model_caption": ("{model}. {caption}", "{model}。{caption}"),
    "layers.more": ("… {more} more points", "……还有 {more} 个点"),
})


class _Layer(Protocol):
    layer: int
    inputs: np.ndarray
    outputs: np.ndarray
    delta: np.ndarray
    by_hand: dict[str, np.ndarray]
    autograd: dict[str, np.ndarray]


class _Check(Protocol):
    loss_name: str
    loss: float
    prediction: np.ndarray
    d_pred: np.ndarray
    layers: tuple[_Layer, ...]


def fmt(v: float) -> str:
    """4 significant digits, as the chain-rule tables write them."""
    return sig(float(v), 4)


def layer_names(count: int) -> list[str]:
    """What each layer's input is called: x, then h1, h2, … (the last output is ŷ)."""
    return ["x", *(f"h{k}" for k in range(1, count))]


def matrix_html(a: np.ndarray) -> str:
    """A matrix (or a vector, as one row) in brackets, its numbers right-aligned."""
    rows = np.atleast_2d(np.asarray(a, dtype=np.float64))
    body = "".join("<tr>" + "".join(f'<td style="padding:0 5px;text-align:right">{fmt(v)}</td>'
                                    for v in row) + "</tr>" for row in rows)
    bracket = f"1.5px solid {css('text')}"
    return (f'<table style="display:inline-table;border-collapse:separate;border-left:'
            f'{bracket};border-right:{bracket};border-radius:3px;font-family:monospace;'
            f'font-size:12px;line-height:1.3">{body}</table>')


def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def _table(headers: Sequence[str], rows: Sequence[Sequence[tuple[str, bool]]],
           caption: str) -> str:
    """A grid whose cells are (html, is_text): text cells may wrap, matrices do not."""
    head = "".join(f'<th style="{GRID_HEAD};line-height:1.3">{html.escape(h)}</th>'
                   for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td style="{GRID_WRAP if wrap else GRID_CELL};vertical-align:middle;'
        f'line-height:1.3">{c}</td>' for c, wrap in row) + "</tr>" for row in rows)
    return (f'<table style="{GRID}"><caption style="{CAPTION};line-height:1.35">'
            f"{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def layer_table_html(check: _Check, step: int, model: str = "") -> str:
    """One row per layer, from the last to the first (the order backpropagation reaches
    them): ∂L/∂W and ∂L/∂b by hand with their formulas beside autograd's, and the largest
    difference of the two. ``model``: the model's formula, said first in the caption."""
    count = len(check.layers)
    names = layer_names(count)
    rows: list[list[tuple[str, bool]]] = []
    for lay in reversed(check.layers):
        k, h = lay.layer, names[lay.layer - 1]
        n_in, n_out = np.shape(lay.by_hand["W"])
        head = (f"<b>{k}</b><br><span style='color:{css('muted')}'>"
                f"{html.escape(tr('layers.shape', n_in=n_in, n_out=n_out))}</span>")
        diff = max(_difference(lay.by_hand[p], lay.autograd[p]) for p in ("W", "b"))
        rows.append([(head, True),
                     (html.escape(f"∂L/∂W{k} = {h}ᵀ · δ{k}"), True),
                     (matrix_html(lay.by_hand["W"]), False),
                     (matrix_html(lay.autograd["W"]), False),
                     (html.escape(f"∂L/∂b{k} = Σ δ{k}"), True),
                     (matrix_html(lay.by_hand["b"]), False),
                     (matrix_html(lay.autograd["b"]), False),
                     (f"{diff:.1e}" if diff else "0", False)])
    seed = check.loss_name == "seed"
    caption = tr("layers.caption", step=step, m=len(check.prediction),
                 loss=tr("layers.loss_seed" if seed else "layers.loss_mse"),
                 start=tr("layers.d_pred_seed" if seed else "layers.d_pred_mse", k=count))
    by_hand, auto = tr("layers.by_hand"), tr("layers.autograd")
    headers = [tr("layers.layer"), tr("layers.formula"), by_hand, auto, tr("layers.formula"),
               by_hand, auto, tr("layers.diff")]
    if model:
        caption = tr("layers.model_caption", model=model, caption=caption)
    return _table(headers, rows, caption)


def _vector(v: Any) -> str:
    values = np.atleast_1d(np.asarray(v, dtype=np.float64))
    return ", ".join(fmt(x) for x in values) if len(values) > 1 else fmt(values[0])


def layer_batch_html(check: _Check, rows: np.ndarray, y: np.ndarray, step: int,
                     max_rows: int = 5) -> str:
    """Per point of the batch: its inputs, y, every layer's output forwards, then every δ
    backwards (δ of the last layer is ∂L/∂ŷ)."""
    count = len(check.layers)
    names = layer_names(count)
    headers = [tr("layers.row"), "x", "y", *names[1:], "ŷ",
               *(f"δ{k}" for k in range(count, 0, -1))]
    m = len(check.prediction)
    body = []
    for i in range(min(m, max_rows)):
        cells = [str(int(rows[i])), _vector(check.layers[0].inputs[i]), fmt(y[i])]
        cells += [_vector(lay.inputs[i]) for lay in check.layers[1:]]
        cells.append(fmt(check.prediction[i]))
        cells += [_vector(lay.delta[i]) for lay in reversed(check.layers)]
        body.append([(html.escape(c), False) for c in cells])
    if m > max_rows:
        body.append([(html.escape(tr("layers.more", more=m - max_rows)), True)]
                    + [("", False)] * (len(headers) - 1))
    return _table(headers, body, tr("layers.batch_caption", step=step))
