"""gdwidgets.homework: every checker passes right answers, names each typical mistake with
its specific hint (both languages), survives exceptions; the assignment notebooks pass with
their solutions, fail helpfully when blank, and grade with and without nbgrader."""

from __future__ import annotations

import importlib.util
import shutil
import string
from pathlib import Path

import nbformat
import pytest
import torch

from gdwidgets import set_language
from gdwidgets.homework import (
    Feedback,
    check_chain_rule,
    check_grad_fn,
    check_quadratic,
    check_quadratic_forward,
    check_training_loop,
    check_zero_grad,
)
from gdwidgets.homework.grading.grader import grade
from gdwidgets.homework.grading.notebooks import student_version
from gdwidgets.i18n import STRINGS

HOMEWORK = Path(__file__).parent.parent / "homework"
SOURCES = sorted((HOMEWORK / "source").glob("*/*.ipynb"))



def failed_with(feedback: Feedback, *fragments: str) -> str:
    assert not feedback.passed, str(feedback)
    text = str(feedback)
    for fragment in fragments:
        assert fragment in text, text
    return text


# ---------------------------------------------------------------- seed 001: grad_fn

def model(t_u, w, b):
    return w * t_u + b


def loss_fn(t_p, t_c):
    return ((t_p - t_c) ** 2).mean()


def grad_fn(t_u, t_c, t_p, w, b):  # seed 001, verbatim
    dloss_dw = (2 * t_u * (t_u * w + b - t_c)) / t_u.size(0)
    dloss_db = (2 * (t_u * w + b - t_c)) / t_u.size(0)
    return torch.stack([dloss_dw.sum(), dloss_db.sum()])


def _parts(t_u, t_c, t_p):
    return 2 * (t_p - t_c) / t_p.size(0), t_u


def test_grad_fn_of_the_seed_passes():
    fb = check_grad_fn(grad_fn)
    assert fb.passed and "autograd" in str(fb)


@pytest.mark.parametrize("wrong, hint", [
    (lambda t_u, t_c, t_p, w, b: grad_fn(t_u, t_c, t_p, w, b) * t_u.size(0),
     "11 times too large"),
    (lambda t_u, t_c, t_p, w, b: grad_fn(t_u, t_c, t_p, w, b) / 2, "factor 2"),
    (lambda t_u, t_c, t_p, w, b: grad_fn(t_u, t_c, t_p, w, b) * t_u.size(0) / 2,
     "11/2 times too large"),
    (lambda t_u, t_c, t_p, w, b: -grad_fn(t_u, t_c, t_p, w, b), "Sign error"),
    (lambda t_u, t_c, t_p, w, b: grad_fn(t_u, t_c, t_p, w, b).flip(0), "swapped"),
    (lambda t_u, t_c, t_p, w, b: tuple(grad_fn(t_u, t_c, t_p, w, b)), "torch.stack"),
    (lambda t_u, t_c, t_p, w, b: torch.stack([2 * (t_p - t_c) / len(t_p) * t_u,
                                              2 * (t_p - t_c) / len(t_p)]),
     "Sum over the points"),
    (lambda t_u, t_c, t_p, w, b: torch.stack([(2 * (t_p - t_c) / len(t_p)).sum()] * 2),
     "dmodel_dw = t_u"),
    (lambda t_u, t_c, t_p, w, b: torch.stack([(2 * (t_p - t_c) / len(t_p) * t_u).sum()] * 2),
     "dmodel_db = 1"),
    (lambda t_u, t_c, t_p, w, b: None, "forget `return`"),
    (lambda t_u, t_c, t_p, w, b: torch.zeros(3), "shape (2,)"),
])
def test_grad_fn_mistakes_get_their_hint(wrong, hint):
    failed_with(check_grad_fn(wrong), hint)


def test_grad_fn_reports_the_numbers_it_expected():
    text = failed_with(check_grad_fn(lambda *a: -grad_fn(*a)))
    assert "expected [dL/dw, dL/db] = [4517, 82.6], got [-4517, -82.6]" in text


def test_exceptions_in_student_code_become_feedback():
    def stub(t_u, t_c, t_p, w, b):
        raise NotImplementedError()

    def broken(t_u, t_c, t_p, w, b):
        return t_u / undefined_name  # noqa: F821

    failed_with(check_grad_fn(stub), "not written yet", "raise NotImplementedError()")
    failed_with(check_grad_fn(broken), "NameError", "undefined_name",
                "t_u / undefined_name")  # names the student's line
    failed_with(check_grad_fn(None), "not defined")
    failed_with(check_grad_fn(3.0), "should be a function")


