"""The colours of every gdwidgets picture, in one place."""

from __future__ import annotations

BLUE = "#1c7ed6"  # data, the main curve
ORANGE = "#f08c00"  # the current batch / micro-batch
RED = "#e03131"  # the model's line, divergence, warnings in plots
GREY = "#ced4da"  # all points of a source, faint
NOTE = "#495057"  # secondary text
