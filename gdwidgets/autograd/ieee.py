"""Numbers at the edges, as IEEE 754 and torch float64 have them.

Plain Python raises where IEEE 754 has an answer (``1.0 / 0`` is a ZeroDivisionError,
``math.exp(1000)`` an OverflowError, ``math.log(0)`` a ValueError) and turns complex
where IEEE 754 says nan (``(-4.0) ** 0.5``). Each function here is the plain one with
IEEE 754's answer in place of the exception, so the engine's ops give what torch gives:
inf, -inf or nan, never a complex number and never an exception.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["div", "power", "log", "exp", "sigmoid", "real", "number", "to_float"]

inf, nan = math.inf, math.nan


def div(a: float, b: float) -> float:
    """``a / b``; x/0 is ±inf (the sign of x times the sign of the zero), 0/0 nan."""
    try:
        return a / b
    except ZeroDivisionError:
        return nan if a == 0 or a != a else math.copysign(inf, a) * math.copysign(1.0, b)


def _odd(b: float) -> bool:
    return b % 2 == 1


def power(a: float, b: float) -> float:
    """``a ** b`` as C's pow: a negative base to a fraction is nan, 0 to a negative power
    ±inf, too large ±inf. ``a ** 0.5`` and ``a ** -0.5`` are ``±sqrt`` as torch computes
    them for a number exponent: ``(-0.0) ** 0.5`` is -0.0, ``(-inf) ** 0.5`` nan."""
    if b == 0.5 or b == -0.5:
        try:
            r = math.sqrt(a)
        except ValueError:
            return nan
        return r if b > 0 else div(1.0, r)
    try:
        return math.pow(a, b)
    except OverflowError:  # -inf only for a negative base and an odd exponent
        return -inf if a < 0 and _odd(b) else inf
    except ValueError:  # 0 to a negative power, or a negative base to a fraction
        return (math.copysign(inf, a) if _odd(b) else inf) if a == 0 else nan


def log(a: float) -> float:
    """``math.log(a)``; log(0) is -inf, the log of a negative number nan."""
    try:
        return math.log(a)
    except ValueError:
        return -inf if a == 0 else nan


def exp(a: float) -> float:
    """``math.exp(a)``; inf when too large."""
    try:
        return math.exp(a)
    except OverflowError:
        return inf


def sigmoid(a: float) -> float:
    """``1 / (1 + exp(-a))``, written so that exp only ever sees a number <= 0."""
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def to_float(x: float | int) -> float:
    """``float(x)``; an int beyond a float's range is ±inf."""
    try:
        return float(x)
    except OverflowError:
        return inf if x > 0 else -inf


def real(x: Any) -> float | int | None:
    """``x`` as a Python int or float if it is a real number a float can hold, else None
    (str, bytes, bool, complex, a tensor of several numbers, an int of 400 digits).
    Other number types (numpy, 0-dim torch tensors) become floats."""
    t = type(x)
    if t is float:
        return x
    if t is int:
        return x if math.isfinite(to_float(x)) else None
    kind = str(getattr(x, "dtype", ""))
    if isinstance(x, (bool, str, bytes, complex)) or "bool" in kind or "complex" in kind:
        return None
    try:
        return float(x)
    except (TypeError, ValueError, OverflowError, RuntimeError):
        return None


def number(x: Any, who: str, keep_int: bool = False) -> float | int:
    """``x`` as the number a node holds (a float; an int as it is with ``keep_int``);
    TypeError naming ``x`` and ``who`` (the class) if it is not a real number."""
    v = real(x)
    if v is None:
        hint = ("convert it with float() first" if isinstance(x, (str, bytes)) else
                "write 1.0 or 0.0" if isinstance(x, bool) or "bool" in str(
                    getattr(x, "dtype", "")) else "pass an int or a float")
        raise TypeError(f"{who} needs a real number, got {x!r} ({type(x).__name__}): {hint}")
    return v if keep_int else float(v)
