"""Slider change -> every view redrawn, timed inside a real Jupyter kernel.

Each widget is created in a fresh IPython kernel (started with jupyter_client, as
JupyterLab does); a control is then set to a sequence of values from Python, which
redraws synchronously, so the time of the assignment (or button press) is the time until every view
holds its new picture (and the messages to the browser are queued). The baseline is the way
tutorials do it, in the same kernel: ``ipywidgets.interactive`` around a function that
trains with the seeds' beginner loop and draws a fresh ``plt`` figure per change.

    python benchmarks/widgets.py [--changes 40]
"""

from __future__ import annotations

import argparse
import json
import queue
import subprocess
import textwrap

from jupyter_client.manager import start_new_kernel

TIMER = """
import json, time, numpy as np
def _time_changes(change, values):
    times = []
    for v in values:
        t = time.perf_counter()
        change(v)
        times.append(time.perf_counter() - t)
    return times
"""

NAIVE = """
import ipywidgets, torch, matplotlib
matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot as plt
from IPython.display import display
from gdwidgets.datasets import get
_d = get("linear15")
_x = torch.tensor(_d.x).reshape(-1); _y = torch.tensor(_d.y)

def train_and_plot(lr=0.01):
    w = torch.zeros(1, requires_grad=True); b = torch.zeros(1, requires_grad=True)
    losses = []
    for epoch in range(100):
        loss = ((w * _x + b - _y) ** 2).mean()
        loss.backward()
        w.data -= lr * w.grad.data; b.data -= lr * b.grad.data
        w.grad.zero_(); b.grad.zero_()
        losses.append(loss.item())
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    a1.scatter(_x, _y); a1.plot(_x, (w * _x + b).detach(), "r")
    a2.semilogy(losses)
    plt.show()

_lr = ipywidgets.FloatLogSlider(value=0.01, min=-4, max=-1)
_w = ipywidgets.interactive(train_and_plot, lr=_lr)
display(_w)
control = _w.children[0]
"""

REGRESSION = "from gdwidgets import RegressionWidget\nw = RegressionWidget()\ndisplay(w)"
BACKPROP = "from gdwidgets import BackpropWidget\nw = BackpropWidget(points=5)\ndisplay(w)"
CHAIN = "from gdwidgets import ChainRuleWidget\nw = ChainRuleWidget()\ndisplay(w)"
LR = "from gdwidgets import LearningRateWidget\nw = LearningRateWidget()\ndisplay(w)"

# name -> (set-up code, what one change does with the value v, the values)
CASES = {
    "naive: interactive + beginner loop + plt": (NAIVE, "setattr(control, 'value', v)", "lr"),
    "RegressionWidget: lr": (REGRESSION, "setattr(w.lr, 'value', v)", "lr"),
    "RegressionWidget: step scrubber": (REGRESSION, "setattr(w.step, 'value', v)", "step"),
    "BackpropWidget: backward button": (BACKPROP, "w.backward_button.click()", "press"),
    "BackpropWidget: backward step slider": (
        BACKPROP + "\nw.backward_button.click()",
        "setattr(w.backward_step, 'value', v % (w.backward_step.max + 1))", "step"),
    "ChainRuleWidget: lr": (CHAIN, "setattr(w.lr, 'value', v / 10)", "lr"),
    "ChainRuleWidget: step": (CHAIN, "setattr(w.step, 'value', max(1, v))", "step"),
    "LearningRateWidget: lr": (LR, "setattr(w.lr, 'value', v)", "lr"),
}


def values(kind: str, n: int) -> list[float]:
    import numpy as np

    if kind == "lr":  # back and forth over a range that converges at 100 epochs
        v = np.geomspace(2e-3, 2e-2, n // 2)
        return [float(x) for x in np.concatenate([v, v[::-1]])]
    if kind == "press":
        return list(range(n))
    return [int(i) for i in np.linspace(0, 100, n)]


def run_in_kernel(setup: str, change: str, vals: list[float]) -> list[float]:
    km, kc = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
    try:
        out: list[str] = []

        def keep(msg: dict) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))

        kc.execute_interactive(TIMER + setup, output_hook=keep, timeout=300)
        code = f"print(json.dumps(_time_changes(lambda v: {change}, {vals!r})))"
        kc.execute_interactive(code, output_hook=keep, timeout=600)
        return json.loads(out[-1])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def summary(times: list[float]) -> tuple[float, float]:
    import numpy as np

    ms = np.array(times[2:]) * 1e3  # the first changes warm caches up
    return float(np.median(ms)), float(np.percentile(ms, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    results = {}
    for name, (setup, change, kind) in CASES.items():
        results[name] = summary(run_in_kernel(textwrap.dedent(setup), change,
                                              values(kind, args.changes)))
    naive = results["naive: interactive + beginner loop + plt"][0]
    print("| change (in a kernel) | median ms | p95 ms | vs naive |")
    print("|---|---:|---:|---:|")
    for name, (med, p95) in results.items():
        print(f"| {name} | {med:.1f} | {p95:.1f} | {naive / med:.1f}x |")


if __name__ == "__main__":
    try:
        main()
    except queue.Empty:
        raise SystemExit("the kernel did not answer in time") from None
