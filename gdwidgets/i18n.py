"""Every visible string in English and Simplified Chinese.

The language of a string is chosen where it is made: :func:`tr` reads the language of the
current context, set by :func:`using` (each widget enters it around its redraws and
callbacks, so a Chinese widget stays Chinese whatever the others speak), else the default
that :func:`set_language` chooses for new widgets and plain function calls.

Strings are registered by the module that uses them (``register({...})`` next to their use,
or a widget's table in :mod:`gdwidgets.strings`). Registering is reload-safe: a module that
registers a key again (``importlib.reload``, IPython's ``%autoreload``) replaces its text;
the same key from two different modules is a clash and raises ``KeyError``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

LANGUAGES = ("en", "zh")

# A reload of this module keeps its state: the other modules' strings, the default
# language, the context variable that open ``using`` blocks reset.
_default: list[str] = globals().get("_default", ["en"])  # set_language rebinds no global
_context: ContextVar[str | None] = globals().get("_context") or ContextVar(
    "gdwidgets_language", default=None)

# key -> (English, Chinese)
STRINGS: dict[str, tuple[str, str]] = globals().get("STRINGS", {})
_OWNER: dict[str, str] = globals().get("_OWNER", {})  # key -> the module that registered it


def _check(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")


def set_language(lang: str) -> None:
    """Choose the default language of visible strings, ``'en'`` or ``'zh'``: the language
    of widgets made from now on and of plain function calls (a widget keeps its own)."""
    _check(lang)
    _default[0] = lang


def get_language() -> str:
    """The language strings are made in here: the context's (:func:`using`), else the
    default (:func:`set_language`)."""
    return _context.get() or _default[0]


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Make every string inside in ``lang``, without touching the default or any other
    context (another widget, another thread)."""
    _check(lang)
    token = _context.set(lang)
    try:
        yield
    finally:
        _context.reset(token)


def tr(key: str, **fields: object) -> str:
    """The string ``key`` in the current language, formatted with ``fields``."""
    en, zh = STRINGS[key]
    return (zh if get_language() == "zh" else en).format(**fields)


def register(strings: dict[str, tuple[str, str]], module: str | None = None) -> None:
    """Add the strings of ``module`` (by default the caller's module) to the table.

    A key already registered by the same module is replaced (a reload shows an edited
    text); a key registered by another module raises ``KeyError`` (a real clash)."""
    owner = module if module is not None else sys._getframe(1).f_globals.get("__name__", "")
    clash = sorted(k for k in strings.keys() & STRINGS.keys() if _OWNER.get(k) != owner)
    if clash:
        raise KeyError(f"duplicate string keys: {clash}")
    STRINGS.update(strings)
    _OWNER.update(dict.fromkeys(strings, owner))
