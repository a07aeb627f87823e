"""Memory of one student: a kernel's RSS, PSS and USS, its growth with use, the Lab server.

Every row starts a fresh process: plain ``python`` for the light rows, an IPython kernel
(started with jupyter_client, as JupyterLab does) for the rest, and ``jupyter lab`` for the
server. Memory comes from ``/proc/PID/smaps_rollup`` (``procmem.py``), read after
``gc.collect()`` in the process measured. ``import torch`` in a kernel is the floor every
lesson stands on (they all train with torch); each lesson's row says how far above it it
ends. Growth rows compare the kernel's USS after warm-up (change 50) with a later change,
so that caches filled while warming up do not count.

    python benchmarks/memory.py [--only ROW ...] [--runs 3] [--json FILE]

PSS and USS depend on what else maps the same libraries (a page another process maps is
not unique): run it on a quiet machine, and read growth from the anonymous column too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import nbformat
from jupyter_client.manager import start_new_kernel

sys.path.insert(0, str(Path(__file__).parent))
from procmem import Memory, memory  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS = ROOT / "example_notebooks"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}  # this tree's gdwidgets

BACKPROP = "from gdwidgets import BackpropWidget\nw = BackpropWidget()\ndisplay(w)"
REGRESSION = "from gdwidgets import RegressionWidget\nw = RegressionWidget()\ndisplay(w)"
POLY = ("from gdwidgets import RegressionWidget\n"
        "w = RegressionWidget(model='polynomial')\ndisplay(w)")

# the seeds' loop, 10 steps: what torch allocates on first use (threads, kernels)
TORCH_LOOP = """import torch
x = torch.linspace(-1, 1, 15).reshape(-1, 1); y = 3 * x + 1
model = torch.nn.Linear(1, 1); opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(10):
    opt.zero_grad(); loss = ((model(x) - y) ** 2).mean(); loss.backward(); opt.step()"""

# plain python: (row, code)
PYTHON = {
    "python: idle": "",
    "python: import gdwidgets": "import gdwidgets",
    "python: BackpropWidget": "from gdwidgets import BackpropWidget; w = BackpropWidget()",
    "python: import torch": "import torch",
}
# in a kernel: (row, code)
KERNEL = {
    "kernel: idle": "",
    "kernel: import gdwidgets": "import gdwidgets",
    "kernel: BackpropWidget": BACKPROP,
    "kernel: import torch (floor)": "import torch",
    "kernel: import torch, gdwidgets, matplotlib": (
        "import torch, gdwidgets, matplotlib.pyplot, ipywidgets"),
    "kernel: torch's first training (no gdwidgets)": TORCH_LOOP,
    "kernel: RegressionWidget": REGRESSION,
}
FLOOR = "kernel: import torch (floor)"
LESSON_ROWS = {f"lesson {n}: Run All": n for n in ("01", "02", "05")}
SHARED = "lesson 02: Run All, 3 kernels at once (each)"

# growth: row -> (set-up, one change of the i-th step, warm-up changes, measured changes)
LR_VALUES = "[0.002 * 10 ** (k / 20) for k in range(21)]"  # 0.002 .. 0.02, as a slider
GROWTH = {
    "growth: RegressionWidget lr, change 50 -> 350": (
        REGRESSION + f"\n_v = {LR_VALUES}; _v += _v[-2:0:-1]",
        "w.lr.value = _v[i % len(_v)]", 50, 300),
    "growth: BackpropWidget, press 100 -> 1100": (
        BACKPROP + "\n_b = [w.forward_button, w.backward_button, w.backward_button, "
        "w.zero_grad_button, w.backward_button, w.update_button]",
        "_b[i % len(_b)].click()", 100, 1000),
    "growth: RegressionWidget epochs+degree, change 50 -> 1050": (
        POLY + "\n_e = [20, 40, 60, 80, 100, 80, 60, 40]; _d = [1, 2, 3, 4, 5, 4, 3, 2]",
        "(setattr(w.epochs, 'value', _e[i // 2 % 8]) if i % 2 else "
        "setattr(w.degree, 'value', _d[i // 2 % 8]))", 50, 1000),
}

PROBE = """
import gc, json
gc.collect()
print("MEM", json.dumps(open("/proc/self/smaps_rollup").read()))
"""


def in_python(code: str) -> Memory:
    """Memory of a fresh ``python -c code``, read by the process itself at the end."""
    from procmem import parse_rollup

    out = subprocess.run([sys.executable, "-c", code + "\n" + PROBE], env=ENV, check=True,
                         capture_output=True, text=True, timeout=600).stdout
    line = next(t for t in out.splitlines() if t.startswith("MEM "))
    return parse_rollup(json.loads(line[4:]))


class Kernel:
    """A fresh IPython kernel (jupyter_client) running this tree's gdwidgets."""

    def __init__(self, cwd: str | None = None) -> None:
        self.km, self.kc = start_new_kernel(kernel_name="python3", env=ENV, cwd=cwd,
                                            stderr=subprocess.DEVNULL)
        self.pid = self.km.provisioner.process.pid  # type: ignore[union-attr]

    def run(self, code: str, timeout: float = 900) -> list[str]:
        """Run ``code``; its stdout lines (an error in the kernel raises)."""
        out: list[str] = []

        def keep(msg: dict) -> None:
            if msg["msg_type"] == "stream" and msg["content"]["name"] == "stdout":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))

        self.kc.execute_interactive(code, output_hook=keep, timeout=timeout)
        return "".join(out).splitlines()

    def memory(self) -> Memory:
        self.run("import gc; gc.collect()")
        return memory(self.pid)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def in_kernel(code: str) -> Memory:
    k = Kernel()
    try:
        if code:
            k.run(code)
        return k.memory()
    finally:
        k.close()


