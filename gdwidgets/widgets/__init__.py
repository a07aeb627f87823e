"""ipywidgets classes: controls -> a session or the Scalar engine -> the views. No math.

The five lesson widgets load on first use (each pulls in ipywidgets, matplotlib and, when
it trains, torch).
"""

from __future__ import annotations

from .._lazy import lazy

_LAZY = {"BackpropWidget": ".backprop", "RegressionWidget": ".regression",
         "ChainRuleWidget": ".chain_rule", "LearningRateWidget": ".learning_rate",
         "MatrixBackpropWidget": ".matrix_backprop"}
__all__ = list(_LAZY)
__getattr__, __dir__ = lazy(__name__, _LAZY)
