"""Feedback (what a checker returns) and safe calls of student code."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import html
import io
import re
import sysconfig
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...i18n import register, tr
from ...views.style.palette import FAILED, PASSED

__all__ = ["BY_HAND", "Call", "CheckFailed", "Feedback", "by_hand_mode", "call_student",
           "checker", "describe_error", "is_by_hand_error", "shown_name"]

# True while a checker calls a function that must compute its gradients by hand: the call
# runs under torch.inference_mode(), where autograd cannot work (read by the grader's proxy).
BY_HAND: contextvars.ContextVar[bool] = contextvars.ContextVar("by_hand", default=False)

register(
    {
        "hw.passed": ("{name}: all checks passed.", "{name}：全部检查通过。"),
        "hw.head": ("{name}: {text}", "{name}：{text}"),
        "hw.not_written": (
            "{name} is not written yet: replace `raise NotImplementedError()` with your code.",
            "{name} 还没有写：把 `raise NotImplementedError()` 换成你的代码。",
        ),
        "hw.not_defined": (
            "{name} is not defined: run the cell where you define it (or write it first).",
            "{name} 还没有定义：先运行（或先写好）定义它的那个单元格。",
        ),
        "hw.not_callable": (
            "{name} should be a function (def {name}(...): ...), got {kind}.",
            "{name} 应该是一个函数（def {name}(...): ...），但得到的是 {kind}。",
        ),
        "hw.raised": (
            "{name} raised {error}: {text}",
            "{name} 抛出了 {error}：{text}",
        ),
        "hw.where": (" (at line {line}: `{code}`)", "（第 {line} 行：`{code}`）"),
        "hw.checker_failed": (
            "The checker could not evaluate {name} ({error}: {text}). Check that it takes "
            "and returns what the exercise asks for.",
            "检查程序无法评估 {name}（{error}：{text}）。请确认它的参数和返回值符合题目要求。",
        ),
        "hw.by_hand": (
            "Compute the gradients by hand: this exercise runs your function without "
            "autograd, so backward() / torch.autograd cannot be used.",
            "请手算梯度：这道题在没有 autograd 的情况下运行你的函数，"
            "不能用 backward() / torch.autograd。",
        ),
        "hw.returned_none": (
            "{name} returned None: did you forget `return`?",
            "{name} 返回了 None：是不是忘了写 `return`？",
        ),
    }
)

BY_HAND_ERROR = "does not require grad"
# what torch says when autograd is reached in by_hand_mode (torch.func refuses to run
# under saved-tensor hooks; a graph that saves a tensor meets our hook)
BY_HAND_ERRORS = (BY_HAND_ERROR, "saved tensor hooks")
_PACKAGE_DIRS = (str(Path(__file__).resolve().parents[2]), "site-packages", "/torch/",
                 sysconfig.get_paths()["stdlib"])


class CheckFailed(AssertionError):
    """A failed check: an AssertionError (nbgrader scores the cell 0) that Jupyter shows as
    the hints alone, in red, without a traceback into the checker."""

    def _render_traceback_(self) -> list[str]:
        red, bold, reset = "\x1b[31m", "\x1b[1m", "\x1b[0m"
        lines = str(self).strip("\n").splitlines() or [""]
        return [f"{red}{bold}{lines[0]}{reset}", *lines[1:]]


@dataclass
class Feedback:
    """A checker's verdict: ``passed`` and the ``messages`` to act on (current language).

    Shows as a green ✓ / red ✗ box in Jupyter; ``assert_passed()`` raises AssertionError
    with the hints, for nbgrader's autograder cells.
    """

    name: str
    passed: bool
    messages: list[str] = field(default_factory=list)

    @classmethod
    def ok(cls, name: str, *messages: str) -> Feedback:
        return cls(name, True, [tr("hw.passed", name=name), *messages])

    @classmethod
    def fail(cls, name: str, *messages: str) -> Feedback:
        """A failed check; the first message is headed by ``name`` unless it names it."""
        first = list(messages[:1])
        if first and not re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", first[0]):
            first = [tr("hw.head", name=name, text=first[0])]
        return cls(name, False, [*first, *messages[1:]])

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = "✓" if self.passed else "✗"
        return "\n".join(f"{mark} {m}" if i == 0 else f"  {m}"
                         for i, m in enumerate(self.messages or [self.name]))

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color, mark = (PASSED, "✓") if self.passed else (FAILED, "✗")
        items = "".join(f"<li>{html.escape(m)}</li>" for m in self.messages[1:])
        head = html.escape(self.messages[0] if self.messages else self.name)
        rest = f"<ul style='margin:4px 0 0 0'>{items}</ul>" if items else ""
        return (f"<div style='border-left:4px solid {color};padding:4px 8px;margin:4px 0'>"
                f"<b style='color:{color}'>{mark}</b> {head}{rest}</div>")

    def assert_passed(self) -> None:
        """Raise :class:`CheckFailed` (an AssertionError) carrying the hints unless passed;
        if passed, show the ✓ in Jupyter. Returns None: nbgrader reads a test cell's
        *result* as partial credit, so the ✓ is displayed (display_data), not returned."""
        if not self.passed:
            raise CheckFailed("\n" + str(self)) from None
        try:
            from IPython import get_ipython
            from IPython.display import display
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            return
        if get_ipython() is not None:
            display(self)


@dataclass
class Call:
    """What calling student code gave: ``value`` or ``error``, printed text, warnings."""

    value: Any = None
    error: BaseException | None = None
    output: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def warned_non_leaf(self) -> bool:
        return any("not a leaf" in w for w in self.warnings)


def shown_name(fn: Any, default: str) -> str:
    """The name the student gave the function being checked (``training_loop_autograd``),
    or ``default`` for a lambda, a missing function or anything without a plain name."""
    try:
        name = getattr(fn, "__name__", None)
    except Exception:  # student objects may raise anything
        return default
    return name if isinstance(name, str) and name.isidentifier() else default


@contextlib.contextmanager
def _substituted(fn: Any, helpers: dict[str, Callable[..., Any]]) -> Any:
    """The globals of the student's function ``fn`` hold ``helpers`` for the duration
    (what ``fn`` calls by those names is the checker's reference)."""
    names = getattr(fn, "__globals__", None)
    if not isinstance(names, dict):
        yield
        return
    missing = object()
    saved = {name: names.get(name, missing) for name in helpers}
    names.update(helpers)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                names.pop(name, None)
            else:
                names[name] = value


def is_by_hand_error(exc: BaseException) -> bool:
    """Whether ``exc`` is autograd refusing to work in :func:`by_hand_mode`."""
    return any(marker in str(exc) for marker in BY_HAND_ERRORS)


def _no_graph(tensor: Any) -> Any:
    raise RuntimeError("autograd is off here: the gradients are computed by hand "
                       "(this input does not require grad)")


@contextlib.contextmanager
def by_hand_mode() -> Any:
    """Autograd off for student code that must compute gradients by hand: inference mode
    (``backward()`` and ``torch.autograd.grad`` find no graph), and saved-tensor hooks
    that refuse to save (``torch.func.grad`` / ``vjp`` refuse to run under them; a graph
    built in ``inference_mode(False)`` cannot save what its backward needs)."""
    import torch

    with torch.inference_mode(), torch.autograd.graph.saved_tensors_hooks(_no_graph, _no_graph):
        yield


def call_student(fn: Callable[..., Any], *args: Any, by_hand: bool = False,
                 helpers: dict[str, Callable[..., Any]] | None = None,
                 **kwargs: Any) -> Call:
    """Call ``fn`` quietly: its prints are captured, its exceptions returned, not raised.

    ``by_hand``: the exercise asks for gradients by hand, so ``fn`` runs under
    ``torch.inference_mode()``, where autograd (and the package's autograd-based reference
    helpers) cannot work.
    ``helpers``: names that ``fn`` calls, answered by the given references for this call
    (in the student's kernel ``fn``'s globals hold them for the call; a function that runs
    in the grader's sandbox has each call of them answered by the grader, see
    :class:`..grading.remote.StudentFunction`).
    """
    out = io.StringIO()
    call = Call()
    if helpers:
        from ..grading.remote import StudentFunction

        if isinstance(fn, StudentFunction):
            fn = fn.with_helpers(helpers)
        else:
            fn = functools.partial(_call_substituted, fn, helpers)
    with contextlib.ExitStack() as stack:
        caught = stack.enter_context(warnings.catch_warnings(record=True))
        stack.enter_context(contextlib.redirect_stdout(out))
        warnings.simplefilter("always")
        if by_hand:
            stack.enter_context(by_hand_mode())
            token = BY_HAND.set(True)
            stack.callback(BY_HAND.reset, token)
        try:
            call.value = fn(*args, **kwargs)
        except Exception as exc:  # student code may raise anything
            call.error = exc
            if by_hand:
                with contextlib.suppress(AttributeError, TypeError):
                    exc.by_hand = True  # type: ignore[attr-defined]
    call.output = out.getvalue()
    call.warnings = [str(w.message) for w in caught]
    return call


def _call_substituted(fn: Callable[..., Any], helpers: dict[str, Callable[..., Any]],
                      *args: Any, **kwargs: Any) -> Any:
    with _substituted(fn, helpers):
        return fn(*args, **kwargs)


def _student_frame(exc: BaseException) -> traceback.FrameSummary | None:
    remote = getattr(exc, "student_frame", None)  # an error that happened in the sandbox
    if remote is not None:
        return traceback.FrameSummary("<student>", remote[0], "", line=remote[1])
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if not any(d in f.filename for d in _PACKAGE_DIRS)]
    return mine[-1] if mine else None


