"""Reading the store a bounded number of ids at a time: one size and one splitter for every read search makes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

#: Ids per store read.
READ_CHUNK = 500


def chunks(items: list[T], size: int = READ_CHUNK) -> Iterator[list[T]]:
    """``items`` in consecutive slices of at most ``size``, so no one read asks for an unbounded list of ids."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