# ---------------------------------------------------------------- seed 001: training loops

def manual_loop(n_epochs, learning_rate, params, t_u, t_c):
    for _ in range(n_epochs):
        w, b = params
        t_p = model(t_u, w, b)
        params = params - learning_rate * grad_fn(t_u, t_c, t_p, w, b)
    return params


def autograd_loop(n_epochs, learning_rate, params, t_u, t_c, *, zero=True, update="no_grad",
                  check_none=True, sign=1.0):
    for _ in range(n_epochs):
        if zero and (params.grad is not None or not check_none):
            params.grad.zero_()
        loss = loss_fn(model(t_u, *params), t_c)
        print("loss", float(loss))  # students print; the checker keeps it quiet
        loss.backward()
        if update == "no_grad":
            with torch.no_grad():
                params -= sign * learning_rate * params.grad
        elif update == "rebind":
            params = params - learning_rate * params.grad
        else:
            params -= learning_rate * params.grad
    return params


def test_training_loops_that_are_right_pass(capsys):
    assert check_training_loop(manual_loop, autograd=False).passed
    assert check_training_loop(autograd_loop).passed
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("options, hint", [
    (dict(zero=False), "gradients pile up"),
    (dict(update="rebind"), "not a leaf"),
    (dict(update="in_place"), "with torch.no_grad():"),
    (dict(check_none=False), "is None until the first backward()"),
    (dict(sign=-1.0), "up the gradient"),
])
def test_training_loop_mistakes_get_their_hint(options, hint):
    failed_with(check_training_loop(lambda **kw: autograd_loop(**kw, **options)), hint)


def test_training_loop_rebinding_over_epochs_is_explained():
    def rebind_and_zero(n_epochs, learning_rate, params, t_u, t_c):
        for _ in range(n_epochs):
            loss = loss_fn(model(t_u, *params), t_c)
            loss.backward()
            params = params - learning_rate * params.grad
        return params.detach()  # hides the grad_fn, but epoch 2 reads a None .grad

    failed_with(check_training_loop(rebind_and_zero), "TypeError",
                "`params = params - lr * params.grad` made params a new tensor")


def test_training_loop_other_mistakes():
    failed_with(check_training_loop(lambda **kw: None), "forget `return`")
    failed_with(check_training_loop(lambda **kw: autograd_loop(**kw), autograd=False),
                "uses your grad_fn, not backward()")
    failed_with(check_training_loop(lambda **kw: manual_loop(**{**kw, "learning_rate": 1.0}),
                                    autograd=False), "not scaled by the learning rate")


# ---------------------------------------------------------------- seed 002: zero_grad

def sgd(w, x_data, y_data, lr, epochs, mode="right"):
    for _ in range(epochs):
        if mode == "per_epoch" and w.grad is not None:
            w.grad.zero_()
        for x, y in zip(x_data, y_data):
            if mode == "zero_first":
                w.grad.zero_()
            loss = (x * w - y) ** 2
            loss.backward()
            if mode == "before_update":
                w.grad.zero_()
            if mode == "rebind":
                w = w - lr * w.grad
            else:
                w.data -= lr * w.grad.data
            if mode == "right":
                w.grad.zero_()


def test_seed_002_sgd_passes_and_matches_the_seed():
    from gdwidgets.homework.checks.zero_grad import per_sample_sgd, y2x

    assert check_zero_grad(sgd).passed
    x, y = y2x()  # seed 002 prints w's gradient -4.0 first, then -15.68 (w = 0.04)
    assert abs(float(per_sample_sgd(lambda v: [v], 1, x[:1], y[:1], 0.01, 1)) - 0.04) < 1e-7


@pytest.mark.parametrize("mode, hint", [
    ("never", "gradients pile up"),
    ("per_epoch", "once per epoch"),
    ("before_update", "between backward() and the update"),
    ("rebind", "made w a new tensor"),
    ("zero_first", "is None until the first backward()"),
])
def test_forgotten_or_misplaced_zero_grad_gets_its_hint(mode, hint):
    failed_with(check_zero_grad(lambda *a: sgd(*a, mode=mode)), hint)


# ---------------------------------------------------------------- seed 002: quadratic

