"""Encodings the SQLite store's modules share: kind/type codes, JSON text, packed neighbours."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.backends.json_text import dumps, dumps_props

__all__ = ["KIND_BY_CODE", "TYPE_BY_CODE", "chunks", "dumps", "dumps_props", "pack"]
from modelctx.graph.model import EdgeType, NodeKind

KIND_BY_CODE = {k.code: k for k in NodeKind}
TYPE_BY_CODE = {t.code: t for t in EdgeType}

def chunks(items: Sequence[Any], size: int = sql.MAX_IN) -> Iterator[Sequence[Any]]:
    """Slices of at most ``size`` items, for IN lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pack(nid: int, type_code: int, kind_code: int) -> int:
    """One adjacency entry: neighbour nid, edge type and neighbour kind in an int64."""
    return (nid << 16) | (type_code << 8) | kind_code
