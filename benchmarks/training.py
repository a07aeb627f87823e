"""Torch sessions against the beginner loop of the seeds, in one process, same data.

The beginner loop is written the way seeds 002/003 write it: a TensorDataset and a
DataLoader, one Python iteration per batch, ``loss.backward()``, ``w.data -= lr *
w.grad.data`` and ``w.grad.zero_()``. The session computes the same thing (mean squared
error of y = w*x + b on y2x10, 50 points, batches of 5, 100 epochs, lr 1e-4, from
w=20, b=30 as in seed 003) with manual gradients and with autograd; the per-epoch losses
and final parameters must agree. Then a default-sized session (1000 full-batch epochs on
200 points) and an lr_sweep of 256 lrs x 100 epochs x 200 points.

Prints a markdown table of medians.

    python benchmarks/training.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from gdwidgets import Session, datasets, lr_sweep

LR, EPOCHS, BATCH, W0, B0 = 1e-4, 100, 5, 20.0, 30.0


def beginner_loop() -> tuple[np.ndarray, float, float]:
    d = datasets.get("y2x10")
    x, y = torch.tensor(d.x), torch.tensor(d.y)
    dl = DataLoader(TensorDataset(x, y), batch_size=BATCH)
    w = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(B0, requires_grad=True)
    epoch_loss = []
    for _epoch in range(EPOCHS):
        all_loss = 0
        for xt, yt in dl:
            y_pred = w * xt + b
            loss = torch.mean((y_pred - yt) ** 2)
            all_loss += loss.data
            if w.grad is not None:
                w.grad.data.zero_()
                b.grad.data.zero_()
            loss.backward()
            w.data = w.data - w.grad.data * LR
            b.data = b.data - b.grad.data * LR
        epoch_loss.append(float(all_loss / len(dl)))
    return np.array(epoch_loss), w.item(), b.item()


def session(gradients: str) -> Callable[[], Any]:
    s = Session(dataset="y2x10", model="linear", lr=LR, epochs=EPOCHS, batch_size=BATCH,
                gradients=gradients, init={"w": W0, "b": B0})
    return s.run


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    fn()  # warm up
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat

    t_base, (base_loss, base_w, base_b) = timed(beginner_loop, repeat)
    rows = [("beginner loop (DataLoader, .data updates), y2x10, batch 5, 100 epochs",
             t_base, "")]
    for gradients in ("manual", "autograd"):
        t, h = timed(session(gradients), repeat)
        np.testing.assert_allclose(h.epoch_loss, base_loss, rtol=1e-4)
        np.testing.assert_allclose([h.final["w"], h.final["b"]], [base_w, base_b], rtol=1e-5)
        goal = ">= 5x faster" if gradients == "manual" else "(for comparison)"
        rows.append((f"Session, same run, gradients='{gradients}'", t,
                     f"{goal}: {t_base / t:.1f}x"))

    default = Session(dataset="line200", epochs=1000)
    t, h = timed(default.run, repeat)
    assert not h.diverged and len(h) == 1000
    rows.append(("default Session: line200, 1000 full-batch epochs", t, "<= 20 ms"))

    poly = Session(dataset="cubic", model="polynomial", degree=3, lr=1e-3, epochs=1000)
    t, h = timed(poly.run, repeat)
    rows.append(("Session: cubic, degree 3, 1000 full-batch epochs", t, "<= 20 ms"))

    lrs = np.logspace(-4, 0.5, 256)

    def sweep() -> Any:
        return lr_sweep(dataset="line200", model="linear", lrs=lrs, epochs=100)

    t, r = timed(sweep, repeat)
    for i in (0, 100, 200, 255):  # the sweep's runs are the sessions' runs
        h = Session(dataset="line200", lr=float(lrs[i]), epochs=100).run()
        assert r.diverged[i] == h.diverged
        if not h.diverged:
            np.testing.assert_allclose(r.final_loss[i], h.final_loss, rtol=1e-4)
    rows.append(("lr_sweep: 256 lrs x 100 epochs x 200 points", t, "<= 50 ms"))

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"median of {repeat} runs; results agree with the beginner loop\n")
    print("| run | median ms | goal |")
    print("|---|---:|---|")
    for name, ms, goal in rows:
        print(f"| {name} | {ms:.1f} | {goal} |")


if __name__ == "__main__":
    main()
