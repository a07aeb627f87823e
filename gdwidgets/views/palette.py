"""The colours of every gdwidgets picture, table and message, in one place.

Open Color's shades (https://yeun.github.io/open-color/), named by what they do where a
role is shared, by hue elsewhere.
"""

from __future__ import annotations

# ----- plots ---------------------------------------------------------------------------
BLUE = "#1c7ed6"  # data, the main curve, info
ORANGE = "#f08c00"  # the current batch / micro-batch, warnings
RED = "#e03131"  # the model's line, divergence, errors
GREY = "#ced4da"  # all points of a source, faint
SILVER = "#adb5bd"  # data points in the background, data boxes' borders
NOTE = "#495057"  # secondary text, edges
MUTED = "#868e96"  # a value before it changed, summary boxes
INK = "#212529"  # the chosen learning rate's curve
GOLD = "#f59f00"  # the best learning rate's star
BURNT = "#d9480f"  # parameters (graph borders, the loss curve)
FLAME = "#e8590c"  # the optimizer's path on the loss surface
CRIMSON = "#c92a2a"  # gradients on edges, the current step's marker
# one colour per micro-batch (points of the same part share one); red and orange are the
# line's and the current part's
GROUPS = ("#1c7ed6", "#2f9e44", "#7048e8", "#0c8599", "#e64980", "#5c940d", "#1864ab",
          "#862e9c", "#495057", "#a61e4d")
# one colour per learning rate in the side-by-side curves
CURVES = ("#4c6ef5", "#15aabf", "#40c057", "#fab005", "#e8590c", "#ae3ec9", "#868e96")

# ----- grounds: boxes, tables, banners ---------------------------------------------------
CHANGED = "#fff3bf"  # what the last action changed (tables, graph nodes)
CURRENT = "#ffc9c9"  # the node the stepped backward pass is at
NONFINITE = "#ffe3e3"  # graph nodes holding inf or nan
PARAM_FILL = "#ffe8cc"
OP_FILL = "#e7f5ff"  # also the info banner's ground
DATA_FILL = "#f1f3f5"  # also table headers
PALE = "#f8f9fa"  # earlier copies of parameters
WHITE = "#ffffff"
BLACK = "#000000"
SLATE = "#5c5f66"  # small notes inside graph boxes
BORDER = "#dee2e6"  # table cell borders
RULE = "#e9ecef"  # lines between table rows
ERROR_FILL = "#fff5f5"
WARNING_FILL = "#fff9db"
PASSED = "#1a7f37"  # homework checks
FAILED = "#cf222e"
