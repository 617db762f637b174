"""Compact JSON text of stored properties, shared by the backends' write paths.

Storage only, never hashed (the change log hashes ``model.canonical_json``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """Compact JSON (not canonical: storage only, never hashed)."""
    return _ENCODE(value)


_PROPS_JSON_CACHE: dict[tuple[tuple[str, str], ...], str] = {}


def dumps_props(props: Mapping[str, Any]) -> str:
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
