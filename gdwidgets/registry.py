"""Looking a name up in a table: the optimizers, models, losses and reductions are each a
dict in the module that defines them (``name -> entry``); adding one is adding an entry.

No torch here: :mod:`gdwidgets.settings` and :mod:`gdwidgets.losses` use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .i18n import get_language, register, tr

__all__ = ["Option", "either", "label", "lookup"]

T = TypeVar("T")

register(
    {
        "table.unknown": (
            "{kind} must be one of {known}, got {name}",
            "{kind} 必须是 {known} 之一，得到的是 {name}",
        ),
    }
)


@dataclass(frozen=True)
class Option:
    """A choice's words: its label on a control and its description in the setting's
    text, each (English, Chinese)."""

    label: tuple[str, str]
    doc: tuple[str, str]


def lookup(table: Mapping[str, T], kind: str, name: Any) -> T:
    """``table[name]``; an unknown name raises ValueError naming the kind, the name and
    the known names (in the current language)."""
    if isinstance(name, str) and name in table:
        return table[name]
    raise ValueError(tr("table.unknown", kind=kind, name=repr(name),
                        known=", ".join(map(repr, table))))


def label(entry: Any, name: str, lang: str | None = None) -> str:
    """An entry's label for a control, in ``lang`` (the current language by default): its
    ``label`` (English, Chinese), or its name when it has none."""
    text = getattr(entry, "label", None)
    if not text:
        return name
    return text[(lang or get_language()) == "zh"]


def either(items: list[str], lang: str) -> str:
    """``'a', 'b' or 'c'`` (``'a'、'b'或 'c'`` in Chinese), as the settings' texts list
    choices."""
    if len(items) == 1:
        return items[0]
    if lang == "zh":
        return "、".join(items[:-1]) + "或 " + items[-1]
    return ", ".join(items[:-1]) + " or " + items[-1]
