"""Every visible string in English and Simplified Chinese, chosen once per kernel."""

from __future__ import annotations

_LANG = "en"
LANGUAGES = ("en", "zh")

# key -> (English, Chinese)
STRINGS: dict[str, tuple[str, str]] = {}


def set_language(lang: str) -> None:
    """Choose the language of every visible string: ``'en'`` or ``'zh'``."""
    global _LANG
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {lang!r}")
    _LANG = lang


def get_language() -> str:
    return _LANG


def tr(key: str, **fields: object) -> str:
    """The string ``key`` in the current language, formatted with ``fields``."""
    en, zh = STRINGS[key]
    return (zh if _LANG == "zh" else en).format(**fields)


def register(strings: dict[str, tuple[str, str]]) -> None:
    """Add a module's strings to the table (keys must be new)."""
    clash = STRINGS.keys() & strings.keys()
    if clash:
        raise KeyError(f"duplicate string keys: {sorted(clash)}")
    STRINGS.update(strings)
