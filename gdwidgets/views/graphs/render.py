"""Run a Graphviz layout program: the system ``dot`` if present, else ``graphviz-pure``.

``graphviz-pure`` (a declared dependency) is looked up next to the running Python first,
because a Jupyter kernel's PATH may lack the virtual environment's ``bin``. Output is
cached by (program, format, source): widgets redraw the same graph often. The cache keeps
the last ``CACHE_SIZE`` outputs zlib-compressed under a digest of their source (memo.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path

from ...i18n import register, tr
from .memo import Memo, pack, unpack

__all__ = [
    "Renderer",
    "RendererNotFound",
    "RenderError",
    "find_renderer",
    "available_renderers",
    "set_renderer",
    "render",
    "render_svg",
    "clear_cache",
]

register(
    {
        "render.not_found": (
            "No Graphviz layout program found to draw the graph. Install one of them:\n"
            "  pip install graphviz-pure        (self-contained, no system packages)\n"
            "  apt-get install graphviz         (or: conda install graphviz, "
            "brew install graphviz)\n"
            "then restart the kernel.",
            "找不到用于绘制计算图的 Graphviz 排版程序。请安装其中之一:\n"
            "  pip install graphviz-pure        (自带全部依赖,无需系统软件包)\n"
            "  apt-get install graphviz         (或: conda install graphviz、"
            "brew install graphviz)\n"
            "然后重启内核。",
        ),
        "render.timeout": (
            "{program} took longer than {seconds:g} s to lay out the graph. "
            "Draw the collapsed view (full=False) or a smaller graph.",
            "{program} 排版计算图超过了 {seconds:g} 秒。"
            "请改用折叠视图(full=False)或更小的计算图。",
        ),
        "render.failed": (
            "{program} failed (exit status {code}): {stderr}",
            "{program} 运行失败(退出码 {code}):{stderr}",
        ),
    }
)

TIMEOUT = 120.0
CACHE_SIZE = 256  # outputs kept, about 4 kB each compressed


class RendererNotFound(RuntimeError):
    """Neither the system ``dot`` nor ``graphviz-pure`` could be run."""


class RenderError(RuntimeError):
    """The layout program ran but failed or timed out."""


@dataclass(frozen=True, slots=True)
class Renderer:
    """A layout program: ``name`` is ``'dot'`` or ``'graphviz-pure'``, ``path`` its file."""

    name: str
    path: str


_lock = threading.Lock()  # guards the discovery memo
_found: list[Renderer | None] = []  # memo of find_renderer(): [] until first asked
_forced: Renderer | None = None


def _works(path: str) -> bool:
    try:
        r = subprocess.run([path, "-V"], capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0


def _pure_candidates() -> list[str]:
    exe = "graphviz-pure" + (".exe" if sys.platform == "win32" else "")
    out = []
    for scripts in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        if scripts:
            p = Path(scripts) / exe
            if p.is_file():
                out.append(str(p))
    which = shutil.which("graphviz-pure")
    if which:
        out.append(which)
    return out


def available_renderers() -> list[Renderer]:
    """Every layout program that runs here: system ``dot`` first, then ``graphviz-pure``."""
    found = []
    dot = shutil.which("dot")
    if dot and _works(dot):
        found.append(Renderer("dot", dot))
    for path in dict.fromkeys(_pure_candidates()):
        if _works(path):
            found.append(Renderer("graphviz-pure", path))
            break
    return found


def find_renderer() -> Renderer:
    """The program used for drawing (memoised); raises :class:`RendererNotFound`."""
    if _forced is not None:
        return _forced
    with _lock:
        if not _found:
            env = os.environ.get("GDWIDGETS_RENDERER", "")
            options = available_renderers()
            pick = next((r for r in options if r.name == env), None)
            _found.append(pick or (options[0] if options else None))
        found = _found[0]
    if found is None:
        _found.clear()  # look again next time: the user may install one meanwhile
        raise RendererNotFound(tr("render.not_found"))
    return found


def set_renderer(renderer: Renderer | str | None) -> Renderer | None:
    """Force a renderer (a :class:`Renderer`, ``'dot'`` or ``'graphviz-pure'``); ``None``
    goes back to automatic discovery. Returns the renderer now forced."""
    global _forced
    if isinstance(renderer, str):
        match = [r for r in available_renderers() if r.name == renderer]
        if not match:
            raise RendererNotFound(tr("render.not_found"))
        renderer = match[0]
    _forced = renderer
    _found.clear()
    return renderer


def clear_cache() -> None:
    """Forget every rendered picture (benchmarks call this to time the layout)."""
    _outputs.clear()


def render(
    source: str,
    fmt: str = "svg",
    *,
    renderer: Renderer | None = None,
    args: tuple[str, ...] = (),
    timeout: float = TIMEOUT,
) -> bytes:
    """Lay out DOT ``source`` and return the output bytes in format ``fmt``."""
    r = renderer or find_renderer()
    key = repr((r, tuple(args), fmt, timeout)) + "\n" + source
    packed = _outputs.get(key)
    if packed is None:  # failures raise, so they are not cached
        packed = _outputs.put(key, pack(_run(r, tuple(args), fmt, source, timeout)))
    return unpack(packed)


_outputs: Memo[bytes] = Memo(CACHE_SIZE)


def _run(r: Renderer, args: tuple[str, ...], fmt: str, source: str, timeout: float) -> bytes:
    cmd = [r.path, f"-T{fmt}", *args]
    try:
        proc = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(tr("render.timeout", program=r.name, seconds=timeout)) from None
    except OSError as exc:  # vanished since discovery
        _found.clear()
        raise RendererNotFound(tr("render.not_found")) from exc
    if proc.returncode != 0 or not proc.stdout:
        err = proc.stderr.decode("utf-8", "replace").strip()[-2000:]
        raise RenderError(tr("render.failed", program=r.name, code=proc.returncode, stderr=err))
    return proc.stdout


def render_svg(source: str, **kwargs: object) -> str:
    """Lay out DOT ``source`` and return the SVG text."""
    return render(source, "svg", **kwargs).decode("utf-8")  # type: ignore[arg-type]
