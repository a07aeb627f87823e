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


@pytest.fixture(scope="session")
def fresh_env(tmp_path_factory):
    """The release and Binder's packages in one fresh venv outside the repository
    (tests/fresh_env.py), made once for the Binder and the wheel tests."""
    from fresh_env import make

    fresh = make(tmp_path_factory.mktemp("fresh-env"))
    print("\nfresh environment: " + ", ".join(f"{k} {v:.0f} s" for k, v in fresh.times.items()))
    return fresh
