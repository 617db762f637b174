"""Does a command's output match the output a doc shows? The rule, in full:

- Lines are compared after removing trailing spaces; blank lines at the start
  and end of either side are ignored.
- A line that is only ``...`` matches any number of lines, none included.
- Inside a line, ``...`` matches any text (none included), and four
  placeholders match what changes between runs:
  ``<n>`` a number (``12``, ``-0.9731``, ``1,106``), ``<hash>`` 7 or more hex digits,
  ``<time>`` an ISO 8601 date or time, ``<id>`` any text without spaces.
- Everything else must be equal, character for character.

Written for doc authors in ``docs/guide/contributing-docs.md``.
"""

from __future__ import annotations

import re
from functools import cache

ELLIPSIS = "..."
PLACEHOLDERS = {
    "...": r".*?",
    "<n>": r"-?\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?",
    "<hash>": r"[0-9a-f]{7,}",
    "<time>": r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?",
    "<id>": r"\S+",
}
_SPLIT = re.compile("(" + "|".join(re.escape(p) for p in PLACEHOLDERS) + ")")


@cache
def _line_pattern(expected: str) -> re.Pattern[str]:
    parts = _SPLIT.split(expected)
    return re.compile("".join(PLACEHOLDERS[p] if p in PLACEHOLDERS else re.escape(p) for p in parts) + r"\Z")


def _trimmed(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def output_matches(expected: str, actual: str) -> bool:
    """True when ``actual`` is what ``expected`` shows, by the rule above."""
    want, got = _trimmed(expected), _trimmed(actual)

    @cache
    def match(i: int, j: int) -> bool:
        if i == len(want):
            return j == len(got)
        if want[i].strip() == ELLIPSIS:
            return any(match(i + 1, k) for k in range(j, len(got) + 1))
        return j < len(got) and _line_pattern(want[i]).match(got[j]) is not None and match(i + 1, j + 1)

    return match(0, 0)
