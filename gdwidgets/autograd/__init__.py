"""Pure-Python scalar autograd: no third-party imports below this package."""

from .linear import Linear, mse
from .scalar import OPS, Scalar, backward_order, count_nodes

__all__ = ["OPS", "Linear", "Scalar", "backward_order", "count_nodes", "mse"]
