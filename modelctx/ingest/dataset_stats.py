"""Streaming per-column statistics over Arrow record batches, in bounded memory.

Statistics are merged batch by batch: counts, min and max directly; mean and
variance with Chan's parallel update, so no column is ever held whole. String
and boolean columns are counted exactly (``value_counts`` per batch, merged)
while at most ``MAX_TRACKED_VALUES`` distinct values have been seen. Past
that, ``distinct_exact`` is false, ``distinct_count`` is a lower bound (the most
distinct values seen at once) and the top values are approximate heavy hitters
merged from each batch's own top values, so memory stays bounded on any file.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

MAX_TRACKED_VALUES = 20_000
TOP_VALUES = 5
MAX_VALUE_CHARS = 200


def dtype_name(arrow_type: pa.DataType) -> str:
    """A short, stable dtype name (int64, float64, string, bool, timestamp[us], ...)."""
    if pa.types.is_large_string(arrow_type) or pa.types.is_string(arrow_type):
        return "string"
    if pa.types.is_dictionary(arrow_type):
        return dtype_name(arrow_type.value_type)
    if pa.types.is_floating(arrow_type):
        return f"float{arrow_type.bit_width}"
    return str(arrow_type)


def _family(arrow_type: pa.DataType) -> str:
    if pa.types.is_dictionary(arrow_type):
        return _family(arrow_type.value_type)
    if pa.types.is_boolean(arrow_type):
        return "bool"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return "number"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "string"
    if pa.types.is_temporal(arrow_type):
        return "time"
    if pa.types.is_null(arrow_type):
        return "null"
    return "other"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _scalar(value: pa.Scalar) -> Any:
    py = value.as_py()
    if hasattr(py, "isoformat"):
        return py.isoformat()
    if isinstance(py, (int, float)):
        return _finite(float(py) if not isinstance(py, int) else py)
    return py


@dataclass(slots=True)
class ColumnStats:
    """Running statistics of one column."""

    name: str
    dtype: str = "null"
    family: str = "null"
    rows: int = 0
    nulls: int = 0
    minimum: Any = None
    maximum: Any = None
    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    values: Counter[Any] = field(default_factory=Counter)
    values_overflow: bool = False
    distinct_floor: int = 0

    def _widen(self, arrow_type: pa.DataType) -> None:
        family, name = _family(arrow_type), dtype_name(arrow_type)
        if self.family == "null":
            self.family, self.dtype = family, name
        elif family in ("null", self.family):
            if family == "number" and name != self.dtype and "float" in name + self.dtype:
                self.dtype = "float64"
        else:  # a column whose type changes between chunks is reported as strings
            self.family, self.dtype = "mixed", "string"

    def add(self, array: pa.Array | pa.ChunkedArray) -> None:
        """Fold one batch of this column into the statistics."""
        self._widen(array.type)
        self.rows += len(array)
        if pa.types.is_dictionary(array.type):
            array = array.cast(array.type.value_type)
        batch_mean: float | None = None
        if pa.types.is_floating(array.type) and array.null_count < len(array):
            batch_mean = pc.mean(array).as_py()
            if batch_mean is not None and math.isnan(batch_mean):  # NaNs count as missing values
                array = pc.if_else(pc.is_nan(array), pa.scalar(None, array.type), array)
                batch_mean = None
        nulls = array.null_count
        self.nulls += nulls
        valid = len(array) - nulls
        if valid == 0 or self.family == "mixed":
            if self.family == "mixed":
                self._add_values(array.cast(pa.string()) if not pa.types.is_string(array.type) else array)
            return
        family = _family(array.type)
        if family in ("number", "time"):
            bounds = pc.min_max(array)
            low, high = _scalar(bounds["min"]), _scalar(bounds["max"])
            self.minimum = low if self.minimum is None or (low is not None and low < self.minimum) else self.minimum
            self.maximum = high if self.maximum is None or (high is not None and high > self.maximum) else self.maximum
        if family == "number":
            if batch_mean is None:
                batch_mean = pc.mean(array).as_py()
            batch_m2 = pc.variance(array, ddof=0).as_py() * valid
            total = self.count + valid
            delta = batch_mean - self.mean
            self.mean += delta * valid / total
            self.m2 += batch_m2 + delta * delta * self.count * valid / total
            self.count = total
        elif family in ("string", "bool"):
            self._add_values(array)

    def _add_values(self, array: pa.Array | pa.ChunkedArray) -> None:
        counts = pc.value_counts(array)
        if len(counts) and counts.field("values").null_count:
            counts = counts.filter(counts.field("values").is_valid())
        batch_distinct = len(counts)
        if not self.values_overflow and len(self.values) + batch_distinct <= MAX_TRACKED_VALUES:
            for value, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
                self.values[value] += n
            self.distinct_floor = len(self.values)
            return
        # Too many values to count exactly: keep approximate heavy hitters, merged in C++ first.
        self.values_overflow = True
        self.distinct_floor = max(self.distinct_floor, batch_distinct, len(self.values))
        keep = TOP_VALUES * 20
        if batch_distinct > keep:
            order = pc.select_k_unstable(counts.field("counts"), k=keep, sort_keys=[("dummy", "descending")])
            counts = counts.take(order)
        for value, n in zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True):
            self.values[value] += n
        if len(self.values) > keep:
            self.values = Counter(dict(self.values.most_common(keep)))

    def to_json(self) -> dict[str, Any]:
        """The column's statistics as JSON (finite numbers only)."""
        out: dict[str, Any] = {
            "dtype": self.dtype,
            "null_fraction": round(self.nulls / self.rows, 6) if self.rows else 0.0,
        }
        if self.family in ("number", "time"):
            out["min"], out["max"] = self.minimum, self.maximum
        if self.family == "number" and self.count:
            out["mean"] = _finite(self.mean)
            out["std"] = _finite(math.sqrt(self.m2 / self.count)) if self.count else None
        if self.family in ("string", "bool", "mixed"):
            out["distinct_count"] = len(self.values) if not self.values_overflow else self.distinct_floor
            out["distinct_exact"] = not self.values_overflow and self.family != "mixed"
            out["top_values"] = [
                {"value": str(v)[:MAX_VALUE_CHARS] if isinstance(v, str) else v, "count": n}
                for v, n in self.values.most_common(TOP_VALUES)
            ]
        return out


class TableStats:
    """Statistics of every column of a table read batch by batch."""

    def __init__(self) -> None:
        self.rows = 0
        self.columns: dict[str, ColumnStats] = {}

    def add_batch(self, batch: pa.RecordBatch | pa.Table) -> None:
        self.rows += batch.num_rows
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            stats = self.columns.get(name)
            if stats is None:
                stats = self.columns[name] = ColumnStats(name)
                if self.rows > batch.num_rows:  # a column that appears late was null before
                    stats.rows = stats.nulls = self.rows - batch.num_rows
            stats.add(column)
        for name, stats in self.columns.items():
            if name not in batch.schema.names:  # absent from this batch: null there
                stats.rows += batch.num_rows
                stats.nulls += batch.num_rows

    def columns_json(self) -> list[dict[str, str]]:
        return [{"name": name, "dtype": s.dtype} for name, s in self.columns.items()]

    def stats_json(self) -> dict[str, dict[str, Any]]:
        return {name: s.to_json() for name, s in self.columns.items()}
