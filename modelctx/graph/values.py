"""Property values: what may be stored, and when two values are the same.

A system of record must give back exactly what it was given. Properties are
JSON values, and JSON tells ``true``, ``1`` and ``1.0`` apart even where Python's
``==`` does not (``True == 1 == 1.0``). So every rule that compares or caches
values compares them *strictly*: same JSON type, same value. Three rules live
here and nowhere else:

- :func:`clean_properties` — what a write may carry (validated before any
  backend opens a transaction) and its one normal form (tuples become lists,
  so what is read back equals what was written);
- :func:`strict_equal` — whether a write changes a stored value (an unchanged
  value appends nothing to the change log);
- :func:`filter_matches` — whether a stored value satisfies a ``find_nodes``
  equality filter: strings equal strings, numbers compare as numbers
  (``1`` matches ``1.0``), booleans equal only booleans; a stored integer
  beyond 64 bits matches no filter (no backend can compare it exactly).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from modelctx.errors import ValidationError

#: Integers a filter may compare: the range every backend stores natively (64-bit).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Lists and maps nested deeper than this are refused: deeper values ran out of Python's recursion
#: limit somewhere on the way (a RecursionError, not a ValidationError), and a list holding itself never ended.
MAX_DEPTH = 100
_PLAIN = (str, int, bool, type(None))


def check_text(text: str, where: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(f"{where}: text holds a lone surrogate (not valid Unicode)") from None


def _clean(value: Any, where: str, depth: int = 0) -> Any:
    """``value`` validated as JSON, with tuples turned into lists (a new object only when one was found)."""
    kind = type(value)
    if kind is str:
        check_text(value, where)
        return value
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        if not math.isfinite(value):
            raise ValidationError(f"{where}: {value!r} is not a finite number")
        return value
    if depth >= MAX_DEPTH and isinstance(value, (list, tuple, dict)):
        raise ValidationError(f"{where}: lists and maps nest more than {MAX_DEPTH} levels deep")
    if isinstance(value, (list, tuple)):
        items = [_clean(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
        if kind is list and all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return items
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        changed = kind is not dict
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(f"{where}: key {key!r} is not a string")
            check_text(key, where)
            cleaned = _clean(item, f"{where}.{key}", depth + 1)
            changed = changed or cleaned is not item
            out[key] = cleaned
        return out if changed else value
    if isinstance(value, (str, int, float)):  # subclasses (StrEnum, IntEnum, numpy floats): their plain value
        return _clean(_plain(value), where, depth)
    raise ValidationError(
        f"{where}: value of type {kind.__name__} is not JSON (use str, number, bool, list, dict)"
    )


def _plain(value: str | int | float) -> str | int | float:
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    return float(value)


def clean_properties(properties: Mapping[str, Any], where: str | Callable[[], str]) -> dict[str, Any]:
    """The properties in their stored form; ValidationError naming ``where`` and the key if one is not JSON.

    Returns the same dict when it is already clean (the common case costs one
    type check per value). ``where`` may be a function, called only to name a
    problem: writes validate every record, and most are clean.
    """
    if type(properties) is not dict:
        raise ValidationError(f"{_where(where)}: properties must be a dict, not {type(properties).__name__}")
    out: dict[str, Any] | None = None
    good_names = _GOOD_NAMES
    for key, value in properties.items():
        if key not in good_names:
            # NUL: Neo4j cannot name a property with one (SQLite could), so no backend accepts it.
            if not isinstance(key, str) or not key or "\x00" in key:
                raise ValidationError(f"{_where(where)}: property name {key!r} must be a non-empty string without NUL")
            if not key.isascii():  # a lone surrogate would reach the backend's encoder and crash there
                check_text(key, f"{_where(where)}: property name {key!r}")
            if type(key) is str and len(good_names) < _GOOD_NAMES_LIMIT:
                good_names.add(key)
        kind = type(value)
        if kind is str:
            if value.isascii():
                continue
        elif kind in _PLAIN:
            continue
        cleaned = _clean(value, f"{_where(where)}: property {key!r}")
        if cleaned is not value:
            if out is None:
                out = dict(properties)
            out[key] = cleaned
    return out if out is not None else properties


#: Property names that passed the name checks above (a few distinct names recur in millions of records).
_GOOD_NAMES: set[str] = set()
_GOOD_NAMES_LIMIT = 10_000


def _where(where: str | Callable[[], str]) -> str:
    return where if isinstance(where, str) else where()


def strict_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values that tells ``true``, ``1`` and ``1.0`` (and ``0.0`` and ``-0.0``) apart."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        return a.keys() == b.keys() and all(strict_equal(v, b[k]) for k, v in a.items())
    if kind is list:
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b, strict=True))
    if kind is float:
        return bool(a == b and math.copysign(1.0, a) == math.copysign(1.0, b))
    return bool(a == b)


def check_filter_value(key: str, value: Any) -> Any:
    """A ``find_nodes`` filter value: a scalar (or None for "absent"), integers within 64 bits."""
    if not isinstance(key, str) or not key or '"' in key or "\\" in key or "\x00" in key:
        raise ValidationError(f"cannot filter on property name {key!r}")
    check_text(key, f"property filter {key!r}")  # lone surrogates would crash the backend's encoder
    if isinstance(value, str):
        check_text(value, f"property filter {key!r}")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValidationError(f"property filter {key!r}: {value} is outside the 64-bit integer range")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"property filter {key!r}: {value!r} is not a finite number")
        return float(value)
    raise ValidationError(f"property filter {key!r}: only scalar values can be compared")


def filter_matches(stored: Any, wanted: Any) -> bool:
    """Whether a stored property value satisfies an equality filter (``None`` means "absent")."""
    if wanted is None:
        return stored is None
    if isinstance(wanted, bool) or isinstance(stored, bool):
        return type(stored) is type(wanted) and stored == wanted
    if isinstance(wanted, (int, float)):
        # A stored integer outside 64 bits matches no filter: no backend can compare it exactly
        # (SQLite reads it as the nearest float, Neo4j keeps no copy of it to filter on).
        if type(stored) is int:
            return INT64_MIN <= stored <= INT64_MAX and stored == wanted
        return type(stored) is float and stored == wanted
    return type(stored) is str and stored == wanted


def filter_value_from_text(key: str, text: str) -> Any:
    """A filter value typed as text (``?where=k:v``, ``--where k=v``): JSON when it parses to a scalar, else the text.

    Integer text is always a number, so one too long for the JSON reader
    (Python refuses over 4300 digits) is refused as outside 64 bits like any
    other, rather than silently compared as a string.
    """
    import json
    import re

    try:
        value = json.loads(text)
    except RecursionError:
        raise ValidationError(f"property filter {key!r}: the value nests too deeply to read") from None
    except ValueError:
        if re.fullmatch(r"\s*-?[0-9]+\s*", text):
            raise ValidationError(f"property filter {key!r}: {text.strip()[:40]}… is outside the 64-bit integer "
                                  "range") from None
        return text
    if isinstance(value, (dict, list)) or (isinstance(value, float) and value != value):
        return text
    return check_filter_value(key, value)