def forward(x, w1, w2, b):
    return w2 * x ** 2 + w1 * x + b


def train(x_data, y_data, lr, epochs, zero=True):
    w1, w2, b = (torch.tensor([0.0], requires_grad=True) for _ in range(3))
    for _ in range(epochs):
        for x, y in zip(x_data, y_data):
            ((forward(x, w1, w2, b) - y) ** 2).backward()
            for p in (w1, w2, b):
                p.data -= lr * p.grad.data
                if zero:
                    p.grad.zero_()
    return w1, w2, b


def test_quadratic_forward():
    assert check_quadratic_forward(forward).passed
    failed_with(check_quadratic_forward(lambda x, w1, w2, b: w1 * x ** 2 + w2 * x + b),
                "swapped")
    failed_with(check_quadratic_forward(lambda x, w1, w2, b: w2 * x ** 2 + w1 * x),
                "bias b is missing")
    failed_with(check_quadratic_forward(lambda x, w1, w2, b: w2 * 2 * x + w1 * x + b),
                "not 2 * x")
    failed_with(check_quadratic_forward(lambda x, w1, w2, b: w2 * x ^ 2 + w1 * x + b),
                "`^` is bitwise XOR")


def test_quadratic_at_a_good_lr_passes():
    fb = check_quadratic(train, 0.001)
    assert fb.passed and "lr = 0.001 trains" in str(fb)


def test_quadratic_at_the_seeds_lr_says_where_and_why_it_diverges():
    text = failed_with(check_quadratic(train, 0.01), "diverges at step 13 (epoch 3)",
                       "x² is up to 25", "lr < 1/(x⁴ + x² + 1) ≈ 0.0015",
                       "Lower the learning rate to 0.001", "normalise x")
    assert "13 · (ŷ - y)" in text


def test_quadratic_other_mistakes():
    failed_with(check_quadratic(train, 1e-6), "too small")
    failed_with(check_quadratic(train, None), "Set LR")
    failed_with(check_quadratic(lambda *a: train(*a, zero=False), 0.001), "gradients pile up")
    failed_with(check_quadratic(lambda *a: train(*a)[:2], 0.001), "should return (w1, w2, b)")


# ---------------------------------------------------------------- seed 003: chain rule

def chain_rule_grads(x, y, a1, b1, a2, b2, slip=None):
    h = a1 * x + b1
    e = a2 * h + b2 - y
    grads = {"a1": (e * a2 * x).sum(), "b1": (e * a2).sum(), "a2": (e * h).sum(),
             "b2": e.sum()}
    if slip == "a1_forgot_a2":
        grads["a1"] = (e * x).sum()
    elif slip == "a1_a1_not_a2":
        grads["a1"] = (e * a1 * x).sum()
    elif slip == "b1_forgot_a2":
        grads["b1"] = e.sum()
    elif slip == "a2_x_not_h":
        grads["a2"] = (e * x).sum()
    elif slip == "b2_sign":
        grads["b2"] = (-e).sum()
    elif slip == "mean_squared":
        grads = {k: 2 * v / len(x) for k, v in grads.items()}
    elif slip == "not_summed":
        grads["b1"] = e * a2
    return grads


def test_chain_rule_right_answer_passes():
    fb = check_chain_rule(chain_rule_grads)
    assert fb.passed and "∂L/∂a1 = Σ (ŷ - y)·a2·x ✓" in str(fb)


@pytest.mark.parametrize("slip, hint", [
    ("a1_forgot_a2", "∂L/∂a1 is wrong: expected -1316, got -438.8. You forgot the factor "
                     "∂ŷ/∂h = a2"),
    ("a1_a1_not_a2", "The middle factor is ∂ŷ/∂h = a2, not a1"),
    ("b1_forgot_a2", "∂L/∂b1 is wrong"),
    ("a2_x_not_h", "∂ŷ/∂a2 is the first layer's output h = a1*x + b1, not x"),
    ("b2_sign", "Sign error"),
    ("mean_squared", "Twice too large"),
    ("not_summed", "one value per point"),
])
def test_chain_rule_names_the_wrong_factor(slip, hint):
    text = failed_with(check_chain_rule(lambda *a: chain_rule_grads(*a, slip=slip)), hint)
    if slip == "a1_forgot_a2":  # the right ones are confirmed, the wrong one named once
        assert "∂L/∂b2 = Σ (ŷ - y) ✓" in text and "∂L/∂b1 is wrong" not in text


