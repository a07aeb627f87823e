"""matplotlib figures: one module per widget, named as the widget (regression.py,
learning_rate.py, chain_rule.py, backprop.py), on the shared canvas.py (a figure redrawn
without rebuilding it) and loss_axis.py (the loss and fit panels' axes)."""
