"""The colours of every gdwidgets picture, in one place."""

from __future__ import annotations

BLUE = "#1c7ed6"  # data, the main curve
ORANGE = "#f08c00"  # the current batch / micro-batch
RED = "#e03131"  # the model's line, divergence, warnings in plots
GREY = "#ced4da"  # all points of a source, faint
NOTE = "#495057"  # secondary text
CHANGED = "#fff3bf"  # the ground of what the last action changed (tables, graph nodes)
MUTED = "#868e96"  # a value before it changed
# one colour per micro-batch (points of the same part share one); red and orange are the
# line's and the current part's
GROUPS = ("#1c7ed6", "#2f9e44", "#7048e8", "#0c8599", "#e64980", "#5c940d", "#1864ab",
          "#862e9c", "#495057", "#a61e4d")
