"""Every time modelctx reads or writes, parsed once into an aware datetime.

Two readers, because the input differs:

- ``parse_user`` (and ``lower_bound`` / ``upper_bound``) for times a person
  typed: CLI options (``--as-of``, ``--since``, ``--until``), API query
  parameters, fields of review and deployment files. ISO 8601 only; anything
  else is a ValidationError naming the option or field, with an example.
- ``read_stored`` for values already in a store or sent by another system:
  ISO text, epoch seconds or milliseconds; unreadable values are None.

Both take a time without a zone as UTC. A bare date ``D`` names the whole day
``D`` in UTC and bounds are inclusive: as a lower bound (``--since``) it starts
at 00:00:00 of D; as an upper bound (``--as-of``, ``--until``) it runs through
the last microsecond of D. So ``--since D --until D`` is exactly day D, and
``--as-of D`` includes everything written on D. A bare date that is not a
bound (a file's ``reviewed_at``) is 00:00:00 of that day.

``format_iso`` is the one written form: UTC, microseconds, fixed width.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from modelctx.errors import ValidationError

__all__ = ["as_written", "check_span", "format_iso", "lower_bound", "now", "parse_user", "read_stored", "upper_bound"]

EXAMPLE = "e.g. 2024-05-01 or 2024-05-01T12:00:00Z"
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}")
#: Epoch numbers above this are milliseconds (1e11 seconds is the year 5138).
_MILLISECONDS_FROM = 1e11


def now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _read_iso(text: str) -> tuple[datetime, bool] | None:
    """ISO 8601 text as written (naive when it names no zone) and whether it was a bare date; None if not ISO."""
    value = text.strip()
    try:
        if _BARE_DATE.fullmatch(value):
            return datetime.combine(date.fromisoformat(value), time()), True
        return datetime.fromisoformat(value), False
    except ValueError:
        return None


def _read_user(value: str, name: str) -> tuple[datetime, bool]:
    read = _read_iso(value) if isinstance(value, str) else None
    if read is None:
        raise ValidationError(f"{name}: {value!r} is not an ISO 8601 time ({EXAMPLE})")
    return read


def parse_user(value: str, name: str, *, end_of_day: bool = False) -> datetime:
    """A time a person gave as option or field ``name``, as an aware datetime.

    A bare date is 00:00:00 UTC of that day, or its last microsecond with
    ``end_of_day`` (the upper bound of an inclusive range).
    """
    moment, bare_date = _read_user(value, name)
    if bare_date and end_of_day:
        return datetime.combine(moment.date(), time.max, UTC)
    return _aware(moment)


def as_written(value: str, name: str) -> str:
    """A person's time checked by the rule of ``parse_user``, as ISO text in the zone it was written in.

    A time written without a zone stays without one (every reader takes it as
    UTC). File fields keep this form because review and deployment ids are
    derived from it (``modelctx/ingest/records.py``): re-reading an old file
    must find the same nodes.
    """
    return _read_user(value, name)[0].isoformat()


def lower_bound(value: str | None, name: str) -> datetime | None:
    """The start of an inclusive range (``--since``): a bare date starts at its 00:00:00 UTC. None stays None."""
    return None if value is None or value == "" else parse_user(value, name)


def upper_bound(value: str | None, name: str) -> datetime | None:
    """The end of an inclusive range (``--as-of``, ``--until``): a bare date runs through its last microsecond."""
    return None if value is None or value == "" else parse_user(value, name, end_of_day=True)


def check_span(start: datetime | None, end: datetime | None, what: str) -> None:
    """Refuse a span a person typed whose end comes before its start (``what`` names it as they typed it): it can
    hold nothing, and answering it with nothing would read as "nothing happened then"."""
    if start is not None and end is not None and end < start:
        raise ValidationError(f"{what} ends before it starts")


def read_stored(value: Any) -> datetime | None:
    """A stored or foreign time — ISO text, epoch seconds or milliseconds, a datetime — aware; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > _MILLISECONDS_FROM else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        read = _read_iso(value)
        return _aware(read[0]) if read else None
    return None


def format_iso(moment: datetime) -> str:
    """The written form of a time: UTC, microseconds, fixed width (``2024-05-01T12:00:00.000000+00:00``)."""
    return _aware(moment).astimezone(UTC).isoformat(timespec="microseconds")
