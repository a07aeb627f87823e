"""The house rules, checked by reading every module's imports (``ast``): imports point
down (widgets → views → training → autograd), each layer uses only the third-party
packages it is for, the rooms inside views/ and homework/ import each other one way only,
no two modules import each other (no import cycle), and ``import gdwidgets`` loads none of
torch, ipywidgets, matplotlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "gdwidgets"

# layer -> (gdwidgets layers it may import, third-party packages it may import)
BASE = {"i18n", "strings", "_lazy", "formats", "renames", "settings", "registry", "losses"}
RULES: dict[str, tuple[set[str], set[str]]] = {
    "i18n": (set(), set()),
    "_lazy": (set(), set()),
    "formats": (set(), set()),
    "renames": ({"i18n"}, set()),
    "strings": ({"i18n"}, set()),
    "registry": ({"i18n"}, set()),  # name -> entry tables and their refusal
    "losses": ({"registry"}, set()),  # the loss, defined once (torch-free: it uses the
    # tensors it is given), for training/, views/ and the settings alike
    "settings": ({"i18n", "registry", "losses"}, set()),  # every setting, for training/
    # and widgets/ alike
    "autograd": (set(), set()),  # pure Python
    "datasets": ({"i18n", "data"}, {"numpy"}),  # the data layer: datasets.py and data.py
    "data": ({"i18n", "datasets"}, {"numpy"}),
    "training": ({"autograd", "datasets", "data", *BASE}, {"torch", "numpy"}),
    "views": ({"autograd", "training", "datasets", "data", *BASE},
              {"numpy", "matplotlib", "PIL", "graphviz", "graphviz_pure",
               "resvg_py"}),  # resvg_py: a graph saved as PNG (views/graphs/export.py)
    "widgets": ({"views", "training", "autograd", "datasets", "data", *BASE},
                {"ipywidgets", "IPython", "traitlets", "numpy", "matplotlib"}),
    # the grader sits on top: its sandbox preloads the whole package
    "homework": ({"training", "autograd", "datasets", "data", "views", "__init__", *BASE},
                 {"torch", "numpy", "nbformat", "nbclient", "nbgrader", "IPython",
                  "traitlets"}),
    "__init__": ({"autograd", "views", *BASE}, set()),
    "course": (set(), {"gdwidgets_teacher"}),  # the lessons and handouts the package
    # carries, and the teacher-only distribution's course directory
    "cli": ({"course", "__init__"}, set()),  # the gdwidgets command: copies of the course
    "__main__": ({"cli"}, set()),
}
# Rooms inside a layer (its sub-packages; "__init__" / "__main__" are the layer's own files):
# room -> the other rooms of the same layer it may import ("room.module": that module only).
ROOMS: dict[str, dict[str, set[str]]] = {
    "views": {
        "style": set(),                     # colours, HTML theme, fonts: shared by all
        "tables": {"style"},                # HTML tables
        "graphs": {"style"},                # the Scalar engine's graph -> DOT -> SVG
        "figures": {"style", "tables"},     # matplotlib (the chain rule's tables beside it)
        "torch_graphs": {"graphs", "style"},  # torch's graphs, drawn with graphs/' DOT
        "__init__": set(),
    },
    # checks/ (what students call) never reaches into the grader; grading/ may import
    # checks/feedback.py only: the sandbox loads it (Feedback for the checkers' stubs,
    # by_hand_mode for a student's function) while every other checker stays hidden
    "homework": {
        "checks": set(),
        "grading": {"checks.feedback"},
        "__init__": set(),  # names the checkers as strings, loaded on first use
        "__main__": {"grading"},
    },
}
# (file, module) pairs allowed across rooms against the rules above, each with its reason
ROOM_EXCEPTIONS = {
    # feedback.call_student gives a student's function that runs in the grader's sandbox
    # (remote.StudentFunction) its helpers; imported inside the function, where both are
    # loaded (the sandbox preloads remote.py and feedback.py)
    ("homework/checks/feedback.py", "gdwidgets.homework.grading.remote"),
}
# the only views that read torch objects (torch's own autograd graphs)
TORCH_VIEWS = "torch_graphs"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _room(path: Path) -> str:
    """The room of a file inside a layer: its sub-package, or the layer file's own stem."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[1] if len(rel.parts) > 2 else rel.stem


