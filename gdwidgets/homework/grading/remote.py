"""Values across the sandbox boundary, as JSON (never pickle): the grader reads only data.

The grader's checkers run in the grader's own process; the student's functions run in the
sandbox. A :class:`StudentFunction` stands in for a student's function in the checker: each
call sends its arguments to the sandbox, which calls the real function and sends back the
result, the exception, the warnings and the arguments as the call left them (a training
loop updates its tensors in place). A call may name *helpers*, functions the student's one
calls by name (a loop's ``grad_fn``): for that call the sandbox binds each to a stand-in
whose calls come back to the grader as ``{"helper": name, "args": ...}`` and are answered
by the checker's reference, in the grader's process, with the value alone.
"""

from __future__ import annotations

import builtins
import json
import warnings
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["SandboxError", "StudentFunction", "decode", "decode_error", "encode",
           "encode_error", "opaque"]

MAX_NUMBERS = 1_000_000  # a bigger tensor is sent as an opaque object
MAX_TEXT = 4000
HELPER_ERRORS = ("TypeError", "ValueError", "RuntimeError", "IndexError")
_DTYPES = {str(t): t for t in (torch.float16, torch.bfloat16, torch.float32, torch.float64,
                               torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
                               torch.bool)}


class SandboxError(RuntimeError):
    """The sandbox did not answer: it timed out, died or sent something unreadable."""


def encode(value: Any, depth: int = 0) -> Any:
    """A JSON-able description of ``value``: numbers, strings, lists, tuples, dicts with
    string keys and tensors (data, dtype, requires_grad, leaf, grad); anything else as an
    opaque object that keeps only its type's name."""
    if value is None or isinstance(value, (bool, int, float)):
        return value if not isinstance(value, int) or abs(value) < 2**62 else float(value)
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if depth > 20:
        return {"opaque": type(value).__name__}
    if isinstance(value, torch.Tensor):
        t = value.detach()
        if t.numel() > MAX_NUMBERS or str(t.dtype) not in _DTYPES or t.is_sparse:
            return {"opaque": "Tensor"}
        grad = value.grad if value.is_leaf and value.requires_grad else None
        return {"tensor": t.cpu().tolist(), "dtype": str(t.dtype), "shape": list(t.shape),
                "requires_grad": bool(value.requires_grad), "leaf": bool(value.is_leaf),
                "grad": encode(grad, depth + 1) if grad is not None else None}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [encode(v, depth + 1) for v in value[:MAX_NUMBERS]]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"dict": {k: encode(v, depth + 1) for k, v in value.items()}}
    return {"opaque": type(value).__name__}


def opaque(type_name: str) -> Any:
    """An object whose type is called ``type_name`` and that does nothing else."""
    name = type_name if type_name.isidentifier() else "object"
    return type(name, (), {"__repr__": lambda self: f"<{name}>"})()


def decode(data: Any) -> Any:
    """The value that :func:`encode` described (tensors rebuilt with their autograd flags)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or len(data) == 0:
        raise SandboxError(f"unreadable value {str(data)[:80]!r}")
    if "tensor" in data:
        dtype = _DTYPES.get(data.get("dtype"), torch.float64)
        t = torch.tensor(data["tensor"], dtype=dtype).reshape(data.get("shape", [-1]))
        if data.get("requires_grad") and t.is_floating_point():
            t.requires_grad_()
            if data.get("grad") is not None:
                grad = decode(data["grad"])
                if isinstance(grad, torch.Tensor) and grad.shape == t.shape:
                    t.grad = grad.to(t.dtype).detach()
            if not data.get("leaf", True):
                t = t.clone()  # a tensor with a grad_fn, as the student's was
        return t
    if "list" in data:
        return [decode(v) for v in data["list"]]
    if "tuple" in data:
        return tuple(decode(v) for v in data["tuple"])
    if "dict" in data:
        return {str(k): decode(v) for k, v in data["dict"].items()}
    return opaque(str(data.get("opaque", "object")))


def encode_error(exc: BaseException, frame: tuple[int, str] | None) -> dict[str, Any]:
    """An exception as data: its type's name, message and the student's line."""
    name = type(exc).__name__
    builtin = getattr(builtins, name, None) is type(exc)
    return {"type": name, "builtin": builtin, "message": str(exc)[:MAX_TEXT],
            "frame": list(frame) if frame else None,
            "by_hand": bool(getattr(exc, "by_hand", False))}


def decode_error(data: dict[str, Any]) -> Exception:
    """An exception like the student's (same type name and message) for the checker."""
    name = str(data.get("type", "Exception"))
    cls = getattr(builtins, name, None) if data.get("builtin") else None
    exc: Exception
    try:
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            raise TypeError
        exc = cls(data.get("message", ""))
    except Exception:
        safe = name if name.isidentifier() else "StudentError"
        exc = type(safe, (Exception,), {})(data.get("message", ""))
    if isinstance(data.get("frame"), list) and len(data["frame"]) == 2:
        exc.student_frame = (int(data["frame"][0]), str(data["frame"][1]))  # type: ignore
    if data.get("by_hand"):
        exc.by_hand = True  # type: ignore[attr-defined]
    return exc


