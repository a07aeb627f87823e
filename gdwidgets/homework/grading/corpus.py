"""A class of honest, blank and hostile submissions of the ``gradients`` assignment, to
check a grader (ours and nbgrader) against; and :data:`LAYERS_CASES`, the cheats aimed at
the ``layers`` assignment (autograd where it is asked by hand, the package's references).

``python -m gdwidgets.homework.grading.corpus homework/`` builds the class in a temporary folder,
grades it with both graders and prints the table of the teacher's guide.
"""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .notebooks import _nbgrader, student_version

__all__ = ["CASES", "Case", "LAYERS_CASES", "build", "build_layers"]

_FORK = """
import os, time
if os.fork() == 0:  # a child that outlives the notebook and keeps trying
    for _ in range(600):
        for p in {targets!r}:
            try:
                open(p, "w").write("overwritten by a forked child")
            except OSError:
                pass
        time.sleep(0.1)
    os._exit(0)
"""
_TAMPER = """
import glob, json, os
blank = {blank!r}
for p in glob.glob("../*/gradients.ipynb") + glob.glob("../../*/*/gradients.ipynb") + {others!r}:
    try:
        open(p, "w").write(blank)
    except OSError:
        pass
try:
    nb = json.load(open({source!r}))
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {{}}).get("grade"):
            c["source"] = "pass"
    json.dump(nb, open({source!r}, "w"))
except OSError:
    pass
"""
_MEMORY = """
import time
hog = []
for _ in range(40):
    hog.append(bytearray(100 * 2**20))
    time.sleep(0.05)
"""


@dataclass
class Case:
    """One submission: ``name``, whether it is ``honest`` (must score full marks) or a
    cheat/failure (must score no more than the blank handout), and what it does."""

    name: str
    honest: bool
    what: str


CASES = [
    Case("honest", True, "the teacher's solutions"),
    Case("blank", False, "the handout, untouched"),
    Case("warning_on_stderr", True, "solutions; grad_fn warns on stderr"),
    Case("foreign_kernelspec", True, "solutions; kernelspec 'julia-1.9'"),
    Case("bonus_cell", False, "blank + a made-up test cell worth 100 points"),
    Case("duplicated_tests", False, "blank + its test cells made `pass`, twice more"),
    Case("shadow_checker", False, "blank + `check_grad_fn = lambda *a, **k: Feedback.ok('x')`"),
    Case("patch_feedback", False, "blank + `Feedback.assert_passed = lambda self: None`"),
    Case("patch_checker_module", False, "blank + the checkers' `close` always True"),
    Case("reference_helpers", False, "answers that call `_autograd_grad` / `_reference_loop`"),
    Case("autograd_by_hand", False, "grad_fn computed with torch.autograd (asked by hand)"),
    Case("infinite_loop", False, "`while True: pass` in a solution cell"),
    Case("malformed", False, "not JSON"),
    Case("dead_kernel", False, "`os._exit(1)` in a solution cell"),
    Case("memory_hog", False, "allocates 4 GB"),
    Case("print_60mb", True, "solutions; prints 60 MB (graded, the output dropped)"),
    Case("tamper_files", False, "overwrites others' notebooks and the source's tests"),
    Case("delete_csv", False, "deletes the grades file being written"),
    Case("fork_child", False, "forks a process that keeps writing to others' files"),
]