def test_chain_rule_by_autograd_or_in_the_wrong_shape():
    def with_backward(x, y, a1, b1, a2, b2):
        ((a2 * (a1 * x + b1) + b2 - y) ** 2).sum().backward()
        return {k: v.grad for k, v in dict(a1=a1, b1=b1, a2=a2, b2=b2).items()}

    failed_with(check_chain_rule(with_backward), "by hand with the chain rule")
    failed_with(check_chain_rule(lambda *a: (1.0, 2.0, 3.0, 4.0)), "should return a dict")
    failed_with(check_chain_rule(lambda *a: {"a1": 1.0}), "no key 'b1'")


# ---------------------------------------------------------------- feedback and languages

def test_feedback_displays_and_asserts():
    ok = check_grad_fn(grad_fn)
    assert ok.assert_passed() is None and bool(ok)  # no result: nbgrader would parse it
    assert "✓" in ok._repr_html_() and "#1a7f37" in ok._repr_html_()
    bad = check_grad_fn(lambda *a: -grad_fn(*a))
    html = bad._repr_html_()
    assert "✗" in html and "#cf222e" in html and "Sign error" in html
    with pytest.raises(AssertionError, match="Sign error"):
        bad.assert_passed()
    assert "&lt;b&gt;" in Feedback("x", False, ["<b>"])._repr_html_()


def test_hints_in_chinese():
    set_language("zh")
    failed_with(check_grad_fn(lambda *a: -grad_fn(*a)), "符号错误")
    failed_with(check_quadratic(train, 0.01), "发散", "把学习率降到 0.001")
    failed_with(check_chain_rule(lambda *a: chain_rule_grads(*a, slip="a1_forgot_a2")),
                "你漏掉了因子 ∂ŷ/∂h = a2")
    failed_with(check_zero_grad(lambda *a: sgd(*a, mode="never")), "梯度在累加")
    failed_with(check_grad_fn(None), "还没有定义")
    assert "全部检查通过" in str(check_grad_fn(grad_fn))


def test_every_homework_string_has_both_languages_with_the_same_fields():
    keys = [k for k in STRINGS if k.startswith("hw.")]
    assert len(keys) > 60
    for key in keys:
        en, zh = STRINGS[key]
        assert en.strip() and zh.strip(), key
        fields = [{f for _, f, _, _ in string.Formatter().parse(s) if f} for s in (en, zh)]
        assert fields[0] == fields[1], key


# ---------------------------------------------------------------- notebooks

def run(nb: nbformat.NotebookNode, where: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(where)}}).execute()
    return nb


def grade_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and c.cell_type == "code"]


def errors(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def test_assignments_are_in_nbgrader_format_without_outputs():
    assert [p.stem for p in SOURCES] == ["chain_rule", "gradients", "layers", "quadratic"]
    for path in SOURCES:
        nb = nbformat.read(path, as_version=4)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells]
        assert len(ids) == len(set(ids)), path
        for cell in nb.cells:
            meta = cell.metadata["nbgrader"]
            assert meta["schema_version"] == 3
            assert not cell.get("outputs"), path
            if meta["solution"]:
                assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
                assert not meta["locked"]
            else:
                assert meta["locked"]
            if meta["grade"]:
                assert meta["points"] > 0
                if cell.cell_type == "code":
                    assert ".assert_passed()" in cell.source
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), "bilingual markdown"


def test_student_version_strips_solutions_like_nbgrader():
    nb = student_version(HOMEWORK / "source/gradients/gradients.ipynb")
    cell = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "grad_fn")
    assert cell.source == ('def grad_fn(t_u, t_c, t_p, w, b):\n'
                           '    """[dL/dw, dL/db] of the mean squared error, by hand '
                           '(no backward())."""\n'
                           '    # YOUR CODE HERE\n    raise NotImplementedError()')
    text = "\n".join(c.source for c in nb.cells)
    assert "BEGIN SOLUTION" not in text and "torch.stack([dloss_dw" not in text


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_solution_notebook_passes_every_check(path):
    nb = run(nbformat.read(path, as_version=4), path.parent)
    failing = [o for c in nb.cells for o in errors(c)]
    assert not failing, failing
    for cell in grade_cells(nb):  # the ✓ is displayed, not returned (nbgrader: partial credit)
        assert [o.output_type for o in cell.outputs] == ["display_data"], cell.source
        assert "✓" in cell.outputs[0].data["text/plain"], cell.source
        assert "✓" in cell.outputs[0].data["text/html"], cell.source