def _put_back(original: Any, after: Any) -> None:
    """Give the checker's tensor argument the data and grad the student's call left."""
    if not isinstance(original, torch.Tensor) or not isinstance(after, dict):
        return
    if "tensor" not in after:
        return
    new = decode({**after, "requires_grad": False, "grad": None})
    if new.shape == original.shape:
        with torch.no_grad():
            original.copy_(new.to(original.dtype))
    if original.is_leaf and original.requires_grad:
        grad = decode(after["grad"]) if after.get("grad") is not None else None
        original.grad = (grad.to(original.dtype) if isinstance(grad, torch.Tensor)
                         and grad.shape == original.shape else None)


class StudentFunction:
    """Stands in for the student's function ``name`` (which runs in the sandbox).

    Parameters
    ----------
    name : str
        The function's name in the student's notebook.
    ask : callable
        Sends one request (a dict) to the sandbox and returns its answer (a dict); raises
        :class:`SandboxError` if the sandbox does not answer in time.
    """

    def __init__(self, name: str, ask: Callable[[dict[str, Any]], dict[str, Any]],
                 helpers: dict[str, Callable[..., Any]] | None = None) -> None:
        self.__name__ = self.name = name
        self._ask = ask
        self._helpers = dict(helpers or {})

    def __repr__(self) -> str:
        return f"<student function {self.name}>"

    def with_helpers(self, helpers: dict[str, Callable[..., Any]]) -> StudentFunction:
        """The same function, called with ``helpers`` answered here (see the module)."""
        return StudentFunction(self.name, self._ask, {**self._helpers, **helpers})

    def _helper_answer(self, request: dict[str, Any]) -> dict[str, Any]:
        """The reference's value for one call of a helper from the sandbox; an error
        carries only its type's name, never the reference's message or lines."""
        fn = self._helpers.get(str(request.get("helper")))
        try:
            if fn is None:
                raise NameError("not a helper of this call")
            args = [decode(a) for a in request.get("args", [])][:20]
            kwargs = request.get("kwargs")
            kwargs = {str(k): decode(v) for k, v in kwargs.items()} \
                if isinstance(kwargs, dict) else {}
            return {"op": "helper", "name": self.name, "value": encode(fn(*args, **kwargs))}
        except Exception as exc:
            name = type(exc).__name__
            name = name if name in HELPER_ERRORS else "ValueError"
            return {"op": "helper", "name": self.name, "error": {
                "type": name, "builtin": True, "frame": None,
                "message": f"the reference {request.get('helper')!s:.40} could not use "
                           "these arguments"}}

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from ..checks.feedback import BY_HAND

        answer = self._ask({"op": "call", "name": self.name, "by_hand": BY_HAND.get(),
                            "helpers": sorted(self._helpers),
                            "args": [encode(a) for a in args],
                            "kwargs": {k: encode(v) for k, v in kwargs.items()}})
        while "helper" in answer:  # the student's function called a helper: answer it
            answer = self._ask(self._helper_answer(answer))
        for original, after in zip(args, answer.get("args", [])):
            _put_back(original, after)
        for key, after in answer.get("kwargs", {}).items():
            _put_back(kwargs.get(key), after)
        for message in answer.get("warnings", [])[:20]:
            warnings.warn(str(message)[:MAX_TEXT], UserWarning, stacklevel=2)
        if answer.get("error") is not None:
            raise decode_error(answer["error"])
        return decode(answer.get("value"))


def dumps(message: dict[str, Any]) -> bytes:
    """One protocol line."""
    return (json.dumps(message, ensure_ascii=True) + "\n").encode()