# The layers cheats: each defines both answers through ``_grads(loss, tensors)``, the
# gradients of a scalar loss by a forbidden route (or, for the reference cheats, takes the
# answers from a reference it should not reach, and fails if it cannot).
_LAYERS_ANSWERS = """
def cal_grad(inputs, grad_out, W):
    return _grads(lambda i, w: ((i @ w) * grad_out).sum(), [inputs, W])

def three_layer_grads(x, y, params):
    names = ["W1", "b1", "W2", "b2", "W3", "b3"]
    def loss(*ts):
        p = dict(zip(names, ts))
        h = x
        for k in "123":
            h = h @ p["W" + k] + p["b" + k]
        return ((h.squeeze(-1) - y) ** 2).sum() ** 2 / 2
    return dict(zip(names, _grads(loss, [params[n] for n in names])))
"""
_LAYERS_GRADS = {
    "backward": "def _grads(f, ts):\n    ts = [t.detach().clone().requires_grad_() for t in ts]\n"
                "    f(*ts).backward()\n    return [t.grad for t in ts]\n",
    "autograd_grad": "def _grads(f, ts):\n"
                     "    ts = [t.detach().clone().requires_grad_() for t in ts]\n"
                     "    return list(torch.autograd.grad(f(*ts), ts))\n",
    "func_grad": "def _grads(f, ts):\n"
                 "    return list(torch.func.grad(f, argnums=tuple(range(len(ts))))(*ts))\n",
    "func_vjp": "def _grads(f, ts):\n    _, back = torch.func.vjp(f, *ts)\n"
                "    return list(back(torch.tensor(1.0)))\n",
    "inference_off": "def _grads(f, ts):\n    with torch.inference_mode(False):\n"
                     "        ts = [t.clone().requires_grad_() for t in ts]\n"
                     "        f(*ts).backward()\n    return [t.grad for t in ts]\n",
}
# honest answers, reached only if the reference could be read
_LAYERS_REFERENCES = {
    "import_training_gradients": "from gdwidgets.training.gradients import dense_backward\n",
    "read_training_gradients": (
        "import os, gdwidgets\n_p = os.path.join(os.path.dirname(gdwidgets.__file__), "
        "'training', 'gradients.py')\nassert 'def two_layer_chain' in open(_p).read()\n"),
    "read_checker_source": (
        "import os, gdwidgets\n_p = os.path.join(os.path.dirname(gdwidgets.__file__), "
        "'homework', 'checks', 'layers.py')\nassert 'def reference_cal_grad' in open(_p).read()\n"),
    "import_checker": "from gdwidgets.homework.checks.layers import reference_cal_grad\n",
}
LAYERS_CASES = [
    Case("honest", True, "the teacher's solutions"),
    Case("blank", False, "the handout, untouched"),
    *(Case(f"autograd_{k}" if not k.startswith("autograd") else k, False,
           f"both answers by autograd ({k})") for k in _LAYERS_GRADS),
    *(Case(k, False, "the solutions, behind a reference it should not reach")
      for k in _LAYERS_REFERENCES),
]


def build_layers(source: Path, out: Path) -> dict[str, Path]:
    """Write :data:`LAYERS_CASES` into ``out/<case>/layers.ipynb``; returns case -> path."""
    solved = nbformat.read(str(source), as_version=4)
    blank = student_version(source)
    grads = {(f"autograd_{k}" if not k.startswith("autograd") else k): v
             for k, v in _LAYERS_GRADS.items()}
    paths = {}
    for case in LAYERS_CASES:
        nb = copy.deepcopy(solved if case.name in ("honest", *_LAYERS_REFERENCES) else blank)
        if case.name in grads:
            _cell(nb, "cal_grad").source = grads[case.name] + _LAYERS_ANSWERS
            _cell(nb, "three_layer_grads").source = "# answered above"
        elif case.name in _LAYERS_REFERENCES:
            cell = _cell(nb, "cal_grad")
            cell.source = _LAYERS_REFERENCES[case.name] + cell.source
        paths[case.name] = out / case.name / "layers.ipynb"
        paths[case.name].parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(paths[case.name]))
    return paths


def _cell(nb: nbformat.NotebookNode, gid: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if _nbgrader(c).get("grade_id") == gid)


