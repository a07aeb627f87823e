"""Shared fixtures."""

from __future__ import annotations

import pytest

from gdwidgets import set_language


@pytest.fixture(autouse=True)
def english():
    """Every test starts, and leaves, in English (some switch to Chinese)."""
    set_language("en")
    yield
    set_language("en")
