"""Key press on a slider or button -> the new picture painted, in a real browser.

JupyterLab (127.0.0.1, the test suite's harness) in headless Chromium. Each case is a
notebook with one widget; after "run all cells", a control is pressed ``--presses`` times
from the keyboard, ``--gap`` ms apart, and each press is timed in the page from just
before the key press until the widget's new picture (an <img> decoded, or an <svg>) has
been painted. The baseline, in the same server and browser, is the tutorials' way:
``ipywidgets.interactive`` around a function that trains with the seeds' beginner loop and
draws a fresh ``plt`` figure (the same code as in ``benchmarks/widgets.py``).

    python benchmarks/browser.py [--presses 15] [--gap 250] [--runs 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

import nbformat
import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "e2e"))
import harness  # noqa: E402
from widgets import NAIVE  # noqa: E402

ENGLISH = "import gdwidgets\ngdwidgets.set_language('en')\n"

# name -> (notebook code, the widget root, label of the control, key, the picture); keys
# "A|B" alternate (the lr sliders move a tenth of their range a press: back and forth)
CASES = {
    "naive: interactive + beginner loop + plt, lr": (
        NAIVE, ".widget-interact", "lr", "ArrowLeft|ArrowRight", "img"),
    "RegressionWidget (defaults), lr": (
        ENGLISH + "gdwidgets.RegressionWidget()", ".widget-vbox", "learning rate",
        "ArrowLeft|ArrowRight", ".widget-image"),
    "RegressionWidget, lr into divergence (from 0.1)": (
        ENGLISH + "gdwidgets.RegressionWidget(lr=0.1)", ".widget-vbox", "learning rate",
        "ArrowRight|ArrowLeft", ".widget-image"),
    "RegressionWidget, step scrubber": (
        ENGLISH + "gdwidgets.RegressionWidget()", ".widget-vbox", "step", "ArrowLeft",
        ".widget-image"),
    "ChainRuleWidget (defaults), lr": (
        ENGLISH + "gdwidgets.ChainRuleWidget()", ".widget-vbox", "learning rate",
        "ArrowLeft|ArrowRight", ".widget-image"),
    "BackpropWidget, backward button": (
        ENGLISH + "w = gdwidgets.BackpropWidget()\nw.forward_button.click()\nw",
        ".widget-vbox", "backward", "Enter", "svg"),
}


def measure(browser, lab: harness.Lab, notebook: str, root: str, label: str, key: str,  # type: ignore[no-untyped-def]
            picture: str, presses: int, gap_ms: float) -> list[float]:
    """ms from each key press to the next new picture on screen."""
    context = browser.new_context(viewport=harness.VIEWPORT)
    page = context.new_page()
    try:
        harness.open_and_run(page, lab, notebook)
        widget = page.locator(root, has=page.locator(picture)).first
        widget.locator(picture).first.wait_for(state="visible")
        control = (harness.button(widget, label) if key == "Enter"
                   else harness.slider_handle(widget, label))
        control.scroll_into_view_if_needed()
        control.focus()
        page.wait_for_timeout(500)
        harness.watch(page, widget, picture)
        times, keys = [], key.split("|")
        for i in range(presses):
            times.append(harness.press(page, control, keys[i % len(keys)]))
            page.wait_for_timeout(gap_ms)
        return times
    finally:
        context.close()
        lab.shutdown_kernels()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=15)
    parser.add_argument("--gap", type=float, default=250, help="ms between presses")
    parser.add_argument("--runs", type=int, default=1, help="repeat every case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, dirs = Path(tmp, "root"), Path(tmp, "dirs")
        root.mkdir()
        dirs.mkdir()
        for i, (code, *_) in enumerate(CASES.values()):
            nb = nbformat.v4.new_notebook(
                cells=[nbformat.v4.new_code_cell(textwrap.dedent(code))],
                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}})
            nbformat.write(nb, root / f"case{i}.ipynb")
        lab = harness.Lab(root, dirs)
        try:
            with harness.chromium() as browser:
                times: dict[str, list[float]] = {name: [] for name in CASES}
                for _ in range(args.runs):
                    for i, (name, (_, *how)) in enumerate(CASES.items()):
                        times[name] += measure(browser, lab, f"case{i}.ipynb", *how,
                                               presses=args.presses, gap_ms=args.gap)
        finally:
            lab.stop()
    naive = statistics.median(times["naive: interactive + beginner loop + plt, lr"])
    print("| key press -> new picture painted (Chromium) | median ms | p95 ms | vs naive |")
    print("|---|---:|---:|---:|")
    for name, ms in times.items():
        med, p95 = statistics.median(ms), float(np.percentile(ms, 95))
        print(f"| {name} | {med:.0f} | {p95:.0f} | {naive / med:.1f}x |")


if __name__ == "__main__":
    main()
