"""Every visible string of :class:`gdwidgets.widgets.learning_rate.LearningRateWidget`
in English and Simplified Chinese (registered with :mod:`gdwidgets.i18n` on import)."""

from __future__ import annotations

from ..i18n import register

register({
    "lrw.dataset": ("data", "数据"),
    "lrw.model": ("model", "模型"),
    "lrw.normalize": ("inputs", "输入处理"),
    "lrw.epochs": ("epochs", "轮数"),
    "lrw.lr_range": ("sweep lr range", "扫描 lr 范围"),
    "lrw.lr_outside": (
        "lr must be between {lo:g} and {hi:g} (the sweep's lr_range {range}), got {value}",
        "lr 必须在 {lo:g} 到 {hi:g} 之间（扫描范围 lr_range {range}），得到的是 {value}",
    ),
    "lrw.lr": ("chosen lr", "所选学习率 lr"),
    "lrw.linear": ("linear: y = w·x + b", "线性：y = w·x + b"),
    "lrw.polynomial": ("cubic: y = w1·x + w2·x² + w3·x³ + b",
                       "三次：y = w1·x + w2·x² + w3·x³ + b"),
    "lrw.two_layer": ("two layers: y = a2·(a1·x + b1) + b2",
                      "两层：y = a2·(a1·x + b1) + b2"),
    "lrw.mlp": ("MLP: Linear, PReLU, Linear", "多层感知机：Linear、PReLU、Linear"),
    "lrw.summary": (
        "Sweep: {n} learning rates from {lo:.2g} to {hi:.2g}, {epochs} epochs each: "
        "{bad} diverged{best}. Chosen lr = {lr:.2g}: {outcome}.",
        "扫描：{n} 个学习率，从 {lo:.2g} 到 {hi:.2g}，各训练 {epochs} 轮："
        "{bad} 个发散{best}。所选 lr = {lr:.2g}：{outcome}。",
    ),
    "lrw.final": ("final loss {loss:.3g}", "最终损失 {loss:.3g}"),
    "lrw.diverged": ("diverged at step {step}", "在第 {step} 步发散"),
    "lrw.best": ("; lowest final loss at lr ≈ {lr:.2g}", "；最终损失最低处 lr ≈ {lr:.2g}"),
    "lrw.all_diverged": (
        "Every swept learning rate diverged: move the sweep range lower (below {lo:.2g}){norm}.",
        "扫描的所有学习率都发散了：把扫描范围往下移（低于 {lo:.2g}）{norm}。",
    ),
    "lrw.tick_normalize": (" or choose inputs → standardised", "，或把“输入处理”选为“标准化”"),
})
