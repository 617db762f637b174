"""A model card from what the graph records: intended use, limitations, evaluation data.

Nothing is invented: each entry comes from a property of the model version
(or, failing that, of its model) — ``intended_use``, ``limitations``,
``evaluation_data`` — or from a note (an Insight ABOUT the version or model)
whose text starts with the entry's heading, e.g. ``Intended use: ...``
(``modelctx note model_version:churn/1 "Limitations: ..."``). Properties come
first, then notes oldest first; an entry nothing records is left out, and the
card says which are missing, so an auditor sees the gap rather than a blank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from modelctx.governance.facts import sort_by_time
from modelctx.graph.model import Node

#: Card entries: (key in the report, property name, the headings a note may start with).
ENTRIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("intended_use", "intended_use", ("intended use", "intended uses", "purpose")),
    ("limitations", "limitations", ("limitations", "limitation", "known limitations", "caveats")),
    ("evaluation_data", "evaluation_data", ("evaluation data", "evaluation", "evaluated on")),
)

_HEADING = re.compile(r"^\s*([A-Za-z][A-Za-z ]{2,30}?)\s*:\s*(.+)$", re.DOTALL)


def _note_entry(text: str) -> tuple[str, str] | None:
    """The card key and body of a note that starts with a card heading, else None."""
    match = _HEADING.match(text)
    if match is None:
        return None
    heading = match.group(1).strip().lower()
    for key, _prop, headings in ENTRIES:
        if heading in headings:
            return key, match.group(2).strip()
    return None


def model_card(version: Node, model: Node | None, notes: Iterable[Node]) -> dict[str, Any]:
    """The card as JSON: ``{key: [{"text", "source"}]}`` for recorded entries and ``missing`` for the rest."""
    card: dict[str, list[dict[str, str]]] = {}
    for key, prop, _headings in ENTRIES:
        for holder in (version, model):
            value = holder.properties.get(prop) if holder is not None else None
            if holder is not None and isinstance(value, str) and value.strip():
                card.setdefault(key, []).append({"text": value.strip(), "source": f"{holder.id} ({prop})"})
                break
    for note in sort_by_time(notes):
        found = _note_entry(str(note.properties.get("text") or ""))
        if found is not None:
            card.setdefault(found[0], []).append({"text": found[1], "source": note.id})
    entries = {key: card[key] for key, _prop, _headings in ENTRIES if key in card}
    return {**entries, "missing": [key for key, _prop, _headings in ENTRIES if key not in card]}
