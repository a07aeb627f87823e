"""What a class sees on a projector, measured in the page: JupyterLab at 1280×800 with
the left sidebar closed. Shared by the projector tests and ``benchmarks/`` scripts.

- :func:`stale_font_cache`: an ``MPLCONFIGDIR`` whose font list was built before the CJK
  fonts were installed (their entries deleted), as on a machine that ran matplotlib first.
- :func:`measure`: for each widget of the open notebook, its height, what overflows or is
  clipped, graph nodes outside their box, text under 11 px, and (asked from the kernel)
  the on-screen width of every plot panel and the smallest plot text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from harness import KERNEL_PRINT

PROJECTOR = {"width": 1280, "height": 800}
MIN_TEXT_PX = 11.0
MIN_PANEL_PX = 260.0


def stale_font_cache(folder: Path) -> Path:
    """Build matplotlib's font cache in ``folder``, then delete its CJK fonts from it.
    Returns ``folder`` (use it as ``MPLCONFIGDIR``)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MPLCONFIGDIR": str(folder)}
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env,
                   check=True, capture_output=True)
    for cache in folder.glob("fontlist-*.json"):
        data = json.loads(cache.read_text())
        data["ttflist"] = [f for f in data["ttflist"] if "CJK" not in f["fname"]
                           and "CJK" not in f["name"]]
        cache.write_text(json.dumps(data))
    return folder


def set_sidebar(page: Any, open_: bool) -> None:
    """Open (the file browser) or close Lab's left sidebar; close the right one."""
    if open_:
        page.evaluate("window.jupyterapp.commands.execute('filebrowser:activate')")
    else:
        page.evaluate("window.jupyterapp.shell.collapseLeft()")
    page.evaluate("window.jupyterapp.shell.collapseRight()")
    page.wait_for_timeout(600)  # the panels animate


# In the page: the geometry of every gdwidgets widget (class gdw-widget) of the notebook.
GEOMETRY = """() => {
  const nb = window.jupyterapp.shell.currentWidget.node;
  const scroller = nb.querySelector('.jp-WindowedPanel-outer') || nb;
  const view = scroller.getBoundingClientRect();
  const out = {visible_height: scroller.clientHeight, widgets: []};
  const describe = el => {
    let s = el.tagName.toLowerCase();
    if (typeof el.className === 'string' && el.className)
      s += '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.');
    const text = (el.textContent || '').trim().slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  let roots = nb.querySelectorAll('.gdw-widget');
  if (!roots.length) roots = nb.querySelectorAll('.jp-OutputArea-output > .widget-vbox');
  for (const root of roots) {
    const r = root.getBoundingClientRect();
    const w = {id: [...root.classList].find(c => c.startsWith('gdw-id-')),
               height: r.height, width: r.width, right_of_view: r.right - view.right,
               overflow: [], scroll_boxes: [], small_text: [], nodes_outside: 0,
               nodes: 0, images: [], graph_text_px: null};
    for (const el of root.querySelectorAll('*')) {
      if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
      const b = el.getBoundingClientRect();
      if (b.width === 0 && b.height === 0) continue;  // not shown
      const st = getComputedStyle(el);
      if (st.visibility === 'hidden') continue;
      if (b.left < r.left - 1 || b.right > r.right + 1)
        w.overflow.push(describe(el) + ` [${Math.round(b.left - r.left)}, ` +
                        `${Math.round(b.right - r.right)}]`);
      const clips = ['hidden', 'auto', 'scroll', 'clip'];
      if ((clips.includes(st.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
          (clips.includes(st.overflowY) && el.scrollHeight > el.clientHeight + 1))
        w.scroll_boxes.push(describe(el) + ` ${el.scrollWidth}x${el.scrollHeight} in ` +
                            `${el.clientWidth}x${el.clientHeight}`);
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (own && parseFloat(st.fontSize) < 11 - 0.05)
        w.small_text.push(describe(el) + ' ' + st.fontSize);
    }
    for (const svg of root.querySelectorAll('svg')) {
      const sb = svg.getBoundingClientRect();
      if (sb.width === 0) continue;
      const ctm = svg.getScreenCTM();
      for (const t of svg.querySelectorAll('text')) {
        const px = parseFloat(t.getAttribute('font-size') || '14') * (ctm ? ctm.a : 1);
        if (w.graph_text_px === null || px < w.graph_text_px) w.graph_text_px = px;
      }
      for (const g of svg.querySelectorAll('g.node')) {
        w.nodes++;
        const b = g.getBoundingClientRect();
        if (b.left < sb.left - 1 || b.right > sb.right + 1 || b.top < sb.top - 1 ||
            b.bottom > sb.bottom + 1 || b.left < r.left - 1 || b.right > r.right + 1)
          w.nodes_outside++;
      }
    }
    for (const img of root.querySelectorAll('img')) {
      const b = img.getBoundingClientRect();
      if (b.width === 0) continue;
      w.images.push({shown: b.width, natural: img.naturalWidth});
    }
    out.widgets.push(w);
  }
  return out;
}"""

# In the kernel: every live gdwidgets widget's figure, in the figure's own pixels.
FIGURES = """
import json as _json, matplotlib.text as _T
from ipywidgets.widgets.widget import _instances as _all
from gdwidgets.widgets.base import LessonWidget as _LW
_out = {'order': []}
for _w in list(_all.values()):
    if isinstance(_w, _LW) and getattr(_w, 'figure', None) is not None:
        _f = _w.figure
        _sizes = [t.get_fontsize() for t in _f.findobj(_T.Text)
                  if t.get_visible() and t.get_text().strip()]
        _out['order'].append('gdw-id-' + _w.model_id)
        _out['gdw-id-' + _w.model_id] = {
            'natural': _f.bbox.width,
            'panels': [a.get_position().width * _f.bbox.width for a in _f.axes
                       if a.get_visible()],
            'min_text_px': min(_sizes) * _f.dpi / 72 if _sizes else None}
print(_json.dumps(_out))
"""


