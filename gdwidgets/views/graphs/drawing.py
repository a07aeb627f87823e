"""``GraphDrawing``: the object every graph drawing returns, Scalar or torch.

It is a ``graphviz.Digraph`` so that notebooks know it (``.source``, ``.pipe``,
``.render``), but it is rendered by gdwidgets' own renderer (render.py: the system
``dot`` or ``graphviz-pure``) and, when only numbers changed since a layout, by
relabelling that layout's SVG (relabel.py). graphviz writes the frame of the DOT source
(``digraph``, the graph/node/edge defaults); every statement of its body is written by
dot.py.
"""

from __future__ import annotations

from typing import Any

import graphviz

from . import dot as vis
from . import relabel
from .render import render, render_svg

__all__ = ["GraphDrawing"]


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders through gdwidgets' renderer.

    Renders inline in Jupyter with the system ``dot`` or, without it, ``graphviz-pure``.
    Made by :meth:`from_picture`, it relabels a cached layout when only numbers changed.
    """

    picture: vis.Picture | None = None
    _drawn: str = ""

    @classmethod
    def from_picture(cls, picture: vis.Picture, name: str = "G") -> GraphDrawing:
        """The drawing of ``picture``."""
        g = cls(name=name, graph_attr=vis.graph_attrs(picture), node_attr=vis.NODE_ATTRS,
                edge_attr=vis.EDGE_ATTRS)
        g.body.extend(vis.dot_lines(picture))
        g.picture = picture
        g._drawn = g.source
        return g

    def svg(self) -> str:
        """The picture as SVG text."""
        source = self.source
        if self.picture is not None and source == self._drawn:
            return relabel.picture_svg(self.picture, source)
        return render_svg(source)

    def _repr_image_svg_xml(self) -> str:
        return self.svg()

    def _repr_image_png(self) -> bytes:
        return render(self.source, "png")

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, str | bytes]:
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        out: dict[str, str | bytes] = {}
        if "image/svg+xml" in wanted:
            out["image/svg+xml"] = self.svg()
        if "image/png" in wanted:
            out["image/png"] = self._repr_image_png()
        return out

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """Like ``graphviz.Digraph.pipe``, but run by gdwidgets' renderer."""
        if renderer or formatter or neato_no_op or engine not in (None, "dot"):
            return super().pipe(format, renderer, formatter, neato_no_op, quiet,
                                engine=engine, encoding=encoding)
        data = render(self.source, format or self.format)
        return data.decode(encoding) if encoding else data
