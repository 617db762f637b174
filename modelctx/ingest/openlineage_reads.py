"""Every OpenLineage read stays on the version current when its run started, whatever the arrival order.

A run's inputs are resolved when its events are converted (``ingest/openlineage.py``,
``DatasetIdentity.resolve_read``), from the writes known then. Events arrive in
any order — a later run's events before an earlier run's COMPLETE, a run's
COMPLETE before its START, HTTP and CLI interleaved — so a choice made early
can be proved wrong by an event that arrives later:

* a write arrives whose time lies between a reader's current version and the
  reader's start: the reader read this write (:meth:`ReadKeeper.after_write`);
* a run's start moves earlier (its START arrives after its other events): it
  read what was current at that earlier time (:meth:`ReadKeeper.after_start_moved`).

The wrong read is re-pointed: its USED edge is removed and one with the same
properties written to the right version, and so are the DERIVED_FROM edges of
the run's outputs to the old version. Removal is a store primitive
(:class:`~modelctx.graph.model.EdgeRemoval`, logged in the change log), so the
graph converges to the one in-order arrival builds. A read pinned by the
input's ``version`` facet (``PINNED`` on its edge) is never re-pointed.

:class:`UnitEdges` is what the converter knows of these edges in one unit: the
stored ones with what the unit's records already wrote or removed on top, since
the store shows the unit's records only once they are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from modelctx.graph.batch import merge_properties
from modelctx.graph.model import Edge, EdgeRemoval, EdgeType
from modelctx.ingest.identity import DatasetIdentity
from modelctx.ingest.lookup import GraphLookup

#: On a USED edge: the input named its version (a ``version`` facet), so the read is not re-pointed.
PINNED = "openlineage.pinned"
#: Versions, newest first, whose readers a new write may take over (a reader skips only its own writes).
CANDIDATE_VERSIONS = 3
_TRACKED = frozenset({EdgeType.USED, EdgeType.GENERATED_BY, EdgeType.DERIVED_FROM})
EdgeKey = tuple[str, str, str]


class UnitEdges:
    """USED, GENERATED_BY and DERIVED_FROM edges as the store will hold them once the unit is written."""

    def __init__(self, reader: GraphLookup | None) -> None:
        self._reader = reader
        self._stored: dict[tuple[str, str, EdgeType], list[Edge]] = {}
        #: Per key, the unit's records in order: an Edge (a patch merged into what is there) or None (removed).
        self._changed: dict[EdgeKey, list[Edge | None]] = {}
        self._by_end: dict[tuple[str, str, EdgeType], set[EdgeKey]] = {}

    def note(self, records: Iterable[Edge | EdgeRemoval]) -> None:
        """Remember the unit's records of the tracked types, in the order they are written."""
        for record in records:
            if record.type not in _TRACKED:
                continue
            self._changed.setdefault(record.key, []).append(record if isinstance(record, Edge) else None)
            self._by_end.setdefault((record.source, "out", record.type), set()).add(record.key)
            self._by_end.setdefault((record.target, "in", record.type), set()).add(record.key)

    def _stored_edges(self, node: str, direction: Literal["out", "in"], etype: EdgeType) -> list[Edge]:
        key = (node, direction, etype)
        if key not in self._stored:
            self._stored[key] = self._reader.get_edges([node], direction, [etype]) if self._reader else []
        return self._stored[key]

    def edges(self, ids: Iterable[str], direction: Literal["out", "in"], etype: EdgeType) -> list[Edge]:
        """The edges of ``etype`` leaving (out) or entering (in) ``ids``, in key order."""
        found: dict[EdgeKey, dict[str, Any] | None] = {}
        for node in ids:
            for edge in self._stored_edges(node, direction, etype):
                found[edge.key] = dict(edge.properties)
            for key in self._by_end.get((node, direction, etype), ()):
                found.setdefault(key, None)
        out = []
        for key, stored in sorted(found.items()):
            changes = self._changed.get(key, [])
            if changes and changes[-1] is None:
                continue  # removed by the unit
            if stored is None and not changes:
                continue
            # As a batch folds them (graph/batch.py): the writes after the last removal, merged with what is stored.
            last_removal = max((i for i, c in enumerate(changes) if c is None), default=-1)
            props = stored or {}
            for change in changes[last_removal + 1:]:
                assert change is not None
                props = merge_properties(props, change.properties)
            out.append(Edge(key[0], key[2], EdgeType(key[1]), props))
        return out

    def properties(self, source: str, etype: EdgeType, target: str) -> dict[str, Any]:
        """The properties the edge has now ({} when there is none)."""
        return next((e.properties for e in self.edges([source], "out", etype) if e.target == target), {})


class ReadKeeper:
    """Re-points reads that a newly known write or an earlier start shows to be wrong (module docstring)."""

    def __init__(self, identity: DatasetIdentity, edges: UnitEdges,
                 run_states: Callable[[list[str]], Mapping[str, Mapping[str, Any]]]) -> None:
        self._identity = identity
        self._edges = edges
        self._run_states = run_states

    def after_write(self, uri: str | None, version_id: str, written_at: str) -> list[Edge | EdgeRemoval]:
        """The records re-pointing readers that, now ``version_id`` is known, read it."""
        if uri is None:
            return []
        older = [v for v in self._identity.versions_before(uri, written_at, CANDIDATE_VERSIONS) if v != version_id]
        readers = self._edges.edges(older, "in", EdgeType.USED)
        runs = self._run_states(sorted({e.source for e in readers}))
        records: list[Edge | EdgeRemoval] = []
        for used in readers:
            run = runs.get(used.source, {})
            if str(run.get("started_at", "")) >= written_at:  # only a run that started after it can read it
                records += self._check(used, uri, run)
        return records

    def after_start_moved(self, run_id: str) -> list[Edge | EdgeRemoval]:
        """The records re-pointing the run's reads to what was current at its (new, earlier) start."""
        records: list[Edge | EdgeRemoval] = []
        run = self._run_states([run_id]).get(run_id, {})
        for used in self._edges.edges([run_id], "out", EdgeType.USED):
            records += self._check(used, self._identity.uri_of(used.target), run)
        return records

    def _check(self, used: Edge, uri: str | None, run: Mapping[str, Any]) -> list[Edge | EdgeRemoval]:
        props = used.properties
        if uri is None or props.get("role") != "input" or props.get(PINNED):
            return []
        start = run.get("started_at")
        if run.get("source") != "openlineage" or not start:
            return []
        chosen = self._identity.current_version(uri, str(start), not_by=used.source)
        if chosen is None or chosen == used.target:
            return []
        return self._repoint(used, chosen)

    def _repoint(self, used: Edge, chosen: str) -> list[Edge | EdgeRemoval]:
        records: list[Edge | EdgeRemoval] = [EdgeRemoval(used.source, used.target, EdgeType.USED),
                                             Edge(used.source, chosen, EdgeType.USED, dict(used.properties))]
        outputs = [e.source for e in self._edges.edges([used.source], "in", EdgeType.GENERATED_BY)]
        for derived in self._edges.edges(outputs, "out", EdgeType.DERIVED_FROM):
            if derived.target == used.target:
                records.append(EdgeRemoval(derived.source, derived.target, EdgeType.DERIVED_FROM))
                if derived.source != chosen:
                    records.append(Edge(derived.source, chosen, EdgeType.DERIVED_FROM, dict(derived.properties)))
        self._edges.note(records)
        return records
