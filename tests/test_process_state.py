"""Two widgets in one process do not meet (issue 28): each keeps its own language through
its redraws without touching the process-wide default, drawing writes no module global
(the data sets' table, the renderer, the layout counters, torch's thread count), and every
module of the package survives ``importlib.reload`` (IPython's ``%autoreload``) with its
strings."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import textwrap
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import gdwidgets
from gdwidgets import (
    BackpropWidget,
    ChainRuleWidget,
    LearningRateWidget,
    MatrixBackpropWidget,
    RegressionWidget,
    datasets,
    i18n,
    set_language,
)
from gdwidgets.i18n import register, tr, using

CJK = re.compile(r"[\u4e00-\u9fff]")

# each kind of widget, built small, and a control change that redraws it
KINDS: list[tuple[str, Callable[[], Any], Callable[[Any, int], None]]] = [
    ("regression", lambda: RegressionWidget(epochs=20, graph=False),
     lambda w, i: setattr(w.epochs, "value", 21 + i)),
    ("learning rate", lambda: LearningRateWidget(epochs=20, sweep_size=8, curves=2),
     lambda w, i: setattr(w.epochs, "value", 21 + i)),
    ("chain rule", lambda: ChainRuleWidget(epochs=2),
     lambda w, i: setattr(w.epochs, "value", 3 + i)),
    ("matrix backprop", lambda: MatrixBackpropWidget(epochs=2),
     lambda w, i: setattr(w.epochs, "value", 3 + i)),
    ("backprop", lambda: BackpropWidget(),
     lambda w, i: w.backward_button.click()),
]
IDS = [k[0] for k in KINDS]


def words(w: Any) -> str:
    """The widget's own texts: banner, tables, summary."""
    names = ("banner", "table", "samples_table", "summary")
    return " ".join(getattr(w, n).value for n in names if hasattr(w, n))


def picture(w: Any) -> str:
    return w.static_html()


def redraws(w: Any, change: Callable[[Any, int], None], i: int) -> None:
    """``change`` redraws ``w``: a new picture and no refusal in the banner."""
    before = picture(w)
    change(w, i)
    assert "Cannot use" not in w.banner.value and "无法使用" not in w.banner.value
    assert picture(w) != before


def build(lang: str, make: Callable[[], Any]) -> Any:
    set_language(lang)
    try:
        return make()
    finally:
        set_language("en")


# ----- a widget's language is the widget's --------------------------------------------
@pytest.mark.parametrize("make,change", [k[1:] for k in KINDS], ids=IDS)
def test_an_english_and_a_chinese_widget_keep_their_language_interleaved(make, change):
    zh, en = build("zh", make), build("en", make)
    for i in range(2):
        for w, lang in ((zh, "zh"), (en, "en")):
            redraws(w, change, i)
            assert bool(CJK.search(words(w))) == (lang == "zh"), (lang, words(w))
            assert i18n.get_language() == "en"  # the default never moved


@pytest.mark.parametrize("make,change", [k[1:] for k in KINDS], ids=IDS)
def test_widgets_redraw_without_setting_the_process_language(make, change, monkeypatch):
    widgets = [build("zh", make), build("en", make)]

    def refuse(lang: str) -> None:
        raise AssertionError(f"set_language({lang!r}) called while drawing")

    monkeypatch.setattr(i18n, "set_language", refuse)
    monkeypatch.setattr(gdwidgets, "set_language", refuse)
    for i in range(2):
        for w in widgets:
            redraws(w, change, i)
    assert CJK.search(words(widgets[0])) and not CJK.search(words(widgets[1]))


def test_using_is_local_to_its_block_and_its_context():
    set_language("zh")
    with using("en"):
        assert tr("reg.lr") == "learning rate"
        with using("zh"):
            assert tr("reg.lr") == "学习率"
        assert tr("reg.lr") == "learning rate"
    assert tr("reg.lr") == "学习率" and i18n.get_language() == "zh"
    with pytest.raises(ValueError, match="language"):
        with using("fr"):
            pass


# ----- no module global written while drawing ------------------------------------------
class _ReadOnlyModule(types.ModuleType):
    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self.__name__}.{name} written while drawing")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__name__}.{name} deleted while drawing")


def _ours() -> list[types.ModuleType]:
    return [m for n, m in list(sys.modules.items())
            if (n == "gdwidgets" or n.startswith("gdwidgets.")) and type(m) is types.ModuleType]


def _bindings(modules: list[types.ModuleType]) -> dict[str, int]:
    return {f"{m.__name__}.{k}": id(v) for m in modules for k, v in vars(m).items()}


