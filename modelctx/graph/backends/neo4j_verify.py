"""The Neo4j store's side of ``verify_integrity``: nodes and relationships streamed in ranges of nid.

``graph/integrity.py`` holds the comparison; this module only reads. Each
range of nids is one statement returning one record of lists (the driver's
per-record cost is far above the server's), so memory holds one range at a
time. A node's derived data is checked as it streams: its labels must be
exactly ``Node`` and its kind's label (reads match on them), and its
``pkeys`` and ``p.<key>`` copies must be those of its properties
(``find_nodes`` filters on them inside the server). A tampered copy would
make a filter answer what the properties do not say.

Neo4j reads are not one snapshot: a write may commit between reading the log
and reading the nodes. The scan says so (``consistent``); ``verify_integrity``
then repeats a differing comparison inside one transaction that holds the
writers' lock (``Neo4jGraphStore._integrity_scan(locked=True)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from modelctx.graph.backends import neo4j_cypher as cy
from modelctx.graph.backends.neo4j_writes import node_row
from modelctx.graph.changelog import ChangeRow
from modelctx.graph.integrity import Derived, StoredEdge, StoredNode
from modelctx.graph.model import NodeKind
from modelctx.graph.values import strict_equal

if TYPE_CHECKING:
    from modelctx.graph.backends.neo4j import Neo4jGraphStore

#: nids per range statement.
RANGE = 2000
_KINDS = {kind.value: kind for kind in NodeKind}


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def _loads(text: Any) -> Any:
    """Stored properties parsed, or the stored value as is when it is not JSON text (the comparison names it)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


class Neo4jScan:
    """Reads through ``reader`` (the store, or its reads inside the verifying transaction)."""

    def __init__(self, reader: Neo4jGraphStore, *, consistent: bool) -> None:
        self.reader = reader
        self.consistent = consistent
        self._faults: list[Derived] = []

    def _rows(self, query: str, **params: Any) -> list[Any]:
        records = self.reader._read("verifying the store", query, **params)
        return list(records[0]["rows"]) if records else []

    def change_rows(self) -> Iterator[ChangeRow]:
        since = 0
        while True:
            records = self.reader._read("reading the change log", cy.CHANGES_PAGE, since=since,
                                        limit=cy.SCAN_CHANGES_PAGE)
            for r in records:
                yield r["seq"], r["at"], r["actor"], r["op"], r["payload"], r["prev_hash"], r["hash"]
            if len(records) < cy.SCAN_CHANGES_PAGE:
                return
            since = records[-1]["seq"]

    def _ranges(self) -> Iterator[tuple[int, int]]:
        lo = self.reader._read("verifying the store", cy.SCAN_NEXT_NID, **{"from": -(2**63)})[0]["nid"]
        while lo is not None:
            hi = lo + RANGE
            yield lo, hi
            lo = self.reader._read("verifying the store", cy.SCAN_NEXT_NID, **{"from": hi})[0]["nid"]

    def nodes(self) -> Iterator[StoredNode]:
        for lo, hi in self._ranges():
            yield from self._nodes(self._rows(cy.SCAN_NODES_RANGE, lo=lo, hi=hi))
        yield from self._nodes(self._rows(cy.SCAN_NODES_UNNUMBERED))

    def _nodes(self, rows: list[Any]) -> Iterator[StoredNode]:
        for nid, node_id, kind, props, labels, pkeys, copies in rows:
            parsed = _loads(props)
            self._check(nid, node_id, kind, parsed, labels, pkeys, copies)
            yield node_id, kind, parsed

    def _check(self, nid: Any, node_id: Any, kind: Any, props: Any, labels: list[str], pkeys: Any,
               copies: list[list[Any]]) -> None:
        """Note where the node's derived data disagrees with its kind and properties."""
        place = f"node {node_id}" if isinstance(node_id, str) else f"node <{node_id!r}>"
        name = node_id if isinstance(node_id, str) else None
        known = _KINDS.get(kind) if isinstance(kind, str) else None
        if known is not None and sorted(labels) != sorted(["Node", known.label]):
            self._faults.append(Derived(place, f"has the labels {sorted(labels)} in Neo4j, not "
                                               f"{sorted(['Node', known.label])}", node=name))
            return
        if type(nid) is not int:
            self._faults.append(Derived(place, f"has no integer nid in Neo4j (it has {nid!r})", node=name))
            return
        if known is None or not isinstance(name, str) or type(props) is not dict:
            return  # the comparison with the log names what is wrong with the node itself
        expected = node_row(name, known, nid, props)
        if not isinstance(pkeys, list) or sorted(map(str, pkeys)) != sorted(props):
            self._faults.append(Derived(place, "has a property-name list (pkeys) in Neo4j that differs from its "
                                               "properties", node=name))
            return
        held = {k: v for k, v in copies}
        wanted = {k: v for k, v in expected.items() if k.startswith(cy.SCALAR_PREFIX)}
        if not strict_equal(held, wanted):
            for key in sorted(held.keys() | wanted.keys()):
                if key not in held:
                    detail = f"lacks the filter copy {key!r} in Neo4j (its properties say {_show(wanted[key])})"
                elif key not in wanted:
                    detail = f"has the filter copy {key!r} = {_show(held[key])} in Neo4j, which its properties lack"
                elif not strict_equal(held[key], wanted[key]):
                    detail = (f"has the filter copy {key!r} = {_show(held[key])} in Neo4j, but its properties say "
                              f"{_show(wanted[key])}")
                else:
                    continue
                self._faults.append(Derived(place, detail, node=name))
                return

    def edges(self) -> Iterator[StoredEdge]:
        for lo, hi in self._ranges():
            for source, etype, target, props in self._rows(cy.SCAN_EDGES_RANGE, lo=lo, hi=hi):
                yield source, etype, target, _loads(props)
        for source, etype, target, props in self._rows(cy.SCAN_EDGES_UNNUMBERED):
            yield source, etype, target, _loads(props)

    def derived(self) -> Iterator[Derived]:
        faults, self._faults = self._faults, []
        yield from faults
