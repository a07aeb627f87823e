"""torch's own autograd graphs, drawn like the Scalar engine's (with its dot.py and
GraphDrawing from ``graphs/``): graph.py is the entry (``draw_torch_graph``,
``session_graph``), autograd.py reads torch's graph without changing it, boxes.py says what
a box shows, wrap.py and rows.py lay a deep or a wide graph out to fit the widgets' place.
The only views that import torch: loaded on first use, never by ``import gdwidgets``."""