def _imports(path: Path, *, deferred: bool = True, typing: bool = True,
             names: bool = False) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved.
    ``deferred=False`` leaves out the imports inside a function (they run when it is
    called, not when the module loads); ``typing=False`` those under ``if TYPE_CHECKING:``
    (they never run); ``names=True`` adds ``module.name`` for each name of ``from module
    import name`` (the name may be a module: ``from ..graphs import dot``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["gdwidgets", *path.relative_to(PACKAGE).parent.parts]
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if not deferred and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not typing and isinstance(child, ast.If) and \
                    "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.Import):
                out.extend((child.lineno, a.name) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package[: len(package) - child.level + 1]
                    name = ".".join([*base, child.module] if child.module else base)
                    if not child.module:  # from . import x: x may be a module
                        out.extend((child.lineno, f"{name}.{a.name}") for a in child.names)
                        continue
                else:
                    name = child.module or ""
                out.append((child.lineno, name))
                if names:
                    out.extend((child.lineno, f"{name}.{a.name}") for a in child.names)
            visit(child)

    visit(tree)
    return out


def _room_violation(path: Path, layer: str, rest: list[str]) -> bool:
    """Whether ``gdwidgets.<layer>.<rest>`` is a room this file may not import."""
    room = _room(path)
    if layer not in ROOMS or not rest:
        return False
    target = rest[0]
    if target == room:
        return False
    allowed = ROOMS[layer].get(room, set())
    return target not in allowed and ".".join(rest[:2]) not in allowed


def violations() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        rel = path.relative_to(PACKAGE)
        if layer not in RULES:
            bad.append(f"{rel}: no rule for layer {layer!r}")
            continue
        if layer in ROOMS and _room(path) not in ROOMS[layer]:
            bad.append(f"{rel}: no rule for room {_room(path)!r} of {layer}/")
            continue
        own, third = RULES[layer]
        for line, name in _imports(path):
            top, *rest = name.split(".")
            where = f"{rel}:{line} imports {name}"
            if top == "gdwidgets":
                target = rest[0] if rest else "__init__"
                if target != layer and target not in own:
                    bad.append(where)
                elif target == layer and _room_violation(path, layer, rest[1:]) and \
                        (rel.as_posix(), name) not in ROOM_EXCEPTIONS:
                    bad.append(where)
            elif top in STDLIB:
                continue
            elif top == "torch" and layer == "views" and _room(path) == TORCH_VIEWS:
                continue
            elif top not in third:
                bad.append(where)
    return bad


def _module_name(path: Path) -> str:
    parts = ["gdwidgets", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(*, deferred: bool) -> dict[str, set[str]]:
    """module -> the package's modules it imports (an imported name resolves to the longest
    module it names: ``from ..graphs import dot`` to graphs/dot.py, ``from .dot import fmt``
    to dot.py). Parent packages are not edges: that ``gdwidgets.views.graphs
    .graph`` runs ``gdwidgets/__init__.py`` first is how packages load, not a cycle (the
    package's ``__init__`` imports a module that every submodule sits under). Imports under
    ``if TYPE_CHECKING:`` never run and are left out."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for _, name in _imports(path, deferred=deferred, typing=False, names=True):
            parts = name.split(".")
            for k in range(len(parts), 0, -1):
                target = ".".join(parts[:k])
                if target in modules:
                    if target != module:
                        graph[module].add(target)
                    break
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


# Pairs of modules that import each other only inside a function (the import runs when the
# function is called, after both modules have loaded, so neither meets the other half
# made). Each is on purpose; a new one fails test_no_other_deferred_import_cycle.
DEFERRED_CYCLES = [
    # data.as_dataset looks a set's name up in datasets, whose sets are Datasets
    ["gdwidgets.data", "gdwidgets.datasets"],
    # see ROOM_EXCEPTIONS: feedback unwraps a sandboxed function; remote reads BY_HAND
    ["gdwidgets.homework.checks.feedback", "gdwidgets.homework.grading.remote"],
]


def test_every_import_points_down_and_uses_its_layers_packages():
    assert violations() == []


@pytest.mark.parametrize("where, text, expected", [
    ("autograd/bad.py", "from ..widgets import base\n", "imports gdwidgets.widgets"),
    ("autograd/bad.py", "import matplotlib\n", "imports matplotlib"),
    # rooms: a graph that reaches into the figures, a table that reads torch, a checker
    # that imports the grader, the grader that imports a checker other than feedback
    ("views/graphs/bad.py", "from ..figures import canvas\n", "imports gdwidgets.views.figures"),
    ("views/tables/bad.py", "import torch\n", "imports torch"),
    ("views/style/bad.py", "from ..graphs.dot import fmt\n", "imports gdwidgets.views.graphs.dot"),
    ("homework/checks/bad.py", "from ..grading import sandbox\n",
     "imports gdwidgets.homework.grading"),
    ("homework/grading/bad.py", "from ..checks.gradients import check_grad_fn\n",
     "imports gdwidgets.homework.checks.gradients"),
    ("views/plots/bad.py", "", "no rule for room 'plots'"),
])
def test_the_check_finds_a_wrong_import(tmp_path, monkeypatch, where, text, expected):
    # a copy of the engine that imports upwards / a plotting library is caught
    fake = tmp_path / "gdwidgets"
    (fake / where).parent.mkdir(parents=True)
    (fake / where).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert any(expected in v for v in violations())


def test_no_import_cycle_between_modules():
    """No two modules import each other, however indirectly, when they load."""
    assert cycles(import_graph(deferred=False)) == []


def test_no_other_deferred_import_cycle():
    """Counting the imports inside functions too, the only cycles are the documented ones."""
    assert cycles(import_graph(deferred=True)) == DEFERRED_CYCLES


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    fake = tmp_path / "gdwidgets"
    (fake / "views" / "graphs").mkdir(parents=True)
    (fake / "views" / "graphs" / "a.py").write_text("from .b import x\n")
    (fake / "views" / "graphs" / "b.py").write_text("from ..graphs import c\n")
    (fake / "views" / "graphs" / "c.py").write_text("from gdwidgets.views.graphs.a import y\n")
    (fake / "views" / "graphs" / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .a import y\n"
        "def f():\n    from .a import y\n")
    (fake / "views" / "graphs" / "e.py").write_text("from .d import f\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert cycles(import_graph(deferred=False)) == [
        ["gdwidgets.views.graphs.a", "gdwidgets.views.graphs.b", "gdwidgets.views.graphs.c"]]


def test_import_gdwidgets_loads_no_heavy_package():
    code = ("import sys, gdwidgets; dir(gdwidgets); "
            "print(sorted(m for m in ('torch', 'ipywidgets', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_dir_lists_the_names_that_load_on_first_use():
    import gdwidgets
    import gdwidgets.widgets

    assert {"Session", "lr_sweep", "RegressionWidget", "BackpropWidget"} <= set(dir(gdwidgets))
    assert set(gdwidgets.widgets.__all__) <= set(dir(gdwidgets.widgets))
    assert gdwidgets.widgets.ChainRuleWidget is gdwidgets.ChainRuleWidget
