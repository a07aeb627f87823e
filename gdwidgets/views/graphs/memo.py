"""A small memo for the graph caches: least recently used out first, keyed by a digest.

The graph caches are keyed by DOT text (kilobytes each for a big graph) and hold SVG
(tens of kilobytes); ``functools.lru_cache`` would keep both whole. Here a key costs a
16-byte BLAKE2 digest, and :func:`pack` / :func:`unpack` keep text zlib-compressed
(SVG shrinks about five times), so a kernel's caches stay around a megabyte when full.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Memo", "digest", "pack", "unpack"]

V = TypeVar("V")


def digest(text: str) -> bytes:
    """16 bytes that stand for ``text`` (BLAKE2b: collisions are not a concern here)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def pack(data: bytes) -> bytes:
    """``data`` compressed (zlib, level 6)."""
    return zlib.compress(data, 6)


def unpack(data: bytes) -> bytes:
    """The bytes :func:`pack` was given."""
    return zlib.decompress(data)


class Memo(Generic[V]):
    """At most ``size`` values, each found by the digest of its key text.

    Parameters
    ----------
    size : int
        The most values kept; adding one more drops the least recently used.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        """The value kept for ``key`` (now the most recently used), or None."""
        d = digest(key)
        with self._lock:
            value = self._items.get(d)
            if value is not None:
                self._items.move_to_end(d)
            return value

    def put(self, key: str, value: V) -> V:
        """Keep ``value`` for ``key``; returns it."""
        d = digest(key)
        with self._lock:
            self._items[d] = value
            self._items.move_to_end(d)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def setdefault(self, key: str, make: Callable[[], V]) -> V:
        """The value kept for ``key``, else ``make()`` kept and returned."""
        value = self.get(key)
        return self.put(key, make()) if value is None else value

    def clear(self) -> None:
        """Forget every value."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def values(self) -> list[V]:
        """The values kept, least recently used first (for tests and benchmarks)."""
        with self._lock:
            return list(self._items.values())
