"""Fingerprints of every picture the lessons' widgets show, to prove a refactor changed
none of them (issue #28).

Each lesson of example_notebooks/ runs in English and in Chinese (``set_language("en")``
replaced as tests/test_notebooks.py does), its code cells in order in one fresh namespace,
in its own Python process (matplotlib backend Agg; at most two at once). Its widgets are
the variables of its cells' ``gdwidgets.opens`` metadata, in that order: the page order
tests/e2e/test_states_e2e.py indexes them by. Each widget is fingerprinted as it opens
(state ``open``), then in every state of tests/e2e/states.toml as ``GDW_STATES=all`` runs
them (every end, option, press and sequence), set on the widget object as that test sets
it in the kernel, the lesson's settings restored after each state.

A fingerprint is the sha256 of ``w.graph_svg`` (``None`` if the widget has none), of
``w.figure`` saved as PNG without metadata, and of ``w.static_html()`` (the saved-notebook
copy). A state whose code raised (as the kernel would print "ERROR ...") also records the
exception as ``error``.

    python tools/pictures.py --out FILE          # write {"lesson/lang/wI/state": {...}}
    python tools/pictures.py --compare FILE      # what differs from FILE; exit 1 if any
    python tools/pictures.py --lesson 05 ...     # only lessons whose name starts so

``--root`` is the checkout to fingerprint (default: the current directory if it holds
example_notebooks/, else this file's checkout), so a copy of this tool can be run on
another tree; run it with that tree's Python.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tomllib

HERE = Path(__file__).resolve().parent.parent
LANGS = ("en", "zh")
OPEN = "open"
# PNG chunks that could carry a date, a version or any other text
TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"tIME"}

Fingerprints = dict[str, dict[str, Any]]


# ----- in the worker process: one lesson in one language -----------------------------------
def _sha(data: str | bytes | None) -> str | None:
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _png_chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG file, in order."""
    types, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at:at + 4])
        types.append(png[at + 4:at + 8])
        at += 12 + length
    return types


def figure_png(figure: Any) -> bytes:
    """``figure`` as PNG with no text chunk (matplotlib writes only "Software"; removed)."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", metadata={"Software": None})
    png = buf.getvalue()
    left = TEXT_CHUNKS & set(_png_chunks(png))
    if left:
        raise RuntimeError(f"PNG still carries {sorted(left)}")
    return png


def fingerprint(w: Any) -> dict[str, Any]:
    """sha256 of the widget's graph SVG, figure PNG and static HTML."""
    figure = getattr(w, "figure", None)
    return {"svg": _sha(getattr(w, "graph_svg", None)),
            "png": _sha(figure_png(figure)) if figure is not None else None,
            "html": _sha(w.static_html())}


def _controls(w: Any) -> dict[str, Any]:
    """test_states_e2e.py's ``_gdw_controls``: the widget's value controls."""
    import ipywidgets as W

    skip = (W.HTML, W.Image, W.Label, W.ToggleButton)
    return {k: c for k, c in vars(w).items()
            if isinstance(c, W.ValueWidget) and not isinstance(c, skip)}


def _end(c: Any, end: str | int) -> None:
    """test_states_e2e.py's ``_gdw_end``: a control to one end, toggled, or option ``end``."""
    import ipywidgets as W

    if end == "toggle":
        c.value = not c.value
    elif isinstance(end, int):
        c.index = end
    elif isinstance(c, W.FloatLogSlider):
        c.value = c.base ** getattr(c, end)
    else:
        c.value = getattr(c, end)


def _restore(w: Any, saved: dict[str, Any]) -> None:
    """test_states_e2e.py's ``_gdw_restore``: the lesson's settings back, then start again."""
    controls = _controls(w)
    for k, v in saved.items():
        if controls[k].value != v:
            controls[k].value = v
    if hasattr(w, "start_again") and callable(w.start_again):
        w.start_again()