def describe_error(name: str, exc: BaseException, hint: str | None = None) -> str:
    """One line naming the exception, where in the student's code, and a hint."""
    if isinstance(exc, NotImplementedError) and not str(exc):  # nbgrader's stub
        return tr("hw.not_written", name=name)
    if hint is None and is_by_hand_error(exc) and getattr(exc, "by_hand", False):
        hint = tr("hw.by_hand")
    text = tr("hw.raised", name=name, error=type(exc).__name__, text=str(exc).split("\n")[0])
    frame = _student_frame(exc)
    if frame is not None and frame.line:
        text += tr("hw.where", line=frame.lineno, code=frame.line.strip())
    if not hint:
        return text
    return f"{text} {hint}" if text.endswith((".", "。", ")", "）")) else f"{text}. {hint}"


def check_callable(name: str, fn: Any) -> Feedback | None:
    """A failing Feedback if ``fn`` is not a function, else None."""
    if fn is None or fn is Ellipsis:
        return Feedback.fail(name, tr("hw.not_defined", name=name))
    if not callable(fn):
        return Feedback.fail(name, tr("hw.not_callable", name=name, kind=type(fn).__name__))
    return None


def checker(name: str) -> Callable[[Callable[..., Feedback]], Callable[..., Feedback]]:
    """Make a checker total: whatever odd value the student's code produced, an error of
    the checker itself becomes a failing Feedback, never an exception in the notebook."""

    def wrap(check: Callable[..., Feedback]) -> Callable[..., Feedback]:
        @functools.wraps(check)
        def safe(*args: Any, **kwargs: Any) -> Feedback:
            try:
                return check(*args, **kwargs)
            except Exception as exc:
                shown = shown_name(args[0] if args else None, name)
                return Feedback.fail(shown, tr("hw.checker_failed", name=shown,
                                               error=type(exc).__name__, text=exc))
        return safe

    return wrap
