"""gdwidgets: Jupyter widgets for teaching gradient descent and backpropagation.

``import gdwidgets`` stays light: torch-backed names (``Session``, ``lr_sweep``, ...)
load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .autograd import Linear, Scalar, count_nodes, mse
from .i18n import set_language
from .views.graph import draw_graph, graph_svg

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access
_LAZY = {
    "Session": "gdwidgets.training",
    "History": "gdwidgets.training",
    "lr_sweep": "gdwidgets.training",
    "datasets": "gdwidgets.datasets",
    "draw_torch_graph": "gdwidgets.views.torch_graph",
    "session_graph": "gdwidgets.views.torch_graph",
    "BackpropWidget": "gdwidgets.widgets.backprop",
    "RegressionWidget": "gdwidgets.widgets.regression",
    "ChainRuleWidget": "gdwidgets.widgets.chain_rule",
    "LearningRateWidget": "gdwidgets.widgets.learning_rate",
}

__all__ = ["Linear", "Scalar", "count_nodes", "draw_graph", "graph_svg", "mse", "set_language"]
__all__ += list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = module if module.__name__.endswith(name) else getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gdwidgets' has no attribute {name!r}")
