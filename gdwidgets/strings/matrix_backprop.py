"""Every visible string of :class:`gdwidgets.widgets.matrix_backprop.MatrixBackpropWidget`
of its own, in English and Simplified Chinese (the rest it shares with ChainRuleWidget)."""

from __future__ import annotations

from ..i18n import register

register({
    "matrixw.model": ("model ŷ", "模型 ŷ"),
    "matrixw.point": ("point (row of the data)", "数据点（行号）"),
    "matrixw.check_loss": ("gradients of", "梯度所属的损失"),
    "matrixw.loss_mse": ("mean squared error", "均方误差"),
    "matrixw.loss_seed": ("seed 003's check", "种子 003 的检验"),
    "matrixw.show_layers": ("layer by layer", "逐层"),
})
