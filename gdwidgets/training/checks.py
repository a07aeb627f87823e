"""Checking a value against its setting (:mod:`gdwidgets.settings`): one check
per value, a ``ValueError`` naming the setting and what is allowed, in the current
language. No torch here: widgets check their input with it before any training."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from ..data import as_dataset
from ..i18n import register, tr
from ..settings import Setting, here

__all__ = ["check", "check_all", "fail", "is_int", "is_real", "show"]

register({
    "config.lr": (
        "{name} must be a finite number > 0, got {value}",
        "{name} 必须是大于 0 的有限数，得到的是 {value}",
    ),
    "config.int_range": (
        "{name} must be an integer between {lo} and {hi}, got {value}",
        "{name} 必须是 {lo} 到 {hi} 之间的整数，得到的是 {value}",
    ),
    "config.choice": (
        "{name} must be one of {allowed}, got {value}",
        "{name} 必须是 {allowed} 之一，得到的是 {value}",
    ),
    "config.bool": (
        "{name} must be True or False, got {value}",
        "{name} 必须是 True 或 False，得到的是 {value}",
    ),
    "config.normalize": (
        "normalize must be False, True (standardise inputs) or a finite number other "
        "than 0 and 1 to multiply inputs by (1 would leave them raw: use False), got "
        "{value}",
        "normalize 必须是 False、True（标准化输入）或一个不等于 0 和 1 的有限数（输入乘以它；"
        "乘以 1 就是原始输入：请用 False），得到的是 {value}",
    ),
    "config.seed": (
        "seed must be an integer >= 0, got {value}",
        "seed 必须是大于等于 0 的整数，得到的是 {value}",
    ),
    "settings.real_range": (
        "{name} must be a number between {lo:g} and {hi:g}, got {value}",
        "{name} 必须是 {lo:g} 到 {hi:g} 之间的数，得到的是 {value}",
    ),
    "settings.batch_size": (
        "batch_size must be None (full batch) or an integer between 1 and {hi}, got {value}",
        "batch_size 必须是 None（全批量）或 1 到 {hi} 之间的整数，得到的是 {value}",
    ),
    "settings.shuffle": (
        "shuffle must be False, True or 'loader' (torch DataLoader's order, seed 002), got "
        "{value}",
        "shuffle 必须是 False、True 或 'loader'（torch DataLoader 的顺序，种子 002），得到的是 "
        "{value}",
    ),
    "settings.lr_range": (
        "{name} must be two learning rates (low, high), low < high, both between {lo:g} and "
        "{hi:g}, got {value}{hint}",
        "{name} 必须是两个学习率 (low, high)，low < high，都在 {lo:g} 到 {hi:g} 之间，"
        "得到的是 {value}{hint}",
    ),
    "settings.lr_range_log": (
        " (learning rates, not their log10: (-4, -1) is now written (1e-4, 0.1))",
        "（是学习率本身，不是它的 log10：(-4, -1) 现在写作 (1e-4, 0.1)）",
    ),
    "settings.unknown": (
        "{cls}() has no setting {value}; its settings are {allowed}",
        "{cls}() 没有设置 {value}；它的设置是 {allowed}",
    ),
})


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def fail(key: str, value: Any, **fields: Any) -> ValueError:
    return ValueError(tr(key, value=show(value), **fields))


def is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _choices(allowed: Iterable[Any]) -> str:
    return ", ".join(map(repr, allowed))


def check(s: Setting, value: Any, *, hi: float | None = None) -> Any:
    """``value`` checked against setting ``s`` (``hi``: a tighter upper bound, e.g. the
    number of points); returns it normalised (plain int/float/bool). Raises ValueError
    naming the setting and what is allowed, in the current language."""
    top = s.hi if hi is None else hi
    kind, name = s.kind, s.name
    if kind == "int":
        if not is_int(value) or not s.lo <= value <= top:
            if name == "seed":
                raise fail("config.seed", value)
            raise fail("config.int_range", value, name=name, lo=int(s.lo), hi=int(top))
        return int(value)
    if kind == "real":
        ok = is_real(value) and math.isfinite(value) and (
            value > 0 if s.lo == 0 else s.lo <= value) and value <= top
        if not ok:
            if math.isinf(top) and s.lo == 0:
                raise fail("config.lr", value, name=name)
            raise fail("settings.real_range", value, name=name, lo=s.lo, hi=top)
        return float(value)
    if kind == "rates" and isinstance(value, Mapping):
        out = {}
        for key, rate in value.items():
            if not (is_real(rate) and math.isfinite(rate) and rate > 0):
                raise fail("config.lr", rate, name=f"{name}[{key!r}]")
            out[key] = float(rate)
        return out  # the names are checked with the model (config.validate)
    if kind == "rates":
        return check(replace(s, kind="real"), value)
    if kind == "shuffle":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if value == "loader":
            return value
        raise fail("settings.shuffle", value)
    if kind == "dataset":
        if value is None and s.default is None:
            return None
        as_dataset(value)  # one check for every kind of data
        return value
    if kind in ("choice", "gradients"):
        if kind == "gradients" and value is None:
            return None
        allowed = s.allowed
        if not isinstance(value, str) or value not in allowed:
            raise fail("config.choice", value, name=name, allowed=_choices(allowed))
        return value
    if kind == "flag":
        if not isinstance(value, bool | np.bool_):
            raise fail("config.bool", value, name=name)
        return bool(value)
    if kind == "batch":
        if value is None:
            return None
        if not is_int(value) or not 1 <= value <= (top if top is not None else math.inf):
            raise fail("settings.batch_size", value, hi=top if top is not None else "n")
        return int(value)
    if kind == "normalize":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if not is_real(value) or not math.isfinite(value) or value in (0, 1):
            raise fail("config.normalize", value)  # 1.0 == True: ambiguous, and raw
        return float(value)
    if kind == "lr_range":
        pair = isinstance(value, tuple | list) and len(value) == 2 and all(map(is_real, value))
        ok = pair and all(math.isfinite(v) and s.lo * (1 - 1e-9) <= v <= s.hi * (1 + 1e-9)
                          for v in value) and value[0] < value[1]
        if not ok:
            hint = tr("settings.lr_range_log") if pair and min(value) <= 0 else ""
            raise fail("settings.lr_range", value, name=name, lo=s.lo, hi=s.hi, hint=hint)
        return (float(value[0]), float(value[1]))
    return value  # 'init', 'lrs': checked where the model and data are known


def check_all(place: str, values: Mapping[str, Any], cls: str) -> dict[str, Any]:
    """Every value of ``values`` checked for ``place``; an unknown name raises TypeError
    listing the settings of ``place``."""
    known = here(place)
    for name in values:
        if name not in known:
            raise TypeError(tr("settings.unknown", cls=cls, value=repr(name),
                               allowed=", ".join(known)))
    return {n: check(known[n], v) for n, v in values.items()}
