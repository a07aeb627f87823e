"""The sandbox: runs one student's notebook code and answers the grader's calls.

Started by the grader (``python -m gdwidgets.homework.grading.sandbox IN OUT``, two pipe file
descriptors), contained (see :mod:`.containment`). It reads the job (the code cells to run:
the teacher's setup, the student's answers; the student's files; its containment), joins
its cgroup, imports what the lessons use, sets itself up (see :mod:`.inside`) and drops
every privilege for good before any student code runs. The checkers are not loaded here
(their names are stubs; their files are hidden): the grader runs them in its own process.
It runs the cells in an IPython shell, reports each cell, and then answers requests, one
JSON line each: ``describe`` a name, ``call`` a function with arguments (and helpers it
calls by name, bound for that call to stand-ins answered by the grader). Nothing it sends
is trusted: the grader reads it as data and scores in its own process.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import sys
import traceback
import warnings
from typing import Any

PRELOAD = ("torch", "numpy", "math", "random", "itertools", "functools", "collections",
           "json", "re", "time", "copy", "statistics", "fractions", "decimal", "typing",
           "dataclasses", "gdwidgets", "gdwidgets.datasets", "gdwidgets.homework",
           "gdwidgets.homework.grading.remote", "gdwidgets.homework.checks.feedback",
           "IPython.core.interactiveshell", "bdb", "pdb",
           "inspect", "ast", "tokenize", "linecache", "textwrap", "string", "operator",
           "numbers", "warnings", "contextlib", "traceback", "datetime", "pprint")
# Run as root before the switch, so that what it loads lazily is loaded (the interpreter
# may live where the sandbox user cannot read, e.g. under /root).
WARM_UP = """\
import torch
_w = torch.ones(2, requires_grad=True)
_l = (_w * torch.tensor([2.0, 3.0])).pow(2).mean()
_l.backward()
with torch.no_grad():
    _w -= 0.1 * _w.grad
_w.grad.zero_()
with torch.inference_mode():
    torch.stack([_w.sum(), _w.mean()])
print(repr(_w), float(_l))
del _w, _l
"""


# The student-facing names of gdwidgets.homework: stubs in the sandbox (the test cells that
# call the real checkers run in the grader's process).
CHECKERS = ("check_cal_grad", "check_chain_rule", "check_grad_fn", "check_quadratic",
            "check_quadratic_forward", "check_three_layer_grads", "check_training_loop",
            "check_zero_grad")
# The package's by-hand formulas outside homework/ (they would answer the assignments):
# unimportable in the sandbox, their files (and compiled copies) hidden like the checkers'.
# Names that do not exist (yet) are skipped.
REFERENCE_MODULES = ("gdwidgets.training.gradients", "gdwidgets.training.chain_rule",
                     "gdwidgets.training.layer_checks", "gdwidgets.training.layer_check",
                     "gdwidgets.training.layers")
# The modules of gdwidgets.homework that the sandbox loads (relative to it); every other
# module of homework/, checks/ and grading/ cannot be imported there
LOADED = ("__init__", "checks", "grading", "grading.sandbox", "grading.remote",
          "checks.feedback", "grading.inside")
ROOMS = ("", "checks", "grading")


def _stub(name: str) -> Any:
    def check(*args: Any, **kwargs: Any) -> Any:
        from gdwidgets.homework.checks.feedback import Feedback

        return Feedback(name, True, [f"{name}: checked when the notebook is graded"])

    check.__name__ = name
    return check


def reference_files() -> list[str]:
    """The files of ``REFERENCE_MODULES`` that exist: each source and its compiled copies
    (found by path, without importing them)."""
    import glob

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # root: gdwidgets/ (this file is gdwidgets/homework/grading/sandbox.py)
    files = []
    for module in REFERENCE_MODULES:
        *folders, stem = module.split(".")[1:]
        folder = os.path.join(root, *folders)
        files += [p for p in [os.path.join(folder, f"{stem}.py"),
                              *glob.glob(os.path.join(folder, "__pycache__", f"{stem}.*.pyc"))]
                  if os.path.isfile(p) and not os.path.islink(p)]
        if os.path.isdir(os.path.join(folder, stem)):  # a package of that name
            files.append(os.path.join(folder, stem))
    return files


def switch_off_references() -> None:
    """The checker modules and ``REFERENCE_MODULES`` cannot be imported (``None`` in
    ``sys.modules``; their files are hidden too when there is a mount namespace); the
    checkers' names are stubs."""
    for module in REFERENCE_MODULES:
        sys.modules[module] = None  # type: ignore[assignment]
    package = importlib.import_module("gdwidgets.homework")
    folder = os.path.dirname(package.__file__ or "")
    for room in ROOMS:
        with contextlib.suppress(OSError):
            for entry in os.listdir(os.path.join(folder, room)):
                name = ".".join(filter(None, (room, entry.removesuffix(".py"))))
                if entry.endswith(".py") and name not in LOADED:
                    sys.modules.setdefault(f"gdwidgets.homework.{name}", None)  # type: ignore
    for name in CHECKERS:
        setattr(package, name, _stub(name))


class Sink(io.TextIOBase):
    """stdout / stderr of student code: counts everything, keeps the first ``keep``."""

    def __init__(self, keep: int = 20_000) -> None:
        self.keep, self.text, self.size = keep, [], 0

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        n = len(s) if isinstance(s, str) else 0
        if self.size < self.keep:
            self.text.append(str(s)[: self.keep - self.size])
        self.size += n
        return n

    def take(self) -> str:
        text, self.text = "".join(self.text), []
        return text


