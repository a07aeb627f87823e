"""The Scalar engine's graph: walk it (plan.py), say what each box shows (picture.py),
write DOT (dot.py), lay it out with Graphviz (render.py), relabel a cached layout when only
numbers change (relabel.py), fit the SVG to its box (svg_fit.py); graph.py is the entry
(``draw_graph``, ``graph_svg``), backprop.py the BackpropWidget's fitted graph, export.py a
graph saved as PNG."""
