"""When a search asks about: a trailing time phrase read as an inclusive window ("what did Ada change last week").

``split_time`` takes the phrase off the end of a query, so that a question's
shape is matched, and a ranking's words are ranked, on the rest; it returns
the window the phrase names, in UTC (``search/service.py`` reads it once for
every search, and narrows it by ``--since`` / ``--until``):

- ``today``, ``yesterday``; ``this`` / ``last`` ``week`` / ``month`` / ``year``
  (calendar periods: a week starts on Monday; "this ..." runs to now);
- ``in the last`` / ``past`` ``N`` ``days`` / ``weeks`` / ``months`` / ``years``
  (and ``in the past week``): that much time before now;
- ``since`` / ``after`` / ``from`` ``DATE``; ``before`` / ``until`` ``DATE``;
  ``on DATE``; ``in`` / ``during`` / ``from`` ``YYYY``, ``YYYY-MM``, ``MONTH [YYYY]``
  (a month without a year is the latest one not after now): "runs from 2024"
  are the runs of 2024, as "commits from March" are March's — a year or a month
  after "from" with no end is that period, a day after it the start of a span;
  ``between`` / ``from`` a date, year or month ``and`` / ``to`` / ``until`` another:
  from the first's start to the second's end (a month without a year before one
  with it is of that year: "from January to March 2024");
  a bound on a year or a month (``since March 2024``, ``before 2024``,
  ``after 2024-02``, ``until June 2024``), inclusive as a date is: since /
  after its start, before / until its end.

``DATE`` is ISO 8601 and read by ``modelctx/times.py``, as every time a person
types: a date is the whole day, bounds are inclusive. A question's answer is kept
when its node's event time (``graph/events.py``) falls in the window, and a node
that records no time is left out once a time is asked; ranked hits are filtered
by their documents' time, as ``--since`` / ``--until`` filter them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelctx.graph.events import event_time
from modelctx.graph.model import Node
from modelctx.times import check_span, lower_bound, upper_bound

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_UNIT = r"(?P<unit>day|week|month|year)s?"
_DATE = r"\d{4}-\d{2}-\d{2}"
#: A year a question names: 1900-2099 (so every window's ends are valid datetimes).
_YEAR = r"(?:19|20)\d{2}"
_MONTH = r"(?:" + "|".join(_MONTHS) + r")"
#: A span one phrase names whole: a date, a year or a month of one (``YYYY-MM``, ``March 2024``, ``March``).
_SPAN = _DATE + r"|" + _YEAR + r"(?:-(?:0[1-9]|1[0-2]))?|" + _MONTH + r"(?:\s+" + _YEAR + r")?"
#: The time phrases, each anchored at the end of the question (after an optional comma).
_PHRASE = re.compile(
    r"(?:,?\s+|^)(?:"
    r"(?P<today>today)|(?P<yesterday>yesterday)"
    r"|(?P<which>this|last)\s+(?P<period>week|month|year)"
    r"|(?:in|during|over|within)\s+the\s+(?:last|past)\s+(?:(?P<count>\d{1,4})\s+)?" + _UNIT
    + r"|(?:the\s+)?(?:last|past)\s+(?P<count2>\d{1,4})\s+(?P<unit2>day|week|month|year)s?"
    r"|(?P<from_word>since|after|from)\s+(?P<start>" + _DATE + r")"
    r"|(?P<to_word>before|until|till)\s+(?P<end>" + _DATE + r")"
    r"|on\s+(?P<day>" + _DATE + r")"
    r"|(?:between|from)\s+(?P<first>" + _SPAN + r")\s+(?:and|to|until|till|through|-)\s+(?P<last>" + _SPAN + r")"
    r"|(?:in|during|from)\s+(?P<year>" + _YEAR + r")(?:-(?P<year_month>0[1-9]|1[0-2]))?"
    r"|(?:in|during|from)\s+(?P<month>" + "|".join(_MONTHS) + r")(?:\s+(?P<month_year>" + _YEAR + r"))?"
    r"|(?P<bound>since|after|before|until|till)\s+(?:(?P<bound_month>" + "|".join(_MONTHS) + r")\s+"
    r"(?P<bound_month_year>" + _YEAR + r")|(?P<bound_year>" + _YEAR + r")(?:-(?P<bound_year_month>0[1-9]|1[0-2]))?)"
    r")$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Window:
    """An inclusive span of time (either end open) and the words that named it."""

    start: datetime | None
    end: datetime | None
    words: str

    def holds(self, node: Node, first_seen: float | None = None) -> bool:
        """Whether ``node``'s time falls in the window: its event time, else ``first_seen`` (epoch seconds: when it
        first entered the change log, the time its search document carries, ``search/documents.py``); a node with
        neither does not."""
        when = event_time(node)
        if when is None and first_seen is not None:
            when = datetime.fromtimestamp(first_seen, UTC)
        return when is not None and (self.start is None or when >= self.start) and (
            self.end is None or when <= self.end)

    def bounds(self) -> tuple[float | None, float | None]:
        """The window's ends as epoch seconds (a search ``Filter``'s ``since`` / ``until``)."""
        return (self.start.timestamp() if self.start else None, self.end.timestamp() if self.end else None)

    def within(self, start: float | None, end: float | None) -> Window:
        """This window narrowed to epoch bounds given beside the question (``--since`` / ``--until``)."""
        low = datetime.fromtimestamp(start, UTC) if start is not None else None
        high = datetime.fromtimestamp(end, UTC) if end is not None else None
        return Window(_later(self.start, low), _earlier(self.end, high), self.words)


def split_time(question: str, now: datetime) -> tuple[str, Window | None]:
    """``question`` without its trailing time phrase, and the window the phrase names (None: it has none)."""
    text = question.strip().rstrip("?.!").strip()
    found = _PHRASE.search(text)
    if found is None or found.start() == 0:
        return question, None
    window = _window(found, now.astimezone(UTC))
    words = found.group(0).strip(" ,")
    check_span(window[0], window[1], f"the query's time {words!r}")
    return text[: found.start()].rstrip(" ,"), Window(window[0], window[1], words)


def _window(found: re.Match[str], now: datetime) -> tuple[datetime | None, datetime | None]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    day = timedelta(days=1)
    if found["today"]:
        return today, now
    if found["yesterday"]:
        return today - day, today - timedelta(microseconds=1)
    if found["which"]:
        start = _period_start(today, found["period"].lower())
        if found["which"].lower() == "this":
            return start, now
        previous = _period_start(start - day, found["period"].lower())
        return previous, start - timedelta(microseconds=1)
    unit, count = found["unit"] or found["unit2"], found["count"] or found["count2"] or "1"
    if unit:
        return _back(now, unit.lower(), min(int(count), _MOST[unit.lower()])), now
    if found["from_word"]:
        return lower_bound(found["start"], "the query's time"), None
    if found["to_word"]:
        return None, upper_bound(found["end"], "the query's time")
    if found["day"]:
        return _span(found["day"], now)
    if found["first"]:
        first, last = found["first"], found["last"]
        year = re.search(_YEAR + r"$", last)
        if first.lower() in _MONTHS and year is not None:  # "from January to March 2024": January of 2024
            first = f"{first} {year.group(0)}"
        return _span(first, now)[0], _span(last, now)[1]
    if found["year"]:
        return _period(int(found["year"]), int(found["year_month"]) if found["year_month"] else None)
    if found["bound"]:
        month = found["bound_year_month"] or (_MONTHS.index(found["bound_month"].lower()) + 1
                                              if found["bound_month"] else None)
        start, end = _period(int(found["bound_year"] or found["bound_month_year"]), int(month) if month else None)
        # Inclusive, as a date is: the period is the whole span a DATE is the whole day of.
        return (start, None) if found["bound"].lower() in ("since", "after") else (None, end)
    return _month(found["month"], found["month_year"], now)


def _month(name: str, year: str | None, now: datetime) -> tuple[datetime, datetime]:
    """A month named (a month without a year is the latest one not after now)."""
    month = _MONTHS.index(name.lower()) + 1
    return _period(int(year) if year else now.year - (month > now.month), month)


def _span(text: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The first and last instant of a ``_SPAN``: a date's day, a year, a month."""
    if re.fullmatch(_DATE, text):
        return lower_bound(text, "the query's time"), upper_bound(text, "the query's time")
    words = text.split()
    if words[0].lower() in _MONTHS:
        return _month(words[0], words[1] if len(words) > 1 else None, now)
    year, _, month = text.partition("-")
    return _period(int(year), int(month) if month else None)


def _period(year: int, month: int | None) -> tuple[datetime, datetime]:
    """The first and last instant of a year, or of one of its months."""
    if month is not None:
        start = datetime(year, month, 1, tzinfo=UTC)
        return start, _month_after(start) - timedelta(microseconds=1)
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC) - timedelta(microseconds=1)


def _period_start(day: datetime, period: str) -> datetime:
    """The first day of the calendar week (Monday), month or year ``day`` is in."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def _month_after(start: datetime) -> datetime:
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


#: The most of each unit a window reaches back (a hundred years).
_MOST = {"day": 36_500, "week": 5_200, "month": 1_200, "year": 100}


def _back(now: datetime, unit: str, count: int) -> datetime:
    """``count`` ``unit``s before ``now`` (months and years by the calendar, the day clamped to the month's end)."""
    if unit in ("day", "week"):
        return now - timedelta(days=count * (7 if unit == "week" else 1))
    months = count * (12 if unit == "year" else 1)
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    first = datetime(year, month + 1, 1, tzinfo=UTC)
    last_day = (_month_after(first) - timedelta(days=1)).day
    return now.replace(year=year, month=month + 1, day=min(now.day, last_day))


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)
