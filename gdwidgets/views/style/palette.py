"""The colours of every gdwidgets picture, table and message, in one place.

Open Color's shades (https://yeun.github.io/open-color/), named by what they do where a
role is shared, by hue elsewhere; colours that tell curves or groups apart are Okabe and
Ito's colour-blind-safe set (https://jfly.uni-koeln.de/color/), and each has a second
channel too (a marker and a dash style), so no meaning rests on colour alone.
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
RED_INK = "#a61e1e"  # red text: readable (4.5:1) also on a pale red ground
# one colour and one marker per micro-batch (points of the same part share them); red and
# orange are the line's and the current part's
GROUPS = ("#0072b2", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#000000", "#e69f00",
          "#0072b2", "#009e73", "#cc79a7")
GROUP_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "h")
# one colour, marker and dash style per learning rate in the side-by-side curves
# (Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black)
CURVES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")
CURVE_MARKERS = ("o", "s", "^", "D", "v", "P", "X")
CURVE_DASHES = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)), (0, (1, 1)), (0, (8, 3)))

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
