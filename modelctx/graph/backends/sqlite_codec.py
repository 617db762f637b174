"""Encodings the SQLite store's modules share: kind/type codes, JSON text, packed neighbours."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from modelctx.graph.backends import sqlite_sql as sql
from modelctx.graph.model import EdgeType, NodeKind

KIND_BY_CODE = {k.code: k for k in NodeKind}
TYPE_BY_CODE = {t.code: t for t in EdgeType}

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """Compact JSON (not canonical: storage only, never hashed)."""
    return _ENCODE(value)


_PROPS_JSON_CACHE: dict[tuple[tuple[str, str], ...], str] = {}


def dumps_props(props: dict[str, Any]) -> str:
    """JSON of a property dict; many edges share small all-text property sets (``{"role": "training"}``),
    so those are memoised. Only text values are: a key of other values would be looser than the value
    (``True == 1 == 1.0`` in Python, three different JSON values)."""
    if not props:
        return "{}"
    if len(props) > 3:
        return _ENCODE(props)
    key = tuple(props.items())
    try:
        # Only all-text keys are ever stored, and text never equals another type, so a hit is exact.
        text = _PROPS_JSON_CACHE.get(key)
    except TypeError:  # an unhashable value (a list, a map)
        return _ENCODE(props)
    if text is None:
        text = _ENCODE(props)
        if all(type(v) is str for v in props.values()):
            if len(_PROPS_JSON_CACHE) > 4096:
                _PROPS_JSON_CACHE.clear()
            _PROPS_JSON_CACHE[key] = text
    return text


def chunks(items: Sequence[Any], size: int = sql.MAX_IN) -> Iterator[Sequence[Any]]:
    """Slices of at most ``size`` items, for IN lists."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pack(nid: int, type_code: int, kind_code: int) -> int:
    """One adjacency entry: neighbour nid, edge type and neighbour kind in an int64."""
    return (nid << 16) | (type_code << 8) | kind_code
