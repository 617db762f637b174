"""Ids and digests in report text: found once, shown short in the body, in full in the appendix.

A node id (``dataset_version:breast-cancer/75a1d74a…``) or a digest
(``sha256:…``, a bare 64-hex chain hash) wrapped mid-string in a table cell is
unreadable; an auditor needs it whole only to look it up. So every renderer
(``modelctx/governance/render.py``) splits text with :func:`split_refs`, shows
each ref's :attr:`Ref.short` form (long hex runs and UUIDs cut to their first
``KEEP_HEX`` characters and an ellipsis) and lists the full forms in the
report's appendix; HTML links node ids to the web app's node page
(:func:`node_url`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from modelctx.graph.model import NodeKind

#: Hex characters a short form keeps of a long hex run.
KEEP_HEX = 10
#: Hex runs at least this long are shortened.
LONG_HEX = 16

_KINDS = "|".join(sorted((k.value for k in NodeKind), key=len, reverse=True))
_NODE_ID = rf"(?<![\w./:-])(?:{_KINDS}):[^\s,;|()\[\]<>\"'`]+"
_DIGEST = rf"(?<![\w:])(?:sha256|sha512|sha1|md5):[0-9a-fA-F]{{{LONG_HEX},}}|(?<![\w:/])[0-9a-f]{{32,}}(?![\w])"
_PATTERN = re.compile(rf"{_NODE_ID}|{_DIGEST}")
_LONG_HEX = re.compile(rf"[0-9a-fA-F]{{8}}(?:-[0-9a-fA-F]{{4}}){{3}}-[0-9a-fA-F]{{12}}|[0-9a-fA-F]{{{LONG_HEX},}}")


@dataclass(frozen=True, slots=True)
class Ref:
    """An id or digest found in text."""

    full: str
    is_node: bool

    @property
    def short(self) -> str:
        return _LONG_HEX.sub(lambda m: m.group(0)[:KEEP_HEX] + "…", self.full)

    @property
    def shortened(self) -> bool:
        return self.short != self.full


@lru_cache(maxsize=1 << 16)
def split_refs(text: str) -> tuple[str | Ref, ...]:
    """``text`` as plain parts and refs, in order (a trailing full stop stays text).

    Cached: a report shows the same ids in many cells and again in its appendix.
    """
    if ":" not in text and len(text) < 32:  # no id, no digest, no chain hash: most cells
        return (text,) if text else ()
    parts: list[str | Ref] = []
    last = 0
    for match in _PATTERN.finditer(text):
        found = match.group(0)
        end = match.end()
        while found and found[-1] in ".:":  # the end of a sentence, not of the id
            found = found[:-1]
            end -= 1
        if not found:
            continue
        if match.start() > last:
            parts.append(text[last:match.start()])
        parts.append(Ref(found, not found[0].isdigit() and not _is_digest(found)))
        last = end
    if last < len(text):
        parts.append(text[last:])
    return tuple(parts)


def _is_digest(value: str) -> bool:
    return re.fullmatch(_DIGEST, value) is not None


def shorten(text: str) -> str:
    """``text`` with every ref in its short form."""
    return "".join(p.short if isinstance(p, Ref) else p for p in split_refs(text))


def refs_in(text: str) -> list[Ref]:
    """The refs in ``text`` that a short form hides (what the appendix must list)."""
    return [p for p in split_refs(text) if isinstance(p, Ref) and p.shortened]


def node_url(node_id: str) -> str:
    """The web app's page of a node (``/nodes/{id}``, the id URL-quoted whole)."""
    return "/nodes/" + quote(node_id, safe="")
