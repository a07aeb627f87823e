"""gdwidgets: Jupyter widgets for teaching gradient descent and backpropagation.

``import gdwidgets`` stays light: torch, ipywidgets and matplotlib load with the first
name that needs them (``Session``, ``lr_sweep``, the widgets); ``dir(gdwidgets)`` and tab
completion list every public name anyway.

"Seed 000" … "seed 004", mentioned throughout the code, are the course's five source
lessons that this package makes interactive (they are not the random ``seed=`` setting):

- seed 000: a hand-written scalar autograd (``Scalar``, ``draw_graph``, ``Linear``,
  ``mse``) on two points, then 200 normalised points ('line200') — BackpropWidget;
- seed 001: thermometer data, gradients by hand vs autograd, normalising inputs;
- seed 002: per-sample SGD and ``zero_()``, a quadratic model that blows up, Adam;
- seed 003: mini-batches, the two-layer chain rule by hand vs autograd ('y2x10') —
  ChainRuleWidget; three matrix layers backpropagated by hand ('plane2d') —
  MatrixBackpropWidget;
- seed 004: gradient descent from first principles ('linear15'), polynomial degree —
  RegressionWidget.

The lessons in ``example_notebooks/`` follow them; `docs/lessons.md` says more.
"""

from __future__ import annotations

from ._lazy import lazy
from .autograd import Linear, Scalar, Value, count_nodes, mse
from .i18n import set_language
from .views.graphs.graph import draw_graph, graph_svg

__version__ = "0.1.0"

# name -> module that defines it; imported on first attribute access
_LAZY = {
    "Session": "gdwidgets.training",
    "History": "gdwidgets.training",
    "lr_sweep": "gdwidgets.training",
    "datasets": "gdwidgets.datasets",
    "Dataset": "gdwidgets.data",
    "draw_torch_graph": "gdwidgets.views.torch_graphs.graph",
    "session_graph": "gdwidgets.views.torch_graphs.graph",
    "BackpropWidget": "gdwidgets.widgets.backprop",
    "RegressionWidget": "gdwidgets.widgets.regression",
    "ChainRuleWidget": "gdwidgets.widgets.chain_rule",
    "LearningRateWidget": "gdwidgets.widgets.learning_rate",
    "MatrixBackpropWidget": "gdwidgets.widgets.matrix_backprop",
}

__all__ = ["Linear", "Scalar", "Value", "count_nodes", "draw_graph", "graph_svg", "mse",
           "set_language"]
__all__ += list(_LAZY)


__getattr__, __dir__ = lazy(__name__, _LAZY)
