"""MatrixBackpropWidget: seed 003's three matrix layers, x·W1 + b1 → ·W2 + b2 → ·W3 + b3,
trained with Adam; at any step, each layer's gradients by the layer formulas beside
autograd's."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import numpy as np

from ..data import as_dataset
from ..i18n import register, tr
from ..settings import docstring, here, signature
from ..views.tables.matrix_backprop import layer_batch_html, layer_table_html
from .chain_rule import ChainRuleWidget
from .controls import control_for

if TYPE_CHECKING:
    from ..training import History, Session
    from ..training.layer_checks import LayerCheck

__all__ = ["MatrixBackpropWidget"]

register({
    "matrixw.model": ("model ŷ", "模型 ŷ"),
    "matrixw.point": ("point (row of the data)", "数据点（行号）"),
    "matrixw.check_loss": ("gradients of", "梯度所属的损失"),
    "matrixw.loss_mse": ("mean squared error", "均方误差"),
    "matrixw.loss_seed": ("seed 003's check", "种子 003 的检验"),
    "matrixw.show_layers": ("layer by layer", "逐层"),
})


def stack_formula(layers: int) -> str:
    """``ŷ = ((x·W1 + b1)·W2 + b2)·W3 + b3`` for three layers."""
    text = "x"
    for k in range(1, layers + 1):
        text = f"({text}·W{k} + b{k})"
    return f"ŷ = {text[1:-1]}"


class MatrixBackpropWidget(ChainRuleWidget):
    """Train seed 003's stack of matrix layers (``nn.Sequential(nn.Linear(2, 2),
    nn.Linear(2, 2), nn.Linear(2, 1))`` on 'plane2d', Adam, batches of 5) and look at any
    step: every layer's ∂L/∂W and ∂L/∂b by the layer formulas next to autograd's.

    Controls (``w.lr = 0.02`` sets one): ``dataset``, ``lr``, ``epochs``, ``batch_size``,
    ``step`` (updates done; the tables show the gradient of the next update), ``play``,
    ``check_loss`` (the loss whose gradients the tables check: the training loss, or seed
    003's (Σ(ŷ − y)²)² / 2) and ``show_view`` (the layers' table or the batch point by
    point).
    Views: ``image`` (the ``figure``: the data and ŷ by row, the loss per step), ``table``,
    ``samples_table``; latest state: ``history``, ``session``, ``check`` (the shown update's
    :class:`~gdwidgets.training.layer_checks.LayerCheck`).
    """

    _place = "matrix_backprop"
    _one_input = False
    # no autograd graph: the three layers' graph is too wide for one screen at 11 px text
    _views = {"chain": ("matrixw.show_layers", ("image", "table")),
              "batch": ChainRuleWidget._views["batch"]}

    def _take_settings(self, settings: dict[str, Any]) -> None:
        self._hidden = settings["hidden"]
        self._optimizer = settings["optimizer"]
        self.check: LayerCheck | None = None
        self.check_loss = control_for(here(self._place)["check_loss"], settings["check_loss"],
                                      "", "matrixw.loss_", buttons=True,
                                      style={"button_width": "auto"})
        self.check_loss.observe(self._on_step, "value")

    def _above_tables(self) -> list[W.Widget]:
        label = W.Label(tr("matrixw.check_loss"), layout=W.Layout(margin="0 6px 0 0"))
        self.check_row = W.HBox([label, self.check_loss],
                                layout=W.Layout(align_items="center", margin="4px 0 0 0"))
        return [self.check_row]

    def _plot_options(self) -> dict[str, Any]:
        return {"model": tr("matrixw.model"), "legend_above": True}


    def _data(self) -> tuple[np.ndarray, np.ndarray]:
        """The left panel draws y (and ŷ) by row, as seed 003 plots them."""
        y = as_dataset(self._data_of(self.dataset.value)).y
        return np.arange(len(y), dtype=float), y

    def _labels(self) -> tuple[str, str]:
        return tr("matrixw.point"), as_dataset(self._data_of(self.dataset.value)).y_label

    def _run(self) -> tuple[Session, History]:
        from ..training import Session  # torch loads with the first run, not on import

        session = Session(**self._control_values(), model="mlp", hidden=self._hidden,
                          activation=None, optimizer=self._optimizer,
                          normalize=self._normalize, seed=self._seed)
        return session, session.run()

    def _show_step(self, step: int | None = None) -> None:
        """Every view for ``step`` (default: the slider's): ŷ of the model then, and the
        layers' gradients of the next update (of the last one once training is over)."""
        from ..training.layer_checks import layer_check

        session, history = self.session, self.history
        if session is None or history is None:
            return
        step = self.step.value if step is None else step
        update = min(step + 1, len(history))
        self.check = check = layer_check(session, update, history, self.check_loss.value)
        rows = history.batch(update)
        cfg = session.config
        index = np.arange(len(cfg.y), dtype=float)
        self.plot.show_step(update, history.epoch_of(update), index,
                            history.fit(cfg.x, update - 1), index[rows], cfg.y[rows])
        self._png = self.plot.png()
        self.image.value = self._png
        layers = len(check.layers)
        self.table.value = layer_table_html(check, update, stack_formula(layers))
        self.samples_table.value = layer_batch_html(check, rows, cfg.y[rows], update)
        self._refresh_static()


MatrixBackpropWidget.__doc__ = docstring("matrix_backprop", MatrixBackpropWidget.__doc__ or "")
MatrixBackpropWidget.__signature__ = signature(  # type: ignore[attr-defined]
    "matrix_backprop", inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
