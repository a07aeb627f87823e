"""Every visible string of :class:`gdwidgets.widgets.regression.RegressionWidget` in English and
Simplified Chinese (registered with :mod:`gdwidgets.i18n` on import)."""

from __future__ import annotations

from ..i18n import register

register({
    "reg.dataset": ("data", "数据"),  # as every widget's data
    "reg.model": ("model", "模型"),
    "reg.lr": ("learning rate", "学习率"),
    "reg.epochs": ("epochs", "轮数"),
    "reg.batch": ("batch size", "批大小"),
    "reg.degree": ("degree", "多项式次数"),
    "reg.optimizer": ("optimizer", "优化器"),
    "reg.normalize": ("inputs", "输入处理"),
    "reg.zero_grad": ("zero_grad each step", "每步清零梯度"),
    "reg.shuffle": ("shuffle", "打乱数据"),
    "reg.step": ("step", "步数"),
    "reg.linear": ("linear", "线性"),
    "reg.polynomial": ("polynomial", "多项式"),
    "reg.two_layer": ("two layers", "两层线性"),
    "reg.mlp": ("Linear–PReLU–Linear", "Linear–PReLU–Linear"),
    "reg.param": ("parameter", "参数"),
    "reg.value": ("value", "值"),
    "reg.raw_value": ("for {x} as given", "对原始的{x}"),
    "reg.grad": ("gradient", "梯度"),
    "reg.start": ("start (init)", "起点（init）"),
    "reg.start_random": ("start (random, seed {seed})", "起点（随机种子 {seed}）"),
    "reg.batch_clamped": (
        "batch size {asked} is more than the {n} points of '{dataset}': using {n} (full batch).",
        "批大小 {asked} 超过了数据集“{dataset}”的 {n} 个点：改用 {n}（全批量）。",
    ),
    "reg.degree_clamped": (
        "degree {asked} needs more than {n} points: using degree {degree}.",
        "{asked} 次多项式需要多于 {n} 个点：改用 {degree} 次。",
    ),
    "reg.graph_at": ("Backward graph of the batch of update {step}",
                     "第 {step} 次更新所用批次的反向传播图"),
    "reg.show": ("show", "显示"),
    "reg.show_plots": ("plots", "图表"),
    "reg.show_graph": ("backward graph", "反向传播图"),
    "reg.full_size": ("full size", "原始大小"),
})
