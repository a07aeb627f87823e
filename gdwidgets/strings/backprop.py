"""The controls' labels and the messages of :class:`gdwidgets.widgets.backprop.BackpropWidget`
in English and Simplified Chinese, registered on import (kept apart only while
``widgets/backprop.py`` is at the 400-line limit; the table's strings are registered by
``views/backprop_table.py``, the lesson's messages by ``widgets/backprop_lesson.py``)."""

from __future__ import annotations

from ..i18n import register

register({
    "backprop.forward": ("forward", "前向传播"),
    "backprop.backward": ("backward", "反向传播"),
    "backprop.zero_grad": ("zero grad", "梯度清零"),
    "backprop.update": ("update", "更新参数"),
    "backprop.start_again": ("start again", "重新开始"),
    "backprop.forward_tip": ("Build the graph of the loss for the current a and b",
                             "用当前的 a、b 构建损失函数的计算图"),
    "backprop.backward_tip": ("Add one pass of gradients into every node's grad",
                              "把一次反向传播的梯度累加到每个节点的 grad 上"),
    "backprop.zero_grad_tip": ("Set every grad of the graph back to 0",
                               "把计算图中所有的 grad 重新设为 0"),
    "backprop.update_tip": ("a -= lr * a.grad, b -= lr * b.grad, grads to 0, then forward",
                            "a -= lr * a.grad，b -= lr * b.grad，梯度清零，再前向传播"),
    "backprop.start_again_tip": ("Start over with these settings: a = b = 0, no history",
                                 "用当前设置重新开始：a = b = 0，清空历史"),
    "backprop.points": ("points", "数据点数"),
    "backprop.mode": ("mode", "模式"),
    "backprop.mode.plain": ("plain", "普通"),
    "backprop.mode.accumulate": ("accumulate", "梯度累积"),
    "backprop.mode.bloat": ("graph bloat", "计算图膨胀"),
    "backprop.mode.plain_tip": ("The seed's loop: update a and b in place",
                                "种子课的循环：原地更新 a 和 b"),
    "backprop.mode.accumulate_tip": ("Accumulate the gradient over micro-batches, then update",
                                     "在多个小批次上累积梯度，然后再更新"),
    "backprop.mode.bloat_tip": ("The book's a -= lr * a.grad: every update adds graph nodes",
                                "书中的 a -= lr * a.grad：每次更新都会给计算图添加节点"),
    "backprop.micro_batches": ("micro-batches", "小批次数"),
    "backprop.view": ("view", "视图"),
    "backprop.view.forward": ("forward", "前向"),
    "backprop.view.backward": ("backward", "反向"),
    "backprop.step": ("backward step", "反向步骤"),
    "backprop.msg.zero": (
        "Every grad is 0 again; each edge still shows the gradient it carried in the last "
        "pass.",
        "所有 grad 都已重新变为 0；每条边上仍标着它在上一次反向传播中传递的梯度。",
    ),
    "backprop.msg.no_grad": (
        "The grads are 0, so the update changes nothing: press backward first.",
        "梯度都是 0，更新不会改变任何东西：请先按“反向传播”。",
    ),
    "backprop.old": ("{name} before update {k}", "第 {k} 次更新前的 {name}"),
    "backprop.msg.step": (
        "Backward step {s} of {n}: the red node has just passed its gradient to its "
        "children; nodes below it still wait.",
        "反向传播第 {s}/{n} 步：红色节点刚把梯度传给了它的子节点；下面的节点还在等待。",
    ),
    "backprop.err.no_pass": (
        "there is no backward pass to step through: press backward first",
        "没有可以逐步查看的反向传播：请先按“反向传播”",
    ),
})
