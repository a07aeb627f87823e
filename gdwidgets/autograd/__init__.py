"""Pure-Python scalar autograd: no third-party imports below this package."""

from .linear import Linear, mse
from .scalar import OPS, Scalar, backward_order
from .value import Value
from .walk import IndexedGraph, count_nodes, index_graph, walk

__all__ = [
    "OPS", "IndexedGraph", "Linear", "Scalar", "Value", "backward_order", "count_nodes",
    "index_graph", "mse", "walk",
]