def _expand(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """test_states_e2e.py's ``expand`` with ``GDW_STATES=all``."""
    states = []
    for name in spec.get("ends", []):
        states += [(f"{name} min", f"_gdw_end(w.{name}, 'min')"),
                   (f"{name} max", f"_gdw_end(w.{name}, 'max')")]
    for name in spec.get("options", []):
        states.append((f"{name} options", f"len(w.{name}.options)"))
    for name in spec.get("press", []):
        states += [(f"{name} x1", f"w.{name}.click()"),
                   (f"{name} x5", f"for _ in range(5): w.{name}.click()")]
    for seq in spec.get("sequence", []):
        states.append((seq["name"], "\n".join(seq["do"])))
    return states


def _concrete(w: Any, name: str, code: str) -> list[tuple[str, str]]:
    """test_states_e2e.py's ``_concrete``: a checkbox's ends become one toggle, an options
    entry one state per option."""
    control = name.rsplit(" ", 1)[0]
    kind = ""
    if name.endswith((" min", " max", " options")):
        with contextlib.suppress(Exception):  # the kernel would print a traceback
            kind = type(getattr(w, control)).__name__
    if kind == "Checkbox":
        return [(f"{control} toggled", f"_gdw_end(w.{control}, 'toggle')")] \
            if name.endswith(" min") else []
    if name.endswith(" options"):
        labels = [str(o[0] if isinstance(o, tuple) else o) for o in getattr(w, control).options]
        return [(f"{control} = {label}", f"_gdw_end(w.{control}, {i})")
                for i, label in enumerate(labels)]
    return [(name, code)]


def run_lesson(root: Path, lesson: str, lang: str) -> Fingerprints:
    """Every fingerprint of one lesson in one language (run in a fresh process)."""
    import nbformat

    from gdwidgets.widgets.base import LessonWidget

    path = root / "example_notebooks" / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    ns: dict[str, Any] = {"__name__": "__main__"}
    order: list[str] = []
    os.chdir(path.parent)  # as the kernel: the lesson's folder
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        order += cell.metadata.get("gdwidgets", {}).get("opens", {})
        source = cell.source.replace('set_language("en")', f'set_language("{lang}")')
        exec(compile(source, f"<{lesson} cell>", "exec"), ns)
    widgets = [ns[var] for var in order]
    bad = [v for v, w in zip(order, widgets) if not isinstance(w, LessonWidget)]
    if bad:
        raise RuntimeError(f"{lesson}: not lesson widgets: {bad}")
    out: Fingerprints = {}
    for i, w in enumerate(widgets):
        out[f"{lesson}/{lang}/w{i}/{OPEN}"] = fingerprint(w)
    specs = [s for s in tomllib.loads((root / "tests/e2e/states.toml").read_text())["widget"]
             if s["lesson"] == path.name]
    for spec in specs:
        i = spec["index"]
        w = widgets[i]
        saved = {k: c.value for k, c in _controls(w).items()}
        for raw_name, raw_code in _expand(spec):
            for name, code in _concrete(w, raw_name, raw_code):
                key = f"{lesson}/{lang}/w{i}/{name}"
                if key in out:
                    raise RuntimeError(f"two states named {key!r}")
                error = None
                try:
                    exec(code, {**ns, "w": w, "_gdw_end": _end})
                except Exception as e:  # the kernel prints "ERROR ..." and goes on
                    error = f"{type(e).__name__}: {e}"
                out[key] = fingerprint(w)
                if error:
                    out[key]["error"] = error
                _restore(w, saved)
    return out


def worker(root: Path, lesson: str, lang: str) -> None:
    """Print one lesson's fingerprints as JSON on the last line of stdout."""
    sys.path.insert(0, str(root))
    real = sys.stdout
    with contextlib.redirect_stdout(io.StringIO()):  # the lessons' own prints
        found = run_lesson(root, lesson, lang)
    real.write(json.dumps(found) + "\n")


# ----- the driver ---------------------------------------------------------------------------
def lessons(root: Path, only: list[str]) -> list[str]:
    stems = sorted(p.stem for p in (root / "example_notebooks").glob("*.ipynb"))
    return [s for s in stems if not only or any(s.startswith(o) for o in only)]


def compute(root: Path, only: list[str], jobs: int = 2) -> Fingerprints:
    """Every lesson × language in its own process, ``jobs`` at a time."""
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}

    def one(task: tuple[str, str]) -> Fingerprints:
        lesson, lang = task
        started = time.monotonic()
        done = subprocess.run([sys.executable, __file__, "--worker", lesson, lang,
                               "--root", str(root)], env=env, capture_output=True, text=True)
        if done.returncode != 0 or not done.stdout.strip():
            raise RuntimeError(f"{lesson} {lang} failed:\n{done.stderr[-3000:]}")
        if done.stderr.strip():
            print(f"{lesson} {lang} stderr:\n{done.stderr[-2000:]}", file=sys.stderr)
        found: Fingerprints = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"  {lesson} {lang}: {len(found)} entries, {time.monotonic() - started:.0f} s",
              file=sys.stderr)
        return found

    tasks = [(lesson, lang) for lesson in lessons(root, only) for lang in LANGS]
    out: Fingerprints = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for found in pool.map(one, tasks):
            out.update(found)
    return out


def compare(before: Fingerprints, after: Fingerprints) -> list[str]:
    """Lines naming each entry that differs (and which pictures), missing and extra."""
    lines = []
    for key in sorted(before.keys() & after.keys()):
        fields = sorted(f for f in before[key].keys() | after[key].keys()
                        if before[key].get(f) != after[key].get(f))
        if fields:
            lines.append(f"differs  {key}: {', '.join(fields)}")
    lines += [f"missing  {key}" for key in sorted(before.keys() - after.keys())]
    lines += [f"extra    {key}" for key in sorted(after.keys() - before.keys())]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="write the fingerprints to this JSON file")
    parser.add_argument("--compare", type=Path, help="compare with this JSON file")
    parser.add_argument("--root", type=Path, help="the checkout to fingerprint")
    parser.add_argument("--lesson", action="append", default=[],
                        help="only lessons whose file name starts so (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="lessons at once (default 2)")
    parser.add_argument("--worker", nargs=2, metavar=("LESSON", "LANG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = (args.root or (Path.cwd() if (Path.cwd() / "example_notebooks").is_dir()
                          else HERE)).resolve()
    if args.worker:
        worker(root, *args.worker)
        return 0
    if not args.out and not args.compare:
        parser.error("give --out FILE and/or --compare FILE")
    started = time.monotonic()
    found = compute(root, args.lesson, args.jobs)
    print(f"{len(found)} entries from {root} in {time.monotonic() - started:.0f} s",
          file=sys.stderr)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True, ensure_ascii=False)
                            + "\n")
    if not args.compare:
        return 0
    before: Fingerprints = json.loads(args.compare.read_text())
    if args.lesson:  # only the lessons run
        before = {k: v for k, v in before.items() if any(k.startswith(o) for o in args.lesson)}
    lines = compare(before, found)
    print("\n".join(lines) if lines else f"all {len(found)} entries identical")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())
