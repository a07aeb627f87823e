"""Keywords that were renamed: the old name is refused with a message naming the new one
(every rename is listed in CHANGELOG.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .i18n import get_language, register, tr

__all__ = ["renamed"]

F = TypeVar("F", bound=Callable[..., Any])

register({
    "renamed": (
        "{where}() has no keyword {old!r} any more: it is {new!r} now ({why})",
        "{where}() 已经没有关键字参数 {old!r}：现在叫 {new!r}（{why}）",
    ),
})


STEP_IS_UPDATE_DONE = ("a step counts updates done; this is the number of an update",
                       "step 指已完成的更新次数；这里是某一次更新的序号")
"""Why ``step`` became ``update`` where a function takes the number of one update."""


def renamed(why: tuple[str, str], **names: str) -> Callable[[F], F]:
    """Refuse the old keywords ``names`` (``old='new'``) with a TypeError naming the new one
    and ``why`` (English, Chinese)."""

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def call(*args: Any, **kwargs: Any) -> Any:
            for old in names.keys() & kwargs.keys():
                raise TypeError(tr("renamed", where=func.__qualname__, old=old,
                                   new=names[old], why=why[get_language() == "zh"]))
            return func(*args, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