@contextmanager
def read_only_globals(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every module of the package refuses attribute writes, and torch's thread count
    cannot be set; on leaving, no global was rebound from inside either (a ``global``
    statement writes the module's dict directly, past ``__setattr__``)."""
    import torch

    def no_threads(n: int) -> None:
        raise AssertionError(f"torch.set_num_threads({n}) called while drawing")

    modules = _ours()
    before = _bindings(modules)
    threads = torch.get_num_threads()
    monkeypatch.setattr(torch, "set_num_threads", no_threads)
    for m in modules:
        m.__class__ = _ReadOnlyModule
    try:
        yield
    finally:
        for m in modules:
            types.ModuleType.__setattr__(m, "__class__", types.ModuleType)
        monkeypatch.undo()
    after = _bindings(modules)
    assert {k for k in before if after.get(k) != before[k]} == set()
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize("make,change", [k[1:] for k in KINDS], ids=IDS)
def test_drawing_writes_no_module_global(make, change, monkeypatch):
    widgets = [build("zh", make), build("en", make)]
    with read_only_globals(monkeypatch):
        for i in range(2):
            for w in widgets:
                redraws(w, change, i)


def test_own_data_stays_with_its_widget():
    x, y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.1, 5.9, 8.2]
    names = list(datasets.DATASETS)
    mine = RegressionWidget(dataset=(x, y), epochs=5, graph=False)
    other = RegressionWidget(epochs=5, graph=False)
    assert list(datasets.DATASETS) == names == datasets.names()
    own = [n for n in mine.dataset.options if n not in names]
    assert own and not set(own) & set(other.dataset.options)
    with pytest.raises(TypeError):
        datasets.DATASETS["mine"] = datasets.get("y2x")  # type: ignore[index]


def test_layout_counters_belong_to_their_block():
    from gdwidgets.views.graphs import relabel

    assert not hasattr(relabel, "stats")
    w = BackpropWidget()
    with relabel.counting() as outer:
        w.backward_button.click()
        with relabel.counting() as inner:
            w.backward_button.click()
    assert sum(inner.values()) == 1 and sum(outer.values()) == 2


# ----- strings: reload-safe, clashes refused -------------------------------------------
def test_a_module_registering_its_keys_again_replaces_them():
    key = "test.process_state.reload"
    register({key: ("before", "之前")}, module="tests.fake_a")
    register({key: ("after", "之后")}, module="tests.fake_a")  # a reload, edited
    assert tr(key) == "after"
    with using("zh"):
        assert tr(key) == "之后"
    with pytest.raises(KeyError, match="duplicate string keys"):
        register({key: ("clash", "冲突")}, module="tests.fake_b")
    assert tr(key) == "after"
    with pytest.raises(KeyError, match="duplicate string keys"):
        register({"reg.lr": ("mine", "我的")})  # this test module's, not the widget's
    assert tr("reg.lr") == "learning rate"


def test_an_edited_string_shows_after_a_reload(tmp_path, monkeypatch):
    path = tmp_path / "gdw_reload_probe.py"
    source = ("from gdwidgets.i18n import register\n"
              "register({{'test.probe': ({!r}, '探针')}})\n")
    path.write_text(source.format("first"), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = importlib.import_module("gdw_reload_probe")
    assert tr("test.probe") == "first"
    path.write_text(source.format("edited"), encoding="utf-8")
    importlib.invalidate_caches()
    importlib.reload(probe)
    assert tr("test.probe") == "edited"
    sys.modules.pop("gdw_reload_probe")


# Modules of the package that are not imported in a reload walk, and why.
NOT_RELOADED = {
    "gdwidgets.__main__": "the gdwidgets command (python -m gdwidgets): running it is its import",
    "gdwidgets.homework.__main__": "the grader's command line: running it is its import",
}

RELOAD_ALL = textwrap.dedent("""
    import importlib, json, pkgutil, sys
    import gdwidgets
    from gdwidgets import i18n
    skip = set(json.loads(sys.argv[1]))
    failed = {}
    names = ["gdwidgets"] + sorted(
        m.name for m in pkgutil.walk_packages(gdwidgets.__path__, "gdwidgets.",
                                              onerror=lambda n: failed.setdefault(n, "walk")))
    modules = []
    for name in names:
        if name in skip:
            continue
        try:
            modules.append(importlib.import_module(name))
        except Exception as e:
            failed[name] = f"import: {type(e).__name__}: {e}"
    gdwidgets.set_language("zh")
    before = dict(i18n.STRINGS)
    for m in modules:
        try:
            importlib.reload(m)
        except Exception as e:
            failed[m.__name__] = f"reload: {type(e).__name__}: {e}"
    print(json.dumps({
        "failed": failed, "walked": len(names), "reloaded": len(modules),
        "same": i18n.STRINGS == before,
        "zh": [i18n.tr("reg.lr"), i18n.tr("backprop.forward"), i18n.tr("widget.kept")],
        "language": i18n.get_language(),
    }))
""")


def test_every_module_of_the_package_reloads_with_its_strings():
    out = subprocess.run([sys.executable, "-c", RELOAD_ALL, json.dumps(list(NOT_RELOADED))],
                         capture_output=True, text=True, timeout=300, check=True)
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["failed"] == {}
    py_files = sum(1 for _ in Path(gdwidgets.__file__).parent.rglob("*.py"))
    assert got["walked"] == py_files  # every module, packages included
    assert got["reloaded"] == py_files - len(NOT_RELOADED)
    assert got["same"]  # every string still there, with the same text
    assert got["zh"] == ["学习率", "前向传播", "（保留了上一张正确的图）"]
    assert got["language"] == "zh"  # a reload keeps the chosen default
