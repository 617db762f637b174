"""What an ingestor may be handed besides its config: a read-only graph view and a progress sink.

Ingestors never see a store (``docs/design.md``, "Ingestors"), yet some must read what is already
there: the last ingested commit of a branch, the known versions of a dataset,
whether a model version exists. They take a :class:`GraphLookup` instead; any
GraphStore satisfies it, and the CLI passes the store it opened. Long reads
(a 2 GB file is one batch) report their own progress to an
:class:`IngestProgress`, which the CLI's progress bar satisfies.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal, Protocol

from modelctx.graph.model import Edge, EdgeType, Node, NodeKind


class GraphLookup(Protocol):
    """The reads ingestors need; all side-effect free. Every store (``graph/store.py``) is one."""

    def get_nodes(self, ids: Iterable[str]) -> dict[str, Node]:
        """The stored nodes among ``ids``, keyed by id; missing ids are left out."""
        ...

    def find_nodes(
        self,
        kind: NodeKind | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Node]:
        """Nodes of ``kind`` whose scalar properties equal ``properties``, in insertion order."""
        ...

    def iter_nodes(self, kind: NodeKind | None = None, properties: Mapping[str, Any] | None = None) -> Iterator[Node]:
        """Every node of ``kind`` matching ``properties``."""
        ...

    def get_edges(
        self, ids: Iterable[str], direction: Literal["out", "in", "both"] = "both",
        types: Iterable[EdgeType | str] | None = None,
    ) -> list[Edge]:
        """Edges leaving (out), entering (in) or touching (both) any of ``ids``, in a stable order."""
        ...


class IngestProgress(Protocol):
    """Progress in the ingestor's own unit (commits, bytes)."""

    def set_total(self, total: int | None) -> None: ...

    def advance(self, records: int) -> None: ...


class NoProgress:
    """The progress sink that reports nowhere."""

    def set_total(self, total: int | None) -> None:
        return None

    def advance(self, records: int) -> None:
        return None


def empty_lookup() -> GraphLookup:
    """A lookup of an empty graph: for dry runs without a store and for one-shot conversions."""
    from modelctx.graph.snapshot import SnapshotGraphStore

    return SnapshotGraphStore("memory:empty", None, ())


def get_node(lookup: GraphLookup, node_id: str) -> Node | None:
    """One node or None."""
    return lookup.get_nodes([node_id]).get(node_id)
