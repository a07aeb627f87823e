"""One polynomial convention (#22): w_k multiplies x^k in the sessions, the widgets' tables
and keys, the lessons and the quadratic homework."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from gdwidgets import RegressionWidget, Session
from gdwidgets.homework.checks.quadratic import check_quadratic_forward

ROOT = Path(__file__).parent.parent


def text_of(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_a_session_multiplies_w_k_by_x_to_the_k():
    h = Session(dataset="cubic", model="polynomial", degree=3, epochs=1,
                init={"w1": 1.0, "w2": 10.0, "w3": 100.0, "b": 0.5}).run()
    x = np.array([2.0])
    assert h.fit(x, step=0)[0] == 0.5 + 1 * 2 + 10 * 4 + 100 * 8


def test_tables_and_keys_name_each_parameters_term():
    w = RegressionWidget(dataset="cubic", model="polynomial", degree=3, lr=1e-3, epochs=20)
    heads = re.findall(r"<th[^>]*>(.*?)</th>", w.table.value)
    assert [h for h in heads if h.startswith("w")] == ["w1·x", "w2·x²", "w3·x³"]
    assert [line.get_label() for line in w.plot.param_lines] == ["w1·x", "w2·x²", "w3·x³", "b"]
    assert "w·x" in w.__class__(dataset="linear15", epochs=5).table.value


def test_the_homework_and_the_lessons_say_the_same():
    forward = lambda x, w1, w2, b: w2 * x**2 + w1 * x + b  # noqa: E731
    assert check_quadratic_forward(forward).passed
    seeds_order = lambda x, w1, w2, b: w1 * x**2 + w2 * x + b  # noqa: E731
    assert not check_quadratic_forward(seeds_order).passed
    source = text_of(ROOT / "homework/source/quadratic/quadratic.ipynb")
    assert "w_2 x^2 + w_1 x + b" in source
    for lesson in sorted((ROOT / "example_notebooks").glob("0*.ipynb")):
        text = text_of(lesson)
        # the seed's order appears only where it is named as the seed's
        for hit in re.finditer(r"w1·x² \+ w2·x", text):
            before = text[max(0, hit.start() - 40):hit.start()]
            assert "seed 002 writes" in before or "种子 002 写作" in before, lesson.name
    lesson_6 = ROOT / "example_notebooks/06_minibatches_and_optimizers.ipynb"
    assert "w2·x² + w1·x + b" in text_of(lesson_6)


def test_the_table_shows_where_the_run_started():
    w = RegressionWidget(dataset="linear15", lr=1e-2, epochs=100)
    assert "start (random, seed 0)" in w.table.value
    start = float(w.history.params["w"][0])
    assert f"{start:.4g}" in w.table.value
    given = RegressionWidget(dataset="linear15", lr=1e-2, epochs=100, init=0.0)
    assert "start (init)" in given.table.value
