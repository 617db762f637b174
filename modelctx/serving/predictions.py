"""The prediction log: every request's features and prediction, and labels posted back later.

One JSON-lines file per deployment beside the store (``<store>.d/predictions``).
Appending a line is cheap enough to do inside each request, survives the
server being killed, and monitoring reads it back with labels joined to their
predictions.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from modelctx.errors import NotFoundError, ValidationError
from modelctx.files import private_dir

_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass(slots=True)
class PredictionRecord:
    id: str
    at: str
    features: dict[str, Any]
    prediction: Any
    label: Any = None
    labelled: bool = False


@dataclass(frozen=True, slots=True)
class Window:
    """Which predictions to look at: the last ``count``, those newer than ``since``, or all."""

    text: str
    since: datetime | None = None
    count: int | None = None

    def select(self, records: list[PredictionRecord]) -> list[PredictionRecord]:
        if self.count is not None:
            return records[-self.count:] if self.count else []
        if self.since is not None:
            cutoff = self.since.isoformat(timespec="microseconds")
            return [r for r in records if r.at >= cutoff]
        return records


def parse_window(text: str, *, now: datetime | None = None) -> Window:
    """``all``, a duration (``30m``, ``24h``, ``7d``) or a count of the latest predictions (``500``)."""
    value = text.strip().lower()
    if value == "all":
        return Window("all")
    if value.isdigit():
        return Window(value, count=int(value))
    match = _DURATION.match(value)
    if not match:
        raise ValidationError(f"--window {text!r}: expected 'all', a count like 500, or a duration like 30m, 24h, 7d")
    delta = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    return Window(value, since=(now or datetime.now(UTC)) - delta)


class PredictionLog:
    """Append-only JSON lines: ``{"type": "prediction"|"label", ...}``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._handle: Any = None
        self._ids: set[str] = set()

    def _open(self) -> Any:
        if self._handle is None:
            private_dir(self.path.parent)
            self._handle = self.path.open("a", encoding="utf-8")
        return self._handle

    def append_predictions(self, records: Iterable[tuple[str, str, dict[str, Any], Any]]) -> None:
        """Log (id, at, features, prediction) tuples; flushed before returning."""
        lines = []
        new_ids = []
        for pid, at, features, prediction in records:
            lines.append(json.dumps({"type": "prediction", "id": pid, "at": at, "features": features,
                                     "prediction": prediction}, separators=(",", ":")))
            new_ids.append(pid)
        with self._lock:
            handle = self._open()
            handle.write("\n".join(lines) + "\n")
            handle.flush()
            self._ids.update(new_ids)

    def append_label(self, prediction_id: str, label: Any, at: str) -> None:
        """Attach the true outcome to a logged prediction; an unknown id is NotFoundError."""
        with self._lock:
            if prediction_id not in self._ids and not any(r.id == prediction_id for r in self._read_raw()):
                raise NotFoundError(f"no prediction {prediction_id!r} in {self.path}")
            handle = self._open()
            handle.write(json.dumps({"type": "label", "id": prediction_id, "label": label, "at": at},
                                    separators=(",", ":")) + "\n")
            handle.flush()

    def _read_raw(self) -> list[PredictionRecord]:
        if not self.path.exists():
            return []
        by_id: dict[str, PredictionRecord] = {}
        with self.path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    if number > 1:  # a torn last line from a killed server is skipped, not fatal
                        continue
                    raise ValidationError(f"{self.path}:{number}: not a JSON line") from None
                if entry.get("type") == "prediction":
                    by_id[entry["id"]] = PredictionRecord(entry["id"], entry["at"], entry["features"],
                                                          entry["prediction"])
                elif entry.get("type") == "label" and entry.get("id") in by_id:
                    record = by_id[entry["id"]]
                    record.label, record.labelled = entry.get("label"), True
        return list(by_id.values())

    def read(self, window: Window | None = None) -> list[PredictionRecord]:
        """Predictions in log order (with their labels), narrowed to ``window``."""
        records = self._read_raw()
        return window.select(records) if window else records

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
