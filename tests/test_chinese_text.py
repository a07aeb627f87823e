"""Issue #22, item 3: Chinese without seams. Lists numbered from 1 in each language,
every lesson text cell in both languages, one word per control across widgets, and no
stray space between Chinese words (in the string tables, in the messages they make, and
in the lessons' Chinese paragraphs)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path

import mistune
import pytest

import gdwidgets
from gdwidgets import Session, set_language
from gdwidgets.i18n import STRINGS

LESSONS = sorted((Path(__file__).parents[1] / "example_notebooks").glob("*.ipynb"))
HAN = re.compile(r"[\u3400-\u9fff]")
WIDE = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef\u2018\u2019\u201c\u201d\u2026"
STRAY = re.compile(f"[{WIDE}] +[{WIDE}]")  # a space between two Chinese characters
_ast = mistune.create_markdown(renderer=None)


def stray_spaces(text: str) -> list[str]:
    """Each place where a space stands between two Chinese characters (or punctuation)."""
    return [text[max(0, m.start() - 8):m.end() + 8] for m in STRAY.finditer(text)]


def _markdown_cells():
    for path in LESSONS:
        cells = json.loads(path.read_text())["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"{path.name} cell {i}", "".join(cell["source"])


def _lists(tokens):
    for t in tokens:
        if t["type"] == "list" and t["attrs"].get("ordered"):
            yield t
        yield from _lists(t.get("children", []))


def _text(token) -> str:
    if "raw" in token:
        return token["raw"]
    return "".join(_text(c) for c in token.get("children", []))


def test_the_stray_space_rule_finds_what_it_should():
    assert stray_spaces("全部数据上的损失从 58.6 变为 低于 1e-6。")
    assert stray_spaces("（已验证：可以收敛） 或 把")
    assert not stray_spaces("全部数据上的损失从 58.6 变为 1e-6 以下（已收敛）。")


def test_every_bilingual_list_restarts_its_numbering_in_each_language():
    lists = 0
    for where, source in _markdown_cells():
        for lst in _lists(_ast(source)):
            lists += 1
            langs = {"zh" if HAN.search(_text(item)) else "en" for item in lst["children"]}
            assert len(langs) == 1, f"{where}: one list runs on from English into Chinese"
            assert lst["attrs"].get("start", 1) == 1, f"{where}: a list starts at " \
                f"{lst['attrs']['start']}"
    assert lists >= 2  # lesson 2's exercises: one list in each language


def test_the_rule_sees_a_list_that_runs_on():
    tokens = _ast("1. Find it\n2. Try it\n\n1. 找到\n2. 试试\n")
    (only,) = list(_lists(tokens))
    assert len(only["children"]) == 4  # Markdown numbers the Chinese items 3 and 4


def test_every_lesson_text_cell_is_in_both_languages():
    for where, source in _markdown_cells():
        text = re.sub(r"`[^`]*`", "", source)  # code is the same in both
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        assert HAN.search(body), f"{where} has no Chinese (under its title)"
        assert re.search(r"[A-Za-z]{3,}", body), f"{where} has no English"


def test_no_stray_spaces_in_the_lessons_chinese():
    for where, source in _markdown_cells():
        shown = re.sub(r"<[^>]+>", "", mistune.html(source))
        assert "**" not in shown, f"{where}: bold that Markdown did not render"
        for line in shown.splitlines():
            if HAN.search(line):
                assert not stray_spaces(line), f"{where}: {stray_spaces(line)}"


def _every_string() -> None:
    for m in pkgutil.walk_packages(gdwidgets.__path__, "gdwidgets."):
        if not m.name.endswith("__main__"):
            importlib.import_module(m.name)


def test_no_stray_spaces_in_the_chinese_strings():
    _every_string()
    assert len(STRINGS) > 300
    for key, (_, zh) in STRINGS.items():
        filled = re.sub(r"\{[^{}]*\}", "1", zh)
        assert not stray_spaces(filled), f"{key}: {stray_spaces(filled)}"
        # a piece put into another string brings no space of its own (English ones do)
        assert zh == zh.strip(" "), f"{key}: {zh!r} starts or ends with a space"


def test_no_stray_spaces_in_the_messages_runs_make():
    set_language("zh")
    try:
        runs = [
            Session(dataset="y2x10", model="two_layer", normalize=True, lr=1e-3, epochs=20,
                    batch_size=5),  # converged: "变为 1e-6 以下（已收敛）"
            Session(dataset="thermometer", lr=1e-2, epochs=100),  # diverged: two advices
            Session(dataset="linear15", lr=1e-2, zero_grad=False),
            Session(dataset="y2x10", normalize=True, lr=0.01, epochs=200, optimizer="adam"),
            Session(dataset="linear15", lr=1e-2, optimizer="momentum"),
            Session(dataset="linear15", lr=1e-2, batch_size=5, shuffle=True),
        ]
        messages = [s.run().message for s in runs]
    finally:
        set_language("en")
    assert "变为 1e-6 以下（已收敛）" in messages[0]
    assert "或" in messages[1]
    for message in messages:
        assert not stray_spaces(message), stray_spaces(message)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_word_per_control_across_widgets(lang):
    from gdwidgets.widgets import (
        BackpropWidget,
        ChainRuleWidget,
        LearningRateWidget,
        MatrixBackpropWidget,
        RegressionWidget,
    )

    set_language(lang)
    try:
        widgets = [RegressionWidget(dataset="linear15", epochs=5, graph=False),
                   ChainRuleWidget(epochs=2), LearningRateWidget(epochs=5, sweep_size=4),
                   BackpropWidget(), MatrixBackpropWidget(epochs=2)]
    finally:
        set_language("en")
    words: dict[str, set[str]] = {}
    for w in widgets:
        for name, control in vars(w).items():
            if name in w._built_controls and getattr(control, "description", ""):
                if isinstance(w, LearningRateWidget) and name == "lr":
                    continue  # "chosen lr": another control, the chosen one of the sweep
                words.setdefault(name, set()).add(control.description)
    assert words["step"] == {"step" if lang == "en" else "步数"}  # the step scrubber
    for name in ("dataset", "lr", "epochs", "batch_size", "normalize", "model", "full_size"):
        assert len(words[name]) == 1, (name, words[name])
