"""Pure drawing: graphs to DOT/SVG and training state to matplotlib. No ipywidgets.

One room per pipeline, each named for what it draws:

- ``graphs/``       the Scalar engine's graph: walk -> DOT -> Graphviz -> SVG (and PNG);
- ``torch_graphs/`` torch's autograd graphs, drawn with ``graphs/``'s DOT and layout
  (the only views that import torch);
- ``figures/``      matplotlib: one module per widget, on a shared canvas and loss axis;
- ``tables/``       HTML tables: the shared grid, then one module per widget;
- ``style/``        what they all share: colours, the HTML's theme, fonts.

Imports between rooms point one way: ``style`` <- ``tables`` <- ``figures``;
``style`` <- ``graphs`` <- ``torch_graphs`` (tests/test_layers.py checks it).
"""
