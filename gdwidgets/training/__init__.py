"""Torch training sessions: a validated config in, a History out.

torch is imported here and nowhere below; nothing here draws. Every setting is defined
once in :mod:`gdwidgets.settings` (shared with the widgets); the rest loads on first use.
"""

from __future__ import annotations

from .._lazy import lazy

_LAZY = {"BatchLoss": ".session", "Config": ".config", "History": ".history",
         "LayerCheck": ".layer_checks", "LayerGrads": ".layer_checks", "Session": ".session",
         "SweepResult": ".sweep", "layer_check": ".layer_checks", "lr_sweep": ".sweep"}
__all__ = list(_LAZY)
__getattr__, __dir__ = lazy(__name__, _LAZY)
