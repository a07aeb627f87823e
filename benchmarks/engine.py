"""Forward + backward of one MSE expression: gdwidgets' Scalar against micrograd's Value.

The expression is a linear model's mean squared error over N points, the squared errors
summed pairwise (a balanced tree) so that micrograd's recursive backward can finish.
Both engines run in this process on the same data, interleaved, two ways:

- "training loop": time per step of a loop of forward+backward steps, as a lesson runs
  them, with Python's garbage collector working as usual (micrograd's closures make
  reference cycles that the collector must clear; our nodes make none);
- "single pass": one forward+backward right after ``gc.collect()``, so no earlier garbage
  is collected on the clock.

It prints medians of ``--repeat`` samples (7 by default), the ratios, and our time per
node of the graph (graph building included), checks both engines give the same gradient,
tries the shapes micrograd cannot handle (a long chain, an MSE built with ``sum()``) and
measures memory per node.

    python benchmarks/engine.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
import tracemalloc

from micrograd.engine import Value

from gdwidgets.autograd import Scalar, count_nodes, mse


def pairwise_sum(terms: list) -> object:
    while len(terms) > 1:
        pairs = [terms[i] + terms[i + 1] for i in range(0, len(terms) - 1, 2)]
        terms = pairs + terms[len(terms) - len(terms) % 2 :]
    return terms[0]


def mse_graph(cls: type, xs: list[float], ys: list[float]) -> tuple[object, object]:
    """(the loss, the parameter a)."""
    a, b = cls(0.5), cls(-0.3)
    squares = [(e := y - (a * x + b)) * e for x, y in zip(xs, ys)]
    return pairwise_sum(squares) * (1.0 / len(xs)), a


def mse_step(cls: type, xs: list[float], ys: list[float]) -> float:
    """Build the loss, run backward; return d loss / d a."""
    loss, a = mse_graph(cls, xs, ys)
    loss.backward()
    return a.grad


def per_step(cls: type, xs: list[float], ys: list[float], steps: int) -> float:
    """Seconds per step of a loop of ``steps`` forward+backward steps."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(steps):
        mse_step(cls, xs, ys)
    return (time.perf_counter() - start) / steps


def survives(build, cls: type, n: int) -> str:
    try:
        build(cls, n)
        return "ok"
    except RecursionError:
        return "RecursionError"


def chain(cls: type, n: int) -> None:
    x = cls(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0
    y.backward()


def summed_mse(cls: type, n: int) -> None:
    a = cls(0.5)
    loss = sum((a * i - 1.0) ** 2 for i in range(n)) * (1.0 / n)
    loss.backward()


def bytes_per_node(n: int) -> float:
    """Memory held by an MSE graph of n points (built with gdwidgets' mse) after backward."""
    xs = [random.random() for _ in range(n)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    a, b = Scalar(0.0, "a"), Scalar(0.0, "b")
    loss = mse([y - (a * x + b) for x, y in zip(xs, xs)])
    loss.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / count_nodes(loss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(0)
    print("| N points | loop: gdwidgets ms | loop: micrograd ms | loop speed-up "
          "| loop: gdwidgets µs/node | single: gdwidgets ms | single: micrograd ms "
          "| single speed-up |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (10, 100, 1000, 10_000):
        xs = [rng.uniform(-1, 1) for _ in range(n)]
        ys = [2 * x + 1 + rng.gauss(0, 0.1) for x in xs]
        g_ours, g_theirs = mse_step(Scalar, xs, ys), mse_step(Value, xs, ys)
        assert abs(g_ours - g_theirs) <= 1e-9 * max(1.0, abs(g_theirs)), (g_ours, g_theirs)
        steps = max(3, 20_000 // n)
        loop: dict[type, list[float]] = {Scalar: [], Value: []}
        single: dict[type, list[float]] = {Scalar: [], Value: []}
        for _ in range(args.repeat):
            for cls in (Scalar, Value):
                loop[cls].append(per_step(cls, xs, ys, steps))
                single[cls].append(per_step(cls, xs, ys, 1))
        nodes = count_nodes(mse_graph(Scalar, xs, ys)[0])
        row = [f"{n:,}"]
        for times in (loop, single):
            o, m = (statistics.median(times[c]) * 1e3 for c in (Scalar, Value))
            row += [f"{o:.3f}", f"{m:.3f}", f"{m / o:.1f}x"]
            if times is loop:
                row.append(f"{o * 1e3 / nodes:.3f}")
        print("| " + " | ".join(row) + " |")
    print()
    print("| shape | gdwidgets | micrograd |")
    print("|---|---|---|")
    for name, build in (
        ("chain of 100,000 nodes", chain), ("MSE of 1000 points with sum()", summed_mse)
    ):
        n = 100_000 if name.startswith("chain") else 1000
        print(f"| {name} | {survives(build, Scalar, n)} | {survives(build, Value, n)} |")
    print()
    print(f"memory: {bytes_per_node(100_000):.0f} bytes per node "
          "(MSE of 100,000 points, after backward)")


if __name__ == "__main__":
    main()