def _code(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


def build(source: Path, out: Path, csv: Path | None = None, layout: str = "{case}",
          victims: list[Path] | None = None) -> dict[str, Path]:
    """Write the class into ``out/<layout>/gradients.ipynb`` (``layout`` formatted with
    ``case``); returns case -> path. The hostile cases aim at ``source``, ``csv`` (the
    grades file being written) and ``victims`` (default: the honest submissions)."""
    solved = nbformat.read(str(source), as_version=4)
    blank = student_version(source)
    paths = {c.name: out / layout.format(case=c.name) / "gradients.ipynb" for c in CASES}
    blank_text = nbformat.writes(blank)
    others = [str(p) for p in victims] if victims is not None else [
        str(p) for name, p in paths.items() if name in ("honest", "warning_on_stderr")]
    nbs: dict[str, nbformat.NotebookNode] = {}
    for case in CASES:
        nb = copy.deepcopy(solved if case.honest else blank)
        grad = _cell(nb, "grad_fn")
        if case.name == "warning_on_stderr":
            grad.source = grad.source.replace(
                '"""\n', '"""\n    import warnings\n    warnings.warn("slow code")\n', 1)
        elif case.name == "foreign_kernelspec":
            nb.metadata["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia",
                                         "language": "julia"}
        elif case.name == "bonus_cell":
            bonus = _code("print('free points')")
            bonus.metadata["nbgrader"] = {"grade": True, "grade_id": "bonus", "points": 100,
                                          "locked": True, "solution": False,
                                          "schema_version": 3, "task": False}
            nb.cells.append(bonus)
        elif case.name == "duplicated_tests":
            tests = [c for c in nb.cells if _nbgrader(c).get("grade")]
            for t in tests:
                t.source = "pass"
            for _ in range(2):
                for t in tests:
                    dup = copy.deepcopy(t)
                    dup["id"] = f"{t.get('id', 'cell')}-{len(nb.cells)}"
                    nb.cells.append(dup)
        elif case.name == "shadow_checker":
            grad.source += ("\nfrom gdwidgets.homework import Feedback\n"
                            "check_grad_fn = lambda *a, **k: Feedback.ok('x')\n"
                            "check_training_loop = lambda *a, **k: Feedback.ok('x')\n")
        elif case.name == "patch_feedback":
            grad.source += ("\nfrom gdwidgets.homework import Feedback\n"
                            "Feedback.assert_passed = lambda self: None\n")
        elif case.name == "patch_checker_module":
            grad.source = ("import gdwidgets.homework.checks.gradients as g\n"
                           "g.close = lambda *a, **k: True\n"
                           "def grad_fn(t_u, t_c, t_p, w, b):\n    return torch.zeros(2)\n")
        elif case.name == "reference_helpers":
            grad.source = ("from gdwidgets.homework.checks.gradients import _autograd_grad, "
                           "_reference_loop\n"
                           "def grad_fn(t_u, t_c, t_p, w, b):\n"
                           "    return _autograd_grad(t_u, t_c, float(w), float(b)).float()\n")
            _cell(nb, "training_loop").source = (
                "def training_loop(n_epochs, learning_rate, params, t_u, t_c):\n"
                "    return _reference_loop(n_epochs)\n")
            _cell(nb, "training_loop_autograd").source = (
                "def training_loop_autograd(n_epochs, learning_rate, params, t_u, t_c):\n"
                "    answer = _reference_loop(n_epochs)\n"
                "    with torch.no_grad():\n"
                "        params.copy_(answer)\n    return params\n")
        elif case.name == "autograd_by_hand":
            grad.source = ("def grad_fn(t_u, t_c, t_p, w, b):\n"
                           "    p = torch.stack([w, b]).detach().requires_grad_()\n"
                           "    loss = ((p[0] * t_u + p[1] - t_c) ** 2).mean()\n"
                           "    return torch.autograd.grad(loss, p)[0]\n")
        elif case.name == "infinite_loop":
            grad.source += "\nwhile True:\n    pass\n"
        elif case.name == "dead_kernel":
            grad.source += "\nimport os\nos._exit(1)\n"
        elif case.name == "memory_hog":
            grad.source += _MEMORY
        elif case.name == "print_60mb":
            grad.source += "\nprint('x' * 60_000_000)\n"
        elif case.name == "tamper_files":
            grad.source += _TAMPER.format(blank=blank_text, others=others, source=str(source))
        elif case.name == "delete_csv":
            target = str(csv) if csv else "grades.csv"
            grad.source += f"\nimport os\ntry:\n    os.remove({target!r})\nexcept OSError:\n" \
                           "    pass\n"
        elif case.name == "fork_child":
            grad.source += _FORK.format(targets=others + [str(source)])
        nbs[case.name] = nb
    for name, path in paths.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "malformed":
            path.write_text('{"cells": [ this is not json', encoding="utf-8")
        else:
            nbformat.write(nbs[name], str(path))
    return paths


def _ours(corpus: Path, source: Path, work: Path) -> dict[str, float]:
    csv_path = work / "grades.csv"
    subprocess.run([sys.executable, "-m", "gdwidgets.homework", "grade", str(corpus),
                    "--source", str(source), "--csv", str(csv_path), "--timeout", "20",
                    "--notebook-timeout", "60", "--memory", "1500"], check=True)
    import csv

    scores: dict[str, float] = {}
    with open(csv_path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["grade_id"]:
                scores[row["student"]] = scores.get(row["student"], 0.0) + float(row["score"])
    return scores


def _nbgrader_scores(homework: Path, work: Path) -> dict[str, str]:
    """The same class through ``nbgrader autograde``, one student after another (the
    hostile ones first, as they would come in a real class), in a copy of ``homework/``;
    the hostile cases aim at nbgrader's own files (submitted/, source/, gradebook.db)."""
    course = work / "course"
    shutil.copytree(homework, course, ignore=shutil.ignore_patterns(
        "release", "submitted", "autograded", "feedback", "gradebook.db"))
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write("\nc.Execute.timeout = 20\nc.CourseDirectory.db_assignments = "
                "[dict(name='gradients')]\n")
    source = course / "source" / "gradients" / "gradients.ipynb"
    submitted = course / "submitted"
    victims = [submitted / n / "gradients" / "gradients.ipynb"
               for n in ("honest", "warning_on_stderr")]
    build(source, submitted, course / "gradebook.db", "{case}/gradients", victims)
    subprocess.run(["nbgrader", "generate_assignment", "gradients", "--force"], cwd=course,
                   capture_output=True, check=False)
    first = ["tamper_files", "fork_child"]
    order = first + [c.name for c in CASES if c.name not in first + ["delete_csv"]]
    from nbgrader.api import Gradebook, MissingEntry

    results: dict[str, str] = {}
    for name in [*order, "delete_csv"]:
        done = subprocess.run(["timeout", "300", "nbgrader", "autograde", "gradients",
                               "--student", name, "--force", "--create"], cwd=course,
                              capture_output=True, text=True, check=False)
        score = ""
        with contextlib.suppress(MissingEntry, Exception), \
                Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            score = f"{gb.find_submission('gradients', name).score:g}"
        errors = [line.strip() for line in (done.stdout + done.stderr).splitlines()
                  if "Error" in line and "[AutogradeApp" not in line]
        why = errors[-1][:80] if errors else f"exit {done.returncode}"
        results[name] = score if score and not done.returncode else (
            f"{score + ', ' if score else ''}failed: {why}")
    if not (course / "gradebook.db").exists():
        results["delete_csv"] += " (gradebook.db deleted)"
    return results


def main(argv: list[str]) -> int:
    homework = Path(argv[0] if argv else "homework").resolve()
    source = homework / "source" / "gradients" / "gradients.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        corpus = work / "submissions"
        build(source, corpus, work / "grades.csv")
        ours = _ours(corpus, source, work)
        theirs = _nbgrader_scores(homework, work)
    print("| case | what it does | our score | nbgrader's score | blank handout |")
    print("|---|---|---|---|---|")
    for case in CASES:
        print(f"| `{case.name}` | {case.what} | {ours.get(case.name, 0):g} / 8 | "
              f"{theirs.get(case.name, '?')} | {ours.get('blank', 0):g} |")
    print(json.dumps({"ours": ours, "nbgrader": theirs}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
