"""Torch training sessions: a validated config in, a History out.

torch is imported here and nowhere below; nothing here draws.
"""

from .config import Config
from .history import History
from .session import BatchLoss, Session
from .sweep import SweepResult, lr_sweep

__all__ = ["BatchLoss", "Config", "History", "Session", "SweepResult", "lr_sweep"]