def run_lesson(number: str, kernels: int = 1) -> Memory:
    """Run All of lesson ``number``'s code cells, in a copy of the lessons' folder.
    ``kernels`` > 1: as many students at once (they share the libraries' pages); the
    median of their kernels."""
    path = next(LESSONS.glob(f"{number}_*.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(LESSONS, tmp, dirs_exist_ok=True)
        ks: list[Kernel] = []
        try:
            ks += [Kernel(cwd=tmp) for _ in range(kernels)]
            for cell in nbformat.read(path, as_version=4).cells:
                if cell.cell_type == "code" and cell.source.strip():
                    for k in ks:
                        k.run(cell.source)
            return median([k.memory() for k in ks])
        finally:
            for k in ks:
                k.close()


def growth(setup: str, change: str, warm: int, more: int) -> tuple[Memory, Memory]:
    """The kernel's memory after ``warm`` changes and after ``warm + more``."""
    k = Kernel()
    try:
        k.run(setup)
        k.run(f"def _change(i):\n    {change}\n"
              "def _changes(a, b):\n    for i in range(a, b):\n        _change(i)")
        k.run(f"_changes(0, {warm})")
        first = k.memory()
        k.run(f"_changes({warm}, {warm + more})")
        return first, k.memory()
    finally:
        k.close()


# server extensions a student's server does not need (the grader's and the editor's)
LEAN = {"ServerApp": {"jpserver_extensions": {
    **{f"nbgrader.server_extensions.{n}": False
       for n in ("formgrader", "validate_assignment", "assignment_list", "course_list")},
    "jupyter_lsp": False, "jupyter_server_terminals": False, "notebook": False}}}


def lab_server(lean: bool = False) -> Memory:
    """Memory of ``jupyter lab`` (one single-user server) after serving /lab once;
    ``lean``: without the server extensions of :data:`LEAN`."""
    with tempfile.TemporaryDirectory() as tmp:
        port = 18000 + os.getpid() % 1000
        env = {**ENV, "JUPYTER_RUNTIME_DIR": tmp, "JUPYTER_CONFIG_DIR": tmp + "/config"}
        if lean:
            os.makedirs(tmp + "/config")
            Path(tmp, "config", "jupyter_server_config.json").write_text(json.dumps(LEAN))
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
               "--IdentityProvider.token=", "--allow-root",
               f"--ServerApp.root_dir={tmp}"]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/lab"
            for _ in range(120):
                try:
                    urllib.request.urlopen(url, timeout=10).read()
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                raise RuntimeError("jupyter lab did not answer")
            time.sleep(1.0)
            return memory(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def median(runs: list[Memory]) -> Memory:
    return Memory(*(statistics.median(getattr(m, f) for m in runs)
                    for f in ("rss", "pss", "uss", "anonymous")))


def rows() -> dict[str, Callable[[], Memory | tuple[Memory, Memory]]]:
    """Every row: its name and how to measure it once."""
    out: dict[str, Callable[[], Memory | tuple[Memory, Memory]]] = {}
    out.update({name: (lambda c=code: in_python(c)) for name, code in PYTHON.items()})
    out.update({name: (lambda c=code: in_kernel(c)) for name, code in KERNEL.items()})
    out.update({name: (lambda n=n: run_lesson(n)) for name, n in LESSON_ROWS.items()})
    out[SHARED] = lambda: run_lesson("02", 3)
    out["jupyter lab server: after GET /lab"] = lab_server
    out["jupyter lab server, lean: no nbgrader, lsp, terminals"] = lambda: lab_server(True)
    out.update({name: (lambda g=g: growth(*g)) for name, g in GROWTH.items()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None,
                        help="rows whose name contains one of these words")
    parser.add_argument("--runs", type=int, default=1, help="median of this many runs")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    wanted = {n: f for n, f in rows().items()
              if not args.only or any(w in n for w in args.only)}
    print(f"{'row':58}  {'RSS':>6}  {'PSS':>6}  {'USS':>6}  {'anon':>6}  (MB, median of "
          f"{args.runs})", flush=True)
    results: dict[str, dict] = {}
    for name, measure in wanted.items():
        runs = [measure() for _ in range(args.runs)]
        if isinstance(runs[0], tuple):
            before, after = median([r[0] for r in runs]), median([r[1] for r in runs])
            d = [a.uss - b.uss for b, a in runs]
            anon = [a.anonymous - b.anonymous for b, a in runs]
            results[name] = {"before": vars(before), "after": vars(after),
                             "uss_growth": statistics.median(d), "uss_growth_runs": d,
                             "anonymous_growth": statistics.median(anon)}
            print(f"{name:58}  USS {before.uss:6.1f} -> {after.uss:6.1f}: "
                  f"{statistics.median(d):+5.1f} MB (runs "
                  f"{', '.join(f'{x:+.1f}' for x in d)}); anonymous "
                  f"{statistics.median(anon):+5.1f} MB", flush=True)
        else:
            m = median(runs)  # type: ignore[arg-type]
            results[name] = vars(m)
            print(f"{name:58}  {m.rss:6.1f}  {m.pss:6.1f}  {m.uss:6.1f}  {m.anonymous:6.1f}",
                  flush=True)
    summarize(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


def summarize(results: dict[str, dict]) -> None:
    """Each kernel row as a multiple of the torch floor; one student's total."""
    floor = results.get(FLOOR, {}).get("pss")
    if not floor:
        return
    print(f"\ntorch floor: a kernel after `import torch` = {floor:.0f} MB PSS")
    for name, r in results.items():
        if "pss" in r and (name.startswith("lesson") or name.startswith("kernel: ")) \
                and name != FLOOR:
            print(f"{name} PSS = torch floor x {r['pss'] / floor:.2f} "
                  f"({r['pss'] - floor:+.0f} MB)")
    server = results.get("jupyter lab server: after GET /lab", {}).get("pss")
    lean = results.get("jupyter lab server, lean: no nbgrader, lsp, terminals", {}).get("pss")
    alone = [r["pss"] for n, r in results.items() if n in LESSON_ROWS]
    for label, kernel in (("alone", max(alone, default=0)),
                          ("3 at once", results.get(SHARED, {}).get("pss", 0))):
        for which, s in (("Lab server", server), ("lean Lab server", lean)):
            if kernel and s:
                print(f"one student, largest lesson kernel {label} + {which} = {kernel:.0f} "
                      f"+ {s:.0f} = {kernel + s:.0f} MB PSS (target 300)")


if __name__ == "__main__":
    main()
