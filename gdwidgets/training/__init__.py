"""Torch training sessions: a validated config in, a History out.

torch is imported here and nowhere below; nothing here draws. ``settings`` (every
setting, defined once) does not need torch; the rest loads on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "BatchLoss": "session", "Config": "config", "History": "history", "Session": "session",
    "SweepResult": "sweep", "lr_sweep": "sweep",
}

__all__ = list(_LAZY)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
