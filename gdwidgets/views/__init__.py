"""Pure drawing: graphs to DOT/SVG and training state to matplotlib. No ipywidgets."""
