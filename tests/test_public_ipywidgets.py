"""gdwidgets uses ipywidgets' public API only (issue #28): no private name imported from
ipywidgets, none read off its module, and no private attribute of an ipywidgets class
read off a widget (``control._options_values``), so an ipywidgets release can rename its
internals without breaking a lesson."""

from __future__ import annotations

import ast
from pathlib import Path

import ipywidgets as W

import gdwidgets

PACKAGE = Path(gdwidgets.__file__).parent
# IPython's display protocol and traitlets' hooks: public by contract, though underscored
PROTOCOL = {"_repr_mimebundle_", "_ipython_display_", "_repr_html_"}


def _private_ipywidgets_names() -> set[str]:
    """Every single-underscore name of ipywidgets' public widget classes and their
    instances (methods, traits, attributes set when built, e.g. ``_options_values``), less
    the names gdwidgets defines itself (its own methods may share one)."""
    names: set[str] = set()
    for name in dir(W):
        cls = getattr(W, name)
        if isinstance(cls, type) and issubclass(cls, W.Widget):
            for klass in cls.__mro__:
                names.update(vars(klass))
            options = {"options": [1, 2]} if "options" in cls.class_trait_names() else {}
            try:
                widget = cls(**options)
            except Exception:  # noqa: BLE001 - a class that needs other arguments
                continue
            names.update(vars(widget))
            widget.close()
    own = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                own.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                own.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")} - PROTOCOL - own


def _uses(path: Path, private: set[str]) -> list[str]:
    """Where the module at ``path`` uses a private ipywidgets name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = {"ipywidgets"}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name == "ipywidgets"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ipywidgets"):
            found += [f"from {node.module} import {a.name}" for a in node.names
                      if a.name.startswith("_")]
            if any(part.startswith("_") for part in (node.module or "").split(".")):
                found.append(f"from {node.module} import ...")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") or node.attr in PROTOCOL:
            continue
        on_module = isinstance(node.value, ast.Name) and node.value.id in aliases
        if on_module or node.attr in private:
            found.append(f"line {node.lineno}: .{node.attr}")
    return [f"{path.name}: {use}" for use in found]


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text("import ipywidgets as W\n"
                   "from ipywidgets.widgets.widget_int import _BoundedInt\n"
                   "def f(c):\n    return c._options_values, W._Selection\n",
                   encoding="utf-8")
    found = _uses(bad, _private_ipywidgets_names())
    assert len(found) == 3, found


def test_no_private_ipywidgets_names_in_the_package() -> None:
    private = _private_ipywidgets_names()
    assert "_options_values" in private  # the scan knows ipywidgets' internals
    found = [use for path in sorted(PACKAGE.rglob("*.py")) for use in _uses(path, private)]
    assert not found, "private ipywidgets names:\n" + "\n".join(found)


def test_option_values_read_every_form_of_options() -> None:
    from gdwidgets.widgets.controls import has_option, option_values

    assert option_values(W.Dropdown(options=["a", "b"])) == ["a", "b"]
    assert option_values(W.ToggleButtons(options=[("raw", False), ("std", True)])) == [
        False, True]
    assert option_values(W.SelectionSlider(options=[1, 2, 3])) == [1, 2, 3]
    assert has_option(W.Dropdown(options=[("raw", False), ("× 0.1", 0.1)]), 0.1)
    assert not has_option(W.Dropdown(options=[("raw", False), ("std", True)]), 1)


def test_controls_from_the_settings_keep_their_range_and_options() -> None:
    from gdwidgets.settings import here
    from gdwidgets.widgets import matrix_backprop, regression  # noqa: F401 (their labels)
    from gdwidgets.widgets.controls import control_for

    spec = here("regression")
    epochs = control_for(spec["epochs"], 100, "epochs")
    assert (type(epochs), epochs.min, epochs.max, epochs.value) == (W.IntSlider, 1, 2000, 100)
    model = control_for(spec["model"], "mlp", "model", "reg.")
    assert isinstance(model, W.Dropdown) and [v for _, v in model.options] == list(
        spec["model"].allowed) and model.value == "mlp"
    assert isinstance(control_for(spec["zero_grad"], True, "z"), W.Checkbox)
    loss = control_for(here("matrix_backprop")["check_loss"], "seed", "", "matrixw.loss_",
                       buttons=True)
    assert isinstance(loss, W.ToggleButtons) and loss.value == "seed"
