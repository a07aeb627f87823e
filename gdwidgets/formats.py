"""How numbers are written on screen, in one place.

>>> seed(-9.5), seed(-0.004823), seed(1234567.0), seed(None)
('-9.50', '-0.00482', '1.23e+06', 'None')
>>> seed(1.5, pad=True)   # seed 000's graphs pad to five characters: ' 1.50'
' 1.50'
>>> sig(0.000123456, 3), sig(0.0, 4), sig(float("inf"), 3)
('0.000123', '0', 'inf')
>>> listed([1.7764, 0.10642, 3.0, 4.0, 5.0], 4, most=4)
'1.776, 0.1064, 3, 4, …'
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["seed", "sig", "listed"]


def seed(v: float | None, pad: bool = False) -> str:
    """A number as seed 000 writes it (``-9.50``); below 0.1 or from 10^4 on, three
    significant digits (``-0.00482``, ``1.2e+06``) so small gradients stay legible.
    ``pad``: five characters wide as in the seed's graphs (``' 1.50'``)."""
    if v is None:
        return "None"
    v = v + 0.0  # -0.0 -> 0.0
    a = abs(v)
    if a == 0.0 or (0.1 <= a < 1e4) or math.isnan(v):
        text = f"{v:5.2f}"
        return text if pad else text.strip()
    return f"{v:.3g}"


def sig(v: float, digits: int = 3) -> str:
    """``digits`` significant digits (``0.000123``, ``1.2e+05``); inf and nan as Python
    writes them."""
    return f"{v:.{digits}g}" if math.isfinite(v) else str(v)


def listed(values: Iterable[float], digits: int = 4, most: int | None = None) -> str:
    """``'1.776, 0.1064, …'``: the first ``most`` values (all by default)."""
    values = list(values)
    shown = ", ".join(sig(float(v), digits) for v in values[:most])
    return shown + (", …" if most is not None and len(values) > most else "")
