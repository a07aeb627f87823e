"""Colour arithmetic for the palette and contrast tests: WCAG 2 contrast ratios, CIEDE2000
differences (Sharma, Wu and Dalal 2005), and colour-blindness simulated with Machado et al.
2009 at full severity (through ``colorspacious``, in the ``test`` extra).
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgb, to_rgba


def luminance(colour: object) -> float:
    """WCAG relative luminance of an sRGB colour (any matplotlib colour spec)."""
    rgb = np.array(to_rgb(colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def over(colour: object, ground: object) -> tuple[float, float, float]:
    """``colour`` (maybe translucent) composited over the opaque ``ground``."""
    r, g, b, a = to_rgba(colour)
    base = np.array(to_rgb(ground))
    return tuple(float(v) for v in np.array([r, g, b]) * a + base * (1 - a))


def contrast(fg: object, bg: object) -> float:
    """WCAG contrast ratio of text ``fg`` on ``bg`` (1 to 21)."""
    hi, lo = sorted((luminance(over(fg, bg)), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference of two CIELab colours (kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    h_mean = h1p + h2p
    if c1p * c2p:
        if abs(h1p - h2p) <= 180:
            h_mean = h_mean / 2
        else:
            h_mean = (h_mean + 360) / 2 if h_mean < 360 else (h_mean - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(h_mean - 30)) + 0.24 * np.cos(np.radians(2 * h_mean))
         + 0.32 * np.cos(np.radians(3 * h_mean + 6)) - 0.20 * np.cos(np.radians(4 * h_mean - 63)))
    d_theta = 30 * np.exp(-(((h_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return float(np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (d_h / s_h) ** 2
                         + r_t * (dc / s_c) * (d_h / s_h)))


def seen_as(colour: object, vision: str) -> np.ndarray:
    """CIELab of ``colour`` as seen with ``vision``: 'normal', 'deuteranomaly' or
    'protanomaly' (the latter two at severity 100: deuteranopia, protanopia)."""
    from colorspacious import cspace_convert

    rgb = np.array(to_rgb(colour))
    if vision != "normal":
        space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
        rgb = np.clip(cspace_convert(rgb, space, "sRGB1"), 0, 1)
    return cspace_convert(rgb, "sRGB1", "CIELab")
