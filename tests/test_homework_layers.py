"""The layers assignment (#27): seed 003's three matrix layers backpropagated by hand. Each
slip of ``cal_grad`` and ``three_layer_grads`` is named in both languages; the honest
notebook gets full marks and every cheat of :data:`corpus.LAYERS_CASES` (autograd where it
is asked by hand, the package's references reached from the sandbox) gets nothing, through
``python -m gdwidgets.homework grade`` (as root, contained) and through nbgrader."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import io
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from gdwidgets import set_language
from gdwidgets.homework import check_cal_grad, check_three_layer_grads
from gdwidgets.homework.grading.corpus import LAYERS_CASES, build_layers

ROOT = Path(__file__).parent.parent
SOURCE = ROOT / "homework/source/layers/layers.ipynb"
LIMITS = ["--timeout", "60", "--notebook-timeout", "240", "--memory", "1200"]
UIDS = 1_710_000_000 + random.randrange(10_000) * 10_000


def cal_grad(inputs, grad_out, W):
    return grad_out @ W.T, inputs.T @ grad_out


def seed_cal_grad(inputs, grad_out, W):  # seed 003, then summed as the seed does
    grad_in = torch.matmul(W, grad_out.unsqueeze(2))
    grad_w = torch.matmul(inputs.unsqueeze(2), grad_out.unsqueeze(1))
    return grad_in.squeeze(), grad_w.squeeze().sum(dim=0)


def three_layer_grads(x, y, params, slip=None, cal=cal_grad):
    h1 = x @ params["W1"] + params["b1"]
    h2 = h1 @ params["W2"] + params["b2"]
    error = (h2 @ params["W3"] + params["b3"]).squeeze(-1) - y
    g3 = error if slip == "plain" else 2 * (error ** 2).sum() * error
    g3 = (-g3 if slip == "sign" else 2 * g3 if slip == "two" else g3).unsqueeze(1)
    g2, w3 = cal(h2, g3, params["W3"])
    g1, w2 = cal(h1, g2, params["W2"])
    _, w1 = cal(x, g1, params["W1"])
    grads = {"W1": w1, "b1": g1.sum(0), "W2": w2, "b2": g2.sum(0), "W3": w3, "b3": g3.sum(0)}
    if slip == "seed_labels":  # the seed's print: grad_loss_line2.sum(dim=0) as "line2"
        grads["b2"] = g1.sum(0)
    if slip == "b3_from_layer_2":  # ∂L/∂(output of layer 2), shape (2,), as b3's
        grads["b3"] = g2.sum(0)
    if slip == "order":
        grads["W1"] = w1.T
    return grads


CAL_SLIPS = {
    "not_transposed": (lambda i, g, W: (g @ W, i.T @ g),
                       "W is not transposed", "W 没有转置"),
    "result_transposed": (lambda i, g, W: ((g @ W.T).T, i.T @ g),
                          "Your result is transposed", "你的结果被转置了"),
    "not_summed": (lambda i, g, W: (g @ W.T, i.unsqueeze(2) * g.unsqueeze(1)),
                   "sum over the batch, as the seed does with .sum(dim=0)", "对批次求和"),
    "order": (lambda i, g, W: (g @ W.T, g.T @ i), "outer product is in the wrong order",
              "外积的顺序反了"),
    "sign": (lambda i, g, W: (-(g @ W.T), i.T @ g), "Sign error", "符号错误"),
    "two": (lambda i, g, W: (g @ W.T, 2 * i.T @ g), "A factor 2 is off: a linear layer's",
            "线性层的梯度里没有 2"),
    "mean": (lambda i, g, W: (g @ W.T, i.T @ g / len(i)), "Do not divide by the batch size",
             "不要除以批次大小"),
    "seed_squeeze": (seed_cal_grad, "also removed W's own dimension of size 1",
                     "也去掉了"),
    "none": (lambda i, g, W: (None, i.T @ g), "grad_in (the first value returned) is None",
             "grad_in（返回的第一个值） 是 None"),
    "list": (lambda i, g, W: (g @ W.T, (i.T @ g).tolist()),
             "grad_W (the second value returned) should be a torch tensor, got list",
             "应该是 torch 张量"),
    "nan": (lambda i, g, W: (g @ W.T, i.T @ g * float("nan")), "contains NaN or inf",
            "含有 NaN 或 inf"),
    "shape": (lambda i, g, W: (g @ W.T, torch.zeros(7)), "has shape (7,), expected (2, 2)",
              "的形状是 (7,)，应为 (2, 2)"),
    "one_value": (lambda i, g, W: g @ W.T, "should return two tensors (grad_in, grad_W)",
                  "应该返回两个张量"),
}
THREE_SLIPS = {
    "sign": ("Sign error: ∂L/∂ŷ = 2·Σ(ŷ−y)²·(ŷ − y)", "符号错误"),
    "two": ("A factor 2 is off", "差了一个因子 2"),
    "plain": ("The factor 2·Σ(ŷ−y)² of the seed's loss", "漏掉了种子代码损失"),
    "seed_labels": ("This is b1's gradient", "这是 b1 的梯度"),
    "order": ("The outer product is in the wrong order", "外积的顺序反了"),
    "b3_from_layer_2": ("This is b2's gradient", "这是 b2 的梯度"),
}


def failing(feedback, *fragments: str) -> str:
    text = str(feedback)
    assert not feedback.passed, text
    for fragment in fragments:
        assert fragment in text, text
    return text


def test_right_answers_pass():
    assert check_cal_grad(cal_grad).passed
    fb = check_three_layer_grads(three_layer_grads)
    assert fb.passed and "∂L/∂b1 ✓" in str(fb), str(fb)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slip", CAL_SLIPS)
def test_each_cal_grad_slip_is_named(slip, lang):
    set_language(lang)
    fn, en, zh = CAL_SLIPS[slip]
    failing(check_cal_grad(fn), en if lang == "en" else zh)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("slip", THREE_SLIPS)
def test_each_three_layer_slip_is_named(slip, lang):
    set_language(lang)
    en, zh = THREE_SLIPS[slip]
    failing(check_three_layer_grads(lambda x, y, p: three_layer_grads(x, y, p, slip=slip)),
            en if lang == "en" else zh)


def test_a_wrong_cal_grad_is_named_as_the_cell_to_fix():
    ns = {"torch": torch, "_three": three_layer_grads}  # a notebook: cal_grad is a global
    exec("def cal_grad(i, g, W):\n    return g @ W.T, g.T @ i\n"
         "def three_layer_grads(x, y, params):\n    return _three(x, y, params, cal=cal_grad)\n",
         ns)
    failing(check_three_layer_grads(ns["three_layer_grads"]), "fix cal_grad (exercise 1)")
    assert ns["cal_grad"].__name__ == "cal_grad"  # the student's again after the check


@pytest.mark.parametrize("how", ["backward", "func_grad", "func_vjp", "inference_off"])
def test_autograd_is_refused_where_it_is_asked_by_hand(how):
    def by_autograd(inputs, grad_out, W):
        f = lambda w: ((inputs @ w) * grad_out).sum()  # noqa: E731
        if how == "func_grad":
            return grad_out @ W.T, torch.func.grad(f)(W)
        if how == "func_vjp":
            return grad_out @ W.T, torch.func.vjp(f, W)[1](torch.tensor(1.0))[0]
        with torch.inference_mode(False):
            w = W.clone().requires_grad_()
            f(w).backward()
        return grad_out @ W.T, w.grad

    failing(check_cal_grad(by_autograd), "Compute the gradients by hand")


def test_blank_or_missing_functions():
    def blank(*a):
        raise NotImplementedError()

    failing(check_cal_grad(blank), "is not written yet")
    failing(check_three_layer_grads(None), "not defined")
    failing(check_three_layer_grads(lambda *a: [1, 2]), "should return a dict")
    failing(check_three_layer_grads(lambda *a: {"W1": 1}), "no key 'b1'")


def test_references_outside_homework_are_off_in_the_sandbox():
    """After switch_off_references the package's by-hand formulas cannot be imported, their
    files are in the list hidden under a mount namespace, and PRELOAD and WARM_UP work."""
    code = ("import importlib, contextlib, sys\n"
            "from gdwidgets.homework.grading import sandbox\n"
            "files = sandbox.reference_files()\n"
            "assert any(f.endswith('training/gradients.py') for f in files), files\n"
            "sandbox.switch_off_references()\n"
            "for m in sandbox.REFERENCE_MODULES:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except ImportError:\n        pass\n"
            "    else:\n        raise SystemExit(m + ' imported')\n"
            "failed = []\n"
            "for m in sandbox.PRELOAD:\n"
            "    try:\n        importlib.import_module(m)\n"
            "    except ImportError as e:\n        failed.append((m, str(e)))\n"
            "assert all('gdwidgets' not in e for _, e in failed), failed\n"
            "exec(sandbox.WARM_UP)\nprint('ok')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr


def _scores(csv_path: Path) -> tuple[dict[str, float], dict[tuple[str, str], str]]:
    with open(csv_path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    scores: dict[str, float] = {}
    for row in rows:
        if row["grade_id"]:
            scores[row["student"]] = scores.get(row["student"], 0.0) + float(row["score"])
    return scores, {(r["student"], r["grade_id"]): r["message"] for r in rows}


@pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux",
                    reason="the class is graded as root on Linux (CI, hubs), contained")
def test_the_grader_gives_honest_full_marks_and_cheats_nothing(tmp_path):
    from gdwidgets.homework.__main__ import main

    source = tmp_path / "source" / "layers" / "layers.ipynb"
    source.parent.mkdir(parents=True)
    shutil.copy(SOURCE, source)
    subs = tmp_path / "submissions"
    build_layers(source, subs)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["grade", str(subs), "--source", str(source.parent.parent), "--csv",
                     str(tmp_path / "grades.csv"), "--jobs", "2", *LIMITS,
                     "--uid-range", f"{UIDS}-{UIDS + 9_999}"])
    assert code == 0, printed.getvalue()
    scores, messages = _scores(tmp_path / "grades.csv")
    assert set(scores) == {c.name for c in LAYERS_CASES}, printed.getvalue()
    for case in LAYERS_CASES:
        assert scores[case.name] == (7 if case.honest else 0), (case.name, printed.getvalue())
    assert "Compute the gradients by hand" in messages[("autograd_func_grad", "test_cal_grad")]
    assert "fresh uid" in printed.getvalue()


@pytest.mark.skipif(importlib.util.find_spec("nbgrader") is None,
                    reason="nbgrader is not installed (pip install nbgrader)")
@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's own SQLAlchemy warnings
def test_nbgrader_autogrades_the_honest_notebook(tmp_path):
    from nbgrader.api import Gradebook
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    course = tmp_path / "course"
    (course / "source" / "layers").mkdir(parents=True)
    shutil.copy(ROOT / "homework/nbgrader_config.py", course)
    shutil.copy(SOURCE, course / "source" / "layers")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.db_assignments = [dict(name="layers")]
    api = NbGraderAPI(config=config)
    assert api.generate_assignment("layers", force=True)["success"]
    folder = course / "submitted" / "alice" / "layers"
    folder.mkdir(parents=True)
    shutil.copy(SOURCE, folder)
    result = api.autograde("layers", "alice", force=True, create=True)
    assert result["success"], result["log"] + result.get("error", "")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        submission = gb.find_submission("layers", "alice")
        assert submission.score == 7 and submission.max_score == 8  # + 1 by the teacher
    assert nbformat
