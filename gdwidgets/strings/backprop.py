"""Every visible string of :class:`gdwidgets.widgets.backprop.BackpropWidget`, in English
and Simplified Chinese (registered with :mod:`gdwidgets.i18n` on import)."""

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
    "backprop.lr": ("learning rate", "学习率"),
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
    "backprop.loss": ("loss", "损失"),
    "backprop.loss_micro": ("loss {j}/{k} (× {w})", "损失 {j}/{k}（× {w}）"),
    "backprop.full_grad": ("{name}.grad, all", "{name}.grad（全部）"),
    "backprop.full_loss": ("loss, all", "损失（全部）"),
    "backprop.nodes": ("nodes in graph", "计算图节点数"),
    "backprop.nodes_in_place": ("nodes, in-place twin", "节点数（原地更新）"),
    "backprop.updates": ("updates", "更新次数"),
    "backprop.passes": ("backward passes", "反向传播次数"),
    # messages
    "backprop.msg.forward": (
        "Forward: the graph of the loss for a = {a}, b = {b}; a forward graph shows no "
        "grads (None): backward fills them.",
        "前向传播：a = {a}、b = {b} 时损失函数的计算图；前向图不显示 grad（None），反向传播"
        "会填上它们。",
    ),
    "backprop.msg.backward": (
        "Backward: every node's grad holds d loss / d node; each edge shows the gradient it "
        "carried.",
        "反向传播：每个节点的 grad 是 d loss / d 节点；每条边上标着它传递的梯度。",
    ),
    "backprop.msg.again": (
        "Backward pass {n} on the same graph without zero grad: every grad is now {n} times "
        "one pass's gradient (highlighted). Press zero grad to reset.",
        "在同一个计算图上第 {n} 次反向传播且没有清零：每个 grad 都变成了一次梯度的 {n} 倍"
        "（已高亮）。按“梯度清零”重置。",
    ),
    "backprop.msg.zero": (
        "Every grad is 0 again; each edge still shows the gradient it carried in the last "
        "pass.",
        "所有 grad 都已重新变为 0；每条边上仍标着它在上一次反向传播中传递的梯度。",
    ),
    "backprop.msg.update": (
        "Update {k}: a and b moved by -lr × grad, the grads went back to 0, and the next "
        "forward graph was built.",
        "第 {k} 次更新：a 和 b 移动了 -lr × grad，梯度清零，并构建了下一次前向传播的计算图。",
    ),
    "backprop.msg.no_grad": (
        "The grads are 0, so the update changes nothing: press backward first.",
        "梯度都是 0，更新不会改变任何东西：请先按“反向传播”。",
    ),
    "backprop.msg.bloat": (
        "Update {k} the book's way (a = a - lr * a.grad): the graph now has {nodes} nodes; "
        "the in-place twin still has {twin}. The bold a and b are the current ones; the "
        "grey “before update” copies stay in the graph, and every backward pass adds into "
        "their grads, which nothing sets back to 0.",
        "第 {k} 次用书中的写法更新（a = a - lr * a.grad）：计算图现在有 {nodes} 个节点；"
        "原地更新的对照模型仍然是 {twin} 个。粗体的 a、b 是当前的参数；灰色的“更新前”副本"
        "留在计算图里，每次反向传播都会往它们的 grad 里累加，而没有任何操作把它们清零。",
    ),
    "backprop.old": ("{name} before update {k}", "第 {k} 次更新前的 {name}"),
    "backprop.msg.micro": (
        "Micro-batch {j} of {k}: its loss is scaled by {w}; the grads now sum {done} of {k} "
        "micro-batches.",
        "第 {j}/{k} 个小批次：损失乘以 {w}；梯度里现在累加了 {k} 个小批次中的 {done} 个。",
    ),
    "backprop.msg.micro_done": (
        "All {k} micro-batches done: the accumulated a.grad {ga} and b.grad {gb} equal the "
        "gradient of the loss on all points (table: a.grad, all = {fa}; b.grad, all = "
        "{fb}). Press update.",
        "{k} 个小批次都已完成：累积的 a.grad {ga} 和 b.grad {gb} 等于全部数据上损失的梯度"
        "（表格：a.grad（全部）= {fa}；b.grad（全部）= {fb}）。请按“更新参数”。",
    ),
    "backprop.msg.micro_over": (
        "{done} micro-batch passes since the last update (there are {k}): the grads count "
        "some micro-batches twice. Press zero grad.",
        "自上次更新以来已经做了 {done} 次小批次反向传播（只有 {k} 个小批次）：梯度把一些"
        "小批次算了两次。请按“梯度清零”。",
    ),
    "backprop.msg.loss_up": (
        "The full-batch loss went up from {before} to {after}: lr = {lr} is too large for "
        "these points. Try a smaller learning rate.",
        "全部数据的损失从 {before} 升到了 {after}：对这些数据来说 lr = {lr} 太大了。"
        "试试更小的学习率。",
    ),
    "backprop.msg.overflow": (
        "The parameters overflowed at update {k}: lr = {lr} is far too large. Press start "
        "again and choose a smaller learning rate.",
        "第 {k} 次更新时参数溢出：lr = {lr} 太大了。请按“重新开始”并选择更小的学习率。",
    ),
    "backprop.msg.step": (
        "Backward step {s} of {n}: the red node has just passed its gradient to its "
        "children; nodes below it still wait.",
        "反向传播第 {s}/{n} 步：红色节点刚把梯度传给了它的子节点；下面的节点还在等待。",
    ),
    # errors (shown in the banner)
    "backprop.err.no_pass": (
        "there is no backward pass to step through: press backward first",
        "没有可以逐步查看的反向传播：请先按“反向传播”",
    ),
    "backprop.err.data_len": (
        "BackpropWidget draws every point's nodes: at most {n} points, got {nx}",
        "BackpropWidget 要画出每个点的节点：最多 {n} 个点，收到的是 {nx} 个",
    ),
    "backprop.err.one_input": (
        "BackpropWidget fits y = a·x + b to one input, but x has {d} columns",
        "BackpropWidget 拟合单输入的 y = a·x + b，但 x 有 {d} 列",
    ),
})
