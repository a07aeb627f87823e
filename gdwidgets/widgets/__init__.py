"""ipywidgets classes: controls -> a session or the Scalar engine -> the views. No math.

The four lesson widgets load on first use (each pulls in ipywidgets, matplotlib and, when
it trains, torch).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "BackpropWidget": "backprop", "RegressionWidget": "regression",
    "ChainRuleWidget": "chain_rule", "LearningRateWidget": "learning_rate",
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