class Sandbox:
    """The student's side of the protocol (see the module's docstring)."""

    def __init__(self, fd_in: int, fd_out: int) -> None:
        self.inp = os.fdopen(fd_in, "rb")
        self.out = os.fdopen(fd_out, "wb", buffering=0)
        self.sink = Sink()
        self.shell: Any = None

    def send(self, message: dict[str, Any]) -> None:
        from gdwidgets.homework.grading.remote import dumps

        message["output_size"] = self.sink.size
        self.out.write(dumps(message))

    def receive(self) -> dict[str, Any] | None:
        import json

        line = self.inp.readline()
        return json.loads(line) if line else None

    def make_shell(self) -> None:
        """The IPython shell that runs the cells, warmed up (see ``WARM_UP``)."""
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        self.shell = InteractiveShell.instance(config=config)
        with contextlib.redirect_stdout(self.sink), contextlib.redirect_stderr(self.sink):
            self.shell.run_cell(WARM_UP, store_history=False)
            self.shell.run_cell("raise ValueError('warm-up')", store_history=False)
            warnings.warn("warm-up", stacklevel=1)
        self.sink.take()
        self.sink.size = 0

    def run_cells(self, cells: list[dict[str, Any]]) -> None:
        for i, cell in enumerate(cells):
            self.send({"event": "cell", "index": i})
            with contextlib.redirect_stdout(self.sink), contextlib.redirect_stderr(self.sink):
                result = self.shell.run_cell(cell["source"], store_history=False)
            error = result.error_in_exec or result.error_before_exec
            self.send({"event": "cell_done", "index": i, "output": self.sink.take()[:2000],
                       "error": f"{type(error).__name__}: {error}"[:2000] if error else None})

    def describe(self, name: str) -> dict[str, Any]:
        from gdwidgets.homework.grading.remote import encode

        ns = self.shell.user_ns if self.shell is not None else {}
        if name not in ns:
            return {"kind": "missing"}
        value = ns[name]
        if callable(value) and not isinstance(value, type):
            return {"kind": "callable"}
        return {"kind": "value", "value": encode(value)}

    def helper(self, name: str) -> Any:
        """A stand-in for the helper ``name``: each call is sent to the grader, which
        answers with the reference's value (or an error) for these arguments."""
        from gdwidgets.homework.grading.remote import SandboxError, decode, decode_error, encode

        def helper(*args: Any, **kwargs: Any) -> Any:
            self.send({"helper": name, "args": [encode(a) for a in args],
                       "kwargs": {k: encode(v) for k, v in kwargs.items()}})
            answer = self.receive()
            if not isinstance(answer, dict) or answer.get("op") != "helper":
                raise SandboxError("the grader stopped answering")
            if answer.get("error") is not None:
                raise decode_error(answer["error"])
            return decode(answer.get("value"))

        helper.__name__ = name
        return helper

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        from gdwidgets.homework.checks.feedback import _student_frame, by_hand_mode
        from gdwidgets.homework.grading.remote import decode, encode, encode_error

        ns = self.shell.user_ns if self.shell is not None else {}
        fn = ns.get(request["name"])
        args = [decode(a) for a in request.get("args", [])]
        kwargs = {k: decode(v) for k, v in request.get("kwargs", {}).items()}
        answer: dict[str, Any] = {"value": None, "error": None}
        names = [str(n) for n in request.get("helpers") or [] if str(n).isidentifier()]
        missing = object()
        saved = {n: ns.get(n, missing) for n in names}
        ns.update({n: self.helper(n) for n in names})
        with warnings.catch_warnings(record=True) as caught, \
                contextlib.redirect_stdout(self.sink), contextlib.redirect_stderr(self.sink):
            warnings.simplefilter("always")
            try:
                if not callable(fn):
                    raise NameError(f"name {request['name']!r} is not defined")
                if request.get("by_hand"):
                    with by_hand_mode():
                        value = fn(*args, **kwargs)
                else:
                    value = fn(*args, **kwargs)
                answer["value"] = encode(value)
            except Exception as exc:  # student code may raise anything
                if request.get("by_hand"):
                    exc.by_hand = True  # type: ignore[attr-defined]
                frame = _student_frame(exc)
                where = (frame.lineno, (frame.line or "").strip()) if frame else None
                answer["error"] = encode_error(exc, where)
        for n, value in saved.items():
            if value is missing:
                ns.pop(n, None)
            else:
                ns[n] = value
        answer["args"] = [encode(a) for a in args]
        answer["kwargs"] = {k: encode(v) for k, v in kwargs.items()}
        answer["warnings"] = [str(w.message)[:2000] for w in caught[:20]]
        self.sink.take()
        return answer

    def serve(self) -> None:
        from gdwidgets.homework.grading import inside

        job = self.receive() or {}
        inside.join_cgroups([str(p) for p in job.get("cgroups", [])])
        switch_off_references()
        for name in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        inside.enter(job)
        job.pop("files", None)
        self.sink.keep = int(job.get("keep") or self.sink.keep)
        self.make_shell()
        inside.seal(job)
        import gdwidgets

        gdwidgets.set_language(job.get("language", "en"))
        self.send({"event": "started", "uid": os.getuid()})
        self.run_cells(job.get("cells", []))
        self.send({"event": "ready"})
        while (request := self.receive()) is not None:
            if request.get("op") == "describe":
                self.send(self.describe(str(request.get("name"))))
            elif request.get("op") == "call":
                self.send(self.call(request))
            else:
                break


def main(argv: list[str]) -> int:
    sandbox = Sandbox(int(argv[0]), int(argv[1]))
    try:
        sandbox.serve()
    except BaseException as exc:  # report, then die: the grader scores the notebook 0
        with contextlib.suppress(Exception):
            text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            sandbox.send({"event": "crashed", "error": text[:2000]})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