HELPFUL = ("is not written yet: replace `raise NotImplementedError()`", "Set LR")


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_blank_student_version_fails_with_helpful_messages(path, tmp_path):
    nb = run(student_version(path), tmp_path)
    for cell in grade_cells(nb):
        # Run All goes on past a failing check (nbgrader still scores the error 0)
        assert "raises-exception" in cell.metadata.tags
        (error,) = errors(cell)
        assert error.ename == "CheckFailed", cell.source  # an AssertionError
        assert any(h in error.evalue for h in HELPFUL), error.evalue
        # the hint is all the student sees: no frames of the checker
        shown = "\n".join(error.traceback)
        assert shown.lstrip("\x1b[31m").lstrip("\x1b[1m").startswith("✗ "), shown
        assert "feedback.py" not in shown and "Traceback" not in shown, shown
        assert any(h in shown for h in HELPFUL), shown


def test_local_grading_of_a_typical_wrong_answer(tmp_path):
    source = HOMEWORK / "source/quadratic/quadratic.ipynb"
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.metadata["nbgrader"]["grade_id"] == "learning_rate":
            cell.source = "LR = 0.01  # as in the seed"
        if cell.metadata["nbgrader"]["grade_id"] == "test_forward":
            cell.source = "pass  # a student deleting the check"
    submission = tmp_path / "alice" / "quadratic.ipynb"
    submission.parent.mkdir()
    nbformat.write(nb, submission)
    report = grade(submission, source=source)
    scores = {c.grade_id: c.score for c in report.cells}
    assert scores == {"test_sgd": 2, "test_forward": 1, "test_train": 0}
    (train_cell,) = [c for c in report.cells if c.grade_id == "test_train"]
    assert "diverges at step 13" in train_cell.error
    assert "3 / 6" in str(report)


def test_command_line_makes_student_versions(tmp_path, capsys):
    from gdwidgets.homework.__main__ import main

    assert main(["student", str(HOMEWORK / "source"), str(tmp_path)]) == 0
    out = capsys.readouterr().out
    made = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.ipynb"))
    assert made == ["chain_rule/chain_rule.ipynb", "gradients/gradients.ipynb",
                    "layers/layers.ipynb", "quadratic/quadratic.ipynb"]
    assert "quadratic.ipynb" in out


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                    reason="nbgrader is not installed (pip install nbgrader)")
@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's own SQLAlchemy warnings
def test_nbgrader_generates_and_autogrades(tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    course = tmp_path / "course"
    shutil.copytree(HOMEWORK, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db"))
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_assignments = [dict(name="quadratic")]
    api = NbGraderAPI(config=config)  # in process: the same as the command line, faster

    result = api.generate_assignment("quadratic", force=True)
    assert result["success"], result["log"] + result.get("error", "")
    released = nbformat.read(course / "release/quadratic/quadratic.ipynb", as_version=4)
    ours = student_version(course / "source/quadratic/quadratic.ipynb")
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]
    for cell in grade_cells(released):  # Run All goes past a failing check for students too
        assert "raises-exception" in cell.metadata.get("tags", []), cell.source

    # a sample submission: everything right but the seed's learning rate
    nb = nbformat.read(course / "source/quadratic/quadratic.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata["nbgrader"]["grade_id"] == "learning_rate":
            cell.source = "LR = 0.01"
    folder = course / "submitted" / "alice" / "quadratic"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "quadratic.ipynb")
    result = api.autograde("quadratic", "alice", force=True, create=True)
    assert result["success"], result["log"] + result.get("error", "")
    assert "partial credit" not in result["log"]  # test cells return no value

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("quadratic", "alice")
        assert (submission.score, submission.max_score) == (3, 6)
    graded = nbformat.read(course / "autograded/alice/quadratic/quadratic.ipynb", as_version=4)
    messages = "\n".join(o.get("evalue", "") for c in graded.cells for o in c.get("outputs", []))
    assert "diverges at step 13 (epoch 3)" in messages and "0.001" in messages
    # what Validate and the feedback show: the hint, not a traceback into the checker
    shown = "\n".join(line for c in graded.cells for o in c.get("outputs", [])
                      for line in o.get("traceback", []))
    assert "diverges at step 13" in shown and "feedback.py" not in shown, shown
