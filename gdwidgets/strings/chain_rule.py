"""Every visible string of :class:`gdwidgets.widgets.chain_rule.ChainRuleWidget` in English and
Simplified Chinese (registered with :mod:`gdwidgets.i18n` on import)."""

from __future__ import annotations

from ..i18n import register

register({
    "chainw.dataset": ("data", "数据"),
    "chainw.lr": ("learning rate", "学习率"),  # as RegressionWidget and BackpropWidget
    "chainw.epochs": ("epochs", "轮数"),
    "chainw.batch_size": ("batch size", "批大小"),
    "chainw.step": ("step", "步数"),  # as RegressionWidget's step
    "chainw.graph": ("Autograd graph of this update's loss", "本次更新的损失的自动求导计算图"),
    "chainw.show": ("show", "显示"),
    "chainw.show_chain": ("chain rule", "链式法则"),
    "chainw.show_batch": ("the batch, point by point", "逐点查看批次"),
    "chainw.show_graph": ("autograd graph", "自动求导计算图"),
    "chainw.full_size": ("full size", "原始大小"),
})