def measure(page: Any) -> dict[str, Any]:
    """The page's and the kernel's view of every widget (see the module doc)."""
    geometry = page.evaluate(GEOMETRY)
    printed = page.evaluate(KERNEL_PRINT, FIGURES).strip()
    try:
        figures = json.loads(printed.splitlines()[-1])
    except (ValueError, IndexError) as e:
        raise AssertionError(f"the kernel printed {printed!r}") from e
    for i, w in enumerate(geometry["widgets"]):
        if w["id"] is None and i < len(figures["order"]):  # widgets without our classes
            w["id"] = figures["order"][i]
        fig = figures.get(w["id"])
        w["panels_px"] = w["plot_text_px"] = None
        if fig and w["images"]:
            scale = w["images"][0]["shown"] / fig["natural"]
            w["panels_px"] = [round(p * scale, 1) for p in fig["panels"]]
            if fig["min_text_px"]:
                w["plot_text_px"] = round(fig["min_text_px"] * scale, 2)
    return geometry


def problems(w: dict[str, Any], visible_height: float, sizes: bool = True,
             tall_ok: bool = False) -> list[str]:
    """What is wrong with one measured widget (empty: nothing). ``tall_ok``: a view
    behind a toggle that may be taller than the screen (a deep graph at a readable size)."""
    found = []
    if w["overflow"]:
        found.append(f"elements outside the widget: {w['overflow'][:5]}")
    if w["scroll_boxes"]:
        found.append(f"clipped or scrolling boxes: {w['scroll_boxes'][:5]}")
    if w["right_of_view"] > 1:
        found.append(f"widget runs {w['right_of_view']:.0f} px past the notebook's edge")
    if w["nodes_outside"]:
        found.append(f"{w['nodes_outside']} of {w['nodes']} graph nodes outside their box")
    if not sizes:
        return found
    if w["height"] > visible_height + 1 and not tall_ok:
        found.append(f"{w['height']:.0f} px tall, the screen shows {visible_height} px")
    if w["small_text"]:
        found.append(f"HTML text under 11 px: {w['small_text'][:5]}")
    if w["graph_text_px"] is not None and w["graph_text_px"] < MIN_TEXT_PX - 0.05:
        found.append(f"graph text {w['graph_text_px']:.1f} px")
    if w["panels_px"] and min(w["panels_px"]) < MIN_PANEL_PX:
        found.append(f"plot panels {w['panels_px']} px wide (at least {MIN_PANEL_PX:.0f})")
    if w["plot_text_px"] is not None and w["plot_text_px"] < MIN_TEXT_PX - 0.05:
        found.append(f"plot text {w['plot_text_px']} px")
    return found


def lesson_copies(lessons: Path, root: Path) -> list[str]:
    """Copy the lessons into ``root`` (English) and ``root/zh`` (language cell set to
    Chinese); returns the notebook paths relative to ``root``, English first."""
    (root / "zh").mkdir(parents=True, exist_ok=True)
    names = []
    for lang in ("en", "zh"):
        for nb in sorted(lessons.glob("*.ipynb")):
            text = nb.read_text()
            if lang == "zh":
                text = text.replace('set_language(\\"en\\")', 'set_language(\\"zh\\")')
            rel = nb.name if lang == "en" else f"zh/{nb.name}"
            (root / rel).write_text(text)
            names.append(rel)
    return names


def main() -> None:  # pragma: no cover - a measuring script
    """Print every lesson widget's height, panel widths and problems at 1280×800."""
    import argparse
    import tempfile

    from harness import Lab, chromium, open_and_run, screenshot

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("--lessons", type=Path,
                    default=Path(__file__).parents[2] / "example_notebooks")
    ap.add_argument("--shots", type=Path, default=None, help="save screenshots here")
    ap.add_argument("--only", default="", help="lesson names containing this")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        os.environ["MPLCONFIGDIR"] = str(stale_font_cache(tmp / "mpl"))
        names = [n for n in lesson_copies(args.lessons, tmp / "root") if args.only in n]
        (tmp / "dirs").mkdir()
        lab = Lab(tmp / "root", tmp / "dirs")
        try:
            with chromium() as browser:
                for name in names:
                    page = browser.new_page(viewport=PROJECTOR)
                    open_and_run(page, lab, name, timeout=240)
                    set_sidebar(page, False)
                    m = measure(page)
                    for i, w in enumerate(m["widgets"]):
                        print(f"{name} widget {i}: height {w['height']:.0f} "
                              f"(screen {m['visible_height']}), width {w['width']:.0f}, "
                              f"panels {w['panels_px']}, plot text {w['plot_text_px']}, "
                              f"graph text {w['graph_text_px']}")
                        for p in problems(w, m["visible_height"]):
                            print("    -", p)
                        if args.shots:
                            el = page.locator(".gdw-widget, .jp-OutputArea-output > "
                                              ".widget-vbox").nth(i)
                            stem = name.replace("/", "-").removesuffix(".ipynb")
                            screenshot(el, f"{stem}-w{i}", args.shots)
                    page.close()
                    lab.shutdown_kernels()
        finally:
            lab.stop()


if __name__ == "__main__":
    main()
