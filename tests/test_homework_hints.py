"""The student's side of the homework (#26): every check names the function it checks (the
student's own name for it), counts epochs in good grammar, and a loop that is right with a
wrong helper (``grad_fn``) is told that the helper's cell is the one to fix, in the
student's kernel and through the grader, where the reference helper stays in the grader's
process. The handouts name the lessons by the numbers students see."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
import torch

from gdwidgets import set_language
from gdwidgets.homework import (
    check_cal_grad,
    check_chain_rule,
    check_grad_fn,
    check_quadratic,
    check_quadratic_forward,
    check_three_layer_grads,
    check_training_loop,
    check_zero_grad,
)
from gdwidgets.homework.grading.grader import grade
from gdwidgets.homework.grading.notebooks import student_version

ROOT = Path(__file__).parent.parent
SOURCE = ROOT / "homework/source/gradients/gradients.ipynb"

# A student's notebook namespace: the loop finds grad_fn among its globals, as in Jupyter.
NOTEBOOK = '''
import torch

def model(t_u, w, b):
    return w * t_u + b

def grad_fn(t_u, t_c, t_p, w, b):
    dloss_dtp = 2 * (t_p - t_c){mean}
    return torch.stack([(dloss_dtp * t_u).sum(), dloss_dtp.sum()])

def training_loop(n_epochs, learning_rate, params, t_u, t_c):
    for _epoch in range(n_epochs):
        w, b = params
        t_p = model(t_u, w, b)
        grad = grad_fn(t_u, t_c, t_p, w, b)
        params = params - {lr} * grad
    return params

def training_loop_autograd(n_epochs, learning_rate, params, t_u, t_c):
    raise NotImplementedError()

def stub(t_u, t_c, t_p, w, b):
    raise NotImplementedError()
'''
RIGHT = dict(mean=" / t_p.size(0)", lr="learning_rate")


def notebook(**changes: str) -> dict:
    ns: dict = {}
    exec(NOTEBOOK.format(**{**RIGHT, **changes}), ns)
    return ns


def failing(feedback, *fragments: str, absent: tuple[str, ...] = ()) -> str:
    text = str(feedback)
    assert not feedback.passed, text
    for fragment in fragments:
        assert fragment in text, text
    for fragment in absent:
        assert fragment not in text, text
    return text


# ---------------------------------------------------------------- names and grammar

def _named(fn, name):
    fn.__name__ = name
    return fn


def _blank(name):
    def blank(*args, **kwargs):
        raise NotImplementedError()

    return _named(blank, name)


def autograd_loop(n_epochs, learning_rate, params, t_u, t_c):
    for _ in range(n_epochs):
        if params.grad is not None:
            params.grad.zero_()
        (((params[0] * t_u + params[1] - t_c) ** 2).mean()).backward()
        with torch.no_grad():
            params -= learning_rate * params.grad
    return params


def sgd_never_zeroing(w, x_data, y_data, lr, epochs):
    for _ in range(epochs):
        for x, y in zip(x_data, y_data):
            ((x * w - y) ** 2).backward()
            w.data -= lr * w.grad.data


CHECKS = [(check_grad_fn, "grad_fn", ()), (check_training_loop, "training_loop", ()),
          (check_zero_grad, "sgd", ()), (check_quadratic_forward, "forward", ()),
          (check_quadratic, "train", (0.001,)), (check_chain_rule, "chain_rule_grads", ()),
          (check_cal_grad, "cal_grad", ()), (check_three_layer_grads, "three_layer_grads", ())]


@pytest.mark.parametrize("lang, blank", [("en", "is not written yet"), ("zh", "还没有写")])
@pytest.mark.parametrize("check, default, extra", CHECKS, ids=[c[1] for c in CHECKS])
def test_every_check_names_the_function_it_checks(check, default, extra, lang, blank):
    set_language(lang)
    mine = f"my_{default}"
    text = failing(check(_blank(mine), *extra), f"✗ {mine} {blank}")
    assert default not in text.replace(mine, ""), text
    # a lambda has no name of its own: the exercise's name is used
    failing(check(lambda *a, **k: None, *extra), f"✗ {default}")


@pytest.mark.parametrize("lang, blank, passed", [
    ("en", "✗ training_loop_autograd is not written yet",
     "✓ training_loop_autograd: all checks passed"),
    ("zh", "✗ training_loop_autograd 还没有写", "✓ training_loop_autograd：全部检查通过"),
])
def test_the_autograd_loop_is_called_by_its_own_name(lang, blank, passed):
    set_language(lang)
    ns = notebook()
    failing(check_training_loop(ns["training_loop_autograd"]), blank,
            absent=("training_loop ", "training_loop："))

    def training_loop_autograd(n_epochs, learning_rate, params, t_u, t_c):
        return autograd_loop(n_epochs, learning_rate, params, t_u, t_c)

    fb = check_training_loop(training_loop_autograd)
    assert fb.passed and str(fb).startswith(passed), str(fb)


@pytest.mark.parametrize("lang, one, three", [
    ("en", "After 1 epoch (lr", "after 3 epochs"),
    ("zh", "1 个 epoch 之后（lr", "3 个 epoch 之后"),
])
def test_epochs_are_counted_in_good_grammar(lang, one, three):
    set_language(lang)

    def frozen(n_epochs, learning_rate, params, t_u, t_c):
        return params.detach() + 1.0

    failing(check_training_loop(frozen), one, absent=("1 epochs", "epoch(s)"))
    failing(check_zero_grad(sgd_never_zeroing), three,
            absent=("epoch(s)",))


def test_a_failing_first_message_is_headed_by_the_name():
    set_language("zh")
    text = failing(check_quadratic_forward(_named(lambda x, w1, w2, b: w2 * x ** 2 + w1 * x,
                                                  "fwd")), "✗ fwd：少了偏置 b")
    assert text.count("fwd") == 2  # the head and the numbers, fwd(x, w1=...)


# ---------------------------------------------------------------- the loop and its helper

@pytest.mark.parametrize("lang, right, fix, numbers", [
    ("en", "✗ training_loop itself is right", "The cell to fix is grad_fn",
     "After 1 epoch (lr = 0.01, inputs 0.1 * t_u, start [1.0, 0.0]) params should be "
     "[1.776, 0.1064], got [9.538, 1.17]"),
    ("zh", "✗ training_loop 本身是对的", "要改的是 grad_fn 那个单元格",
     "1 个 epoch 之后（lr = 0.01，输入 0.1 * t_u，初值 [1.0, 0.0]）params 应为 "
     "[1.776, 0.1064]，实际是 [9.538, 1.17]"),
])
def test_a_right_loop_with_a_wrong_grad_fn_points_at_grad_fn(lang, right, fix, numbers):
    set_language(lang)
    ns = notebook(mean="")  # the case: no 1/N
    student_grad_fn = ns["grad_fn"]
    failing(check_training_loop(ns["training_loop"], autograd=False), right, fix, numbers)
    assert ns["grad_fn"] is student_grad_fn  # the student's namespace is left as it was
    failing(check_grad_fn(ns["grad_fn"]), "11")


def test_a_blank_grad_fn_is_named_not_the_loop():
    ns = notebook()
    ns["grad_fn"] = ns["stub"]
    failing(check_training_loop(ns["training_loop"], autograd=False),
            "training_loop itself is right", "grad_fn is not written yet",
            absent=("training_loop is not written yet",))
    assert "grad_fn" in ns and ns["grad_fn"] is ns["stub"]
    ns.pop("grad_fn")  # not run yet: the name is missing, and stays missing
    failing(check_training_loop(ns["training_loop"], autograd=False),
            "training_loop itself is right", "NameError")
    assert "grad_fn" not in ns


@pytest.mark.parametrize("changes, hint", [
    (dict(lr="1.0"), "not scaled by the learning rate"),
    (dict(lr="1.0", mean=""), "params should be"),
])
def test_a_wrong_loop_is_not_called_right(changes, hint):
    fb = check_training_loop(notebook(**changes)["training_loop"], autograd=False)
    failing(fb, hint, absent=("itself is right", "grad_fn (its own check"))


def test_right_loop_and_right_grad_fn_pass():
    assert check_training_loop(notebook()["training_loop"], autograd=False).passed


def test_the_reference_grad_fn_is_right():
    from gdwidgets.homework.checks.gradients import reference_grad_fn

    assert check_grad_fn(reference_grad_fn).passed


# ---------------------------------------------------------------- through the grader

# A loop that snoops on the grad_fn it is given: if it can read the reference's code, its
# module or its names, it spoils its own result, so the check could not call it right.
# In the student's kernel (where the reference is a plain function) it finds them; in the
# sandbox the stand-in only forwards values, so the check finds the loop right.
SNOOP = '''
def training_loop(n_epochs, learning_rate, params, t_u, t_c):
    import importlib, inspect
    leaked = "reference_grad_fn" in getattr(grad_fn, "__globals__", {})
    leaked |= "gradients" in str(getattr(grad_fn, "__module__", ""))
    try:
        leaked |= "size(0)" in inspect.getsource(grad_fn)
    except Exception:
        pass
    try:
        leaked |= importlib.import_module("gdwidgets.homework.checks.gradients") is not None
    except Exception:
        pass
    for _epoch in range(n_epochs):
        w, b = params
        params = params - learning_rate * grad_fn(t_u, t_c, model(t_u, w, b), w, b)
    return params * 0 if leaked else params
'''


def _submission(tmp_path: Path, name: str, cells: dict[str, str],
                source: Path = SOURCE) -> Path:
    nb = student_version(source)
    solutions = nbformat.read(SOURCE, as_version=4)
    by_id = {c.metadata["nbgrader"]["grade_id"]: c for c in solutions.cells}
    for cell in nb.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid in cells:
            cell.source = cells[gid] if cells[gid] != "solution" else by_id[gid].source
    path = tmp_path / name / "gradients.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def _graded(tmp_path: Path, name: str, cells: dict[str, str], source: Path = SOURCE
            ) -> dict[str, tuple[float, str]]:
    report = grade(_submission(tmp_path, name, cells, source), source=source, timeout=60)
    assert not report.failure, report.failure
    return {c.grade_id: (c.score, c.error) for c in report.cells}


NO_MEAN = "def grad_fn(t_u, t_c, t_p, w, b):\n    d = 2 * (t_p - t_c)\n" \
          "    return torch.stack([(d * t_u).sum(), d.sum()])"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_through_the_grader_a_wrong_grad_fn_is_named(tmp_path, lang):
    source = tmp_path / "source" / "gradients.ipynb"  # the teacher's handout in `lang`
    source.parent.mkdir()
    text = SOURCE.read_text(encoding="utf-8")
    source.write_text(text.replace('set_language(\\"en\\")', f'set_language(\\"{lang}\\")'),
                      encoding="utf-8")
    assert f'set_language(\\"{lang}\\")' in source.read_text(encoding="utf-8")
    scores = _graded(tmp_path, "wrong_helper", {"grad_fn": NO_MEAN,
                                                "training_loop": "solution"}, source)
    loop = scores["test_training_loop"]
    assert loop[0] == 0  # the loop's result is still wrong: it is not scored as right
    right = "training_loop itself is right" if lang == "en" else "training_loop 本身是对的"
    numbers = "[1.776, 0.1064]"
    assert right in loop[1] and "grad_fn" in loop[1] and numbers in loop[1], loop
    blank = "training_loop_autograd is not written" if lang == "en" else \
        "training_loop_autograd 还没有写"
    assert blank in scores["test_training_loop_autograd"][1]


def test_through_the_grader_blank_and_single_mistakes(tmp_path):
    blank = _graded(tmp_path, "blank", {})
    assert "✗ grad_fn is not written yet" in blank["test_grad_fn"][1]
    assert "✗ training_loop is not written yet" in blank["test_training_loop"][1]
    assert "✗ training_loop_autograd is not written yet" in \
        blank["test_training_loop_autograd"][1]
    # the loop alone is written: grad_fn's stub is what fails, and is named
    loop_only = _graded(tmp_path, "loop_only", {"training_loop": "solution"})
    assert "grad_fn is not written yet" in loop_only["test_training_loop"][1]
    assert "itself is right" in loop_only["test_training_loop"][1]
    # the loop is wrong (no learning rate), grad_fn right: the loop is named
    solution = nbformat.read(SOURCE, as_version=4)
    loop = next(c.source for c in solution.cells
                if c.metadata["nbgrader"]["grade_id"] == "training_loop")
    wrong_loop = _graded(tmp_path, "wrong_loop", {
        "grad_fn": "solution", "training_loop": loop.replace("learning_rate * grad", "grad")})
    text = wrong_loop["test_training_loop"][1]
    assert "training_loop: The step is not scaled by the learning rate" in text, text
    assert "itself is right" not in text and wrong_loop["test_grad_fn"][0] == 3


def test_through_the_grader_the_sandbox_never_holds_the_reference(tmp_path):
    ns = notebook(mean="")
    exec(SNOOP, ns)  # in the student's own kernel the reference is there to find...
    failing(check_training_loop(ns["training_loop"], autograd=False), "params should be",
            absent=("itself is right",))
    scores = _graded(tmp_path, "snoop", {"grad_fn": NO_MEAN, "training_loop": SNOOP})
    text = scores["test_training_loop"][1]  # ...in the sandbox it is not
    assert "itself is right" in text and "params should be" in text, text


def test_the_grader_answers_a_helper_with_its_value_alone():
    from gdwidgets.homework.checks.gradients import reference_grad_fn
    from gdwidgets.homework.grading.remote import StudentFunction, decode, encode

    sent = []
    t_u, t_c = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 5.0])
    calls = iter([
        {"helper": "grad_fn", "args": [encode(v) for v in (t_u, t_c, t_u, 1.0, 0.0)]},
        {"helper": "grad_fn", "args": [encode("x")] * 5},
        {"helper": "check_grad_fn", "args": []},
        {"value": encode(7.0)},
    ])

    def ask(message):
        sent.append(message)
        return next(calls)

    fn = StudentFunction("training_loop", ask).with_helpers({"grad_fn": reference_grad_fn})
    assert fn(1) == 7.0
    assert sent[0]["helpers"] == ["grad_fn"]
    value, bad, unknown = sent[1], sent[2], sent[3]
    assert set(value) == {"op", "name", "value"}
    assert torch.allclose(decode(value["value"]), reference_grad_fn(t_u, t_c, t_u, 1.0, 0.0))
    for reply in (bad, unknown):
        assert reply["error"]["frame"] is None
        assert reply["error"]["message"].endswith("could not use these arguments")
        assert "size" not in json.dumps(reply)


# ---------------------------------------------------------------- the lessons they name

def test_handouts_name_the_lessons_students_see():
    lessons = {int(p.name[:2]): p.stem for p in (ROOT / "example_notebooks").glob("*.ipynb")}
    expected = {"gradients": 3, "chain_rule": 5, "layers": 8, "quadratic": 6}
    for path in sorted((ROOT / "homework/source").glob("*/*.ipynb")):
        text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                         if c.cell_type == "markdown")
        named = {int(n) for n in re.findall(r"[Ll]esson (\d+)", text)}
        named_zh = {int(n) for n in re.findall(r"第 (\d+) 课", text)}
        assert named == named_zh == {expected[path.stem]}, (path.stem, named, named_zh)
        assert all(n in lessons for n in named)
        assert not re.search(r"[Ll]esson 00\d|第 00\d 课", text), path
