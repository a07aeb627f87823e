"""draw_graph to SVG for linear-model MSE graphs of 2 … 10,000 points, per renderer.

Each timing is the whole of ``graph_svg(loss, mode)`` from a cold start: the memoised
collapse plan and the SVG cache are cleared before every run, so analysis and layout are
measured. Prints a markdown table of medians (forward and backward, in ms) for the system
``dot`` and for ``graphviz-pure``, whichever are installed; ``--full`` adds rows drawing
every node (``full=True``) for the smaller batches.

    python benchmarks/graph.py [--repeat 5] [--full 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from gdwidgets.autograd import Linear, Scalar, count_nodes, mse
from gdwidgets.views.graphs import render as R
from gdwidgets.views.graphs.graph import clear_cache, draw_graph, graph_svg

SIZES = (2, 20, 200, 2000, 10_000)


def batch(n: int) -> Scalar:
    rnd = random.Random(n)
    model = Linear()
    loss = mse([
        model.error(Scalar(rnd.uniform(-1, 1), label=f"x{i + 1}", requires_grad=False),
                    Scalar(rnd.uniform(-1, 1), label=f"y{i + 1}", requires_grad=False))
        for i in range(n)
    ])
    loss.backward()
    return loss


def time_ms(loss: Scalar, mode: str, repeat: int, **kw: object) -> float:
    runs = []
    for _ in range(repeat):
        clear_cache()
        t = time.perf_counter()
        graph_svg(loss, mode, **kw)  # type: ignore[arg-type]
        runs.append((time.perf_counter() - t) * 1e3)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--full", type=int, default=0,
                    help="also time full=True for batches up to this many points")
    args = ap.parse_args()
    renderers = R.available_renderers()
    if not renderers:
        raise SystemExit(str(R.RendererNotFound("no renderer")))
    names = [r.name for r in renderers]
    cols = " | ".join(f"{n} fwd ms | {n} bwd ms" for n in names)
    print(f"| N | drawing | nodes in graph | nodes drawn | {cols} |")
    print("|---:|---|---:|---:|" + "---:|" * (2 * len(names)))
    rows = [(n, False) for n in SIZES]
    rows += [(n, True) for n in SIZES if n <= args.full]
    for n, full in rows:
        loss = batch(n)
        drawn = draw_graph(loss, "backward", full=full).source.count("<TABLE")
        cells = []
        for r in renderers:
            R.set_renderer(r)
            for mode in ("forward", "backward"):
                cells.append(f"{time_ms(loss, mode, args.repeat, full=full):.0f}")
        R.set_renderer(None)
        kind = "full" if full else "collapsed"
        print(f"| {n} | {kind} | {count_nodes(loss)} | {drawn} | {' | '.join(cells)} |",
              flush=True)


if __name__ == "__main__":
    main()
