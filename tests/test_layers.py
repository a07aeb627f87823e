"""The house rules, checked by reading every module's imports (``ast``): imports point
down (widgets → views → training → autograd), each layer uses only the third-party
packages it is for, and ``import gdwidgets`` loads none of torch, ipywidgets, matplotlib."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "gdwidgets"

# layer -> (gdwidgets layers it may import, third-party packages it may import)
BASE = {"i18n", "strings", "_lazy", "formats", "renames"}
RULES: dict[str, tuple[set[str], set[str]]] = {
    "i18n": (set(), set()),
    "_lazy": (set(), set()),
    "formats": (set(), set()),
    "renames": ({"i18n"}, set()),
    "strings": ({"i18n"}, set()),
    "autograd": (set(), set()),  # pure Python
    "datasets": ({"i18n", "data"}, {"numpy"}),  # the data layer: datasets.py and data.py
    "data": ({"i18n", "datasets"}, {"numpy"}),
    "training": ({"autograd", "datasets", "data", *BASE}, {"torch", "numpy"}),
    "views": ({"autograd", "training", "datasets", "data", *BASE},
              {"numpy", "matplotlib", "PIL", "graphviz", "graphviz_pure",
               "resvg_py"}),  # resvg_py: a graph saved as PNG (views/export.py)
    "widgets": ({"views", "training", "autograd", "datasets", "data", *BASE},
                {"ipywidgets", "IPython", "traitlets", "numpy", "matplotlib"}),
    # the grader sits on top: its sandbox preloads the whole package
    "homework": ({"training", "autograd", "datasets", "data", "views", "__init__", *BASE},
                 {"torch", "numpy", "nbformat", "nbclient", "nbgrader", "IPython",
                  "traitlets"}),
    "__init__": ({"autograd", "views", *BASE}, set()),
    "__main__": ({"homework"}, set()),
}
# views that draw torch's own autograd graphs (torch_graph, torch_autograd, torch_boxes)
# must read torch objects
TORCH_VIEWS = "torch_"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ["gdwidgets", *path.relative_to(PACKAGE).parent.parts]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
                if not node.module:  # from . import x: x may be a module
                    out += [(node.lineno, f"{name}.{a.name}") for a in node.names]
                    continue
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def violations() -> list[str]:
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        if layer not in RULES:
            bad.append(f"{path.relative_to(PACKAGE)}: no rule for layer {layer!r}")
            continue
        own, third = RULES[layer]
        for line, name in _imports(path):
            top, *rest = name.split(".")
            where = f"{path.relative_to(PACKAGE)}:{line} imports {name}"
            if top == "gdwidgets":
                target = rest[0] if rest else "__init__"
                if target != layer and target not in own:
                    bad.append(where)
            elif top in STDLIB:
                continue
            elif top == "torch" and layer == "views" and path.stem.startswith(TORCH_VIEWS):
                continue
            elif top not in third:
                bad.append(where)
    return bad


def test_every_import_points_down_and_uses_its_layers_packages():
    assert violations() == []


@pytest.mark.parametrize("text, expected", [
    ("from ..widgets import base\n", "imports gdwidgets.widgets"),
    ("import matplotlib\n", "imports matplotlib"),
])
def test_the_check_finds_a_wrong_import(tmp_path, monkeypatch, text, expected):
    # a copy of the engine that imports upwards / a plotting library is caught
    fake = tmp_path / "gdwidgets"
    (fake / "autograd").mkdir(parents=True)
    (fake / "autograd" / "bad.py").write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert any(expected in v for v in violations())


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
