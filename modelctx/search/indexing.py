"""What every search index shares: the interface the ranking code uses, and catching up from the change log.

Two indexes implement :class:`Index`:

- ``search/index.py`` ``SearchIndex``, the embedded index beside one process
  (SQLite FTS5, numpy/FAISS vectors), for the SQLite store;
- ``search/store_index.py`` ``StoreIndex``, kept inside a team store (Neo4j's
  full-text and vector indexes, ``graph/backends/neo4j_search.py``), so every
  API process on that store searches the same index.

``search/index.py`` ``open_index`` is the one place that chooses. Both are fed
by the same two functions here, so they hold the same documents: a node entry
of the change log re-documents the node and its *dependants* (the nodes whose
neighbourhood quotes it, ``search/neighbourhood.py``); an edge entry
re-documents both ends and their dependants; ABOUT edges re-document the
Insight's target. The ranking (``search/service.py``) sees only
``(slot, score)`` pairs and :class:`DocRow`s, whichever index answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from modelctx.graph.changelog import Change, ChangeOp
from modelctx.graph.model import EdgeType, Node, NodeKind
from modelctx.graph.search_docs import StoredDoc
from modelctx.graph.store import GraphStore
from modelctx.search.chunks import chunks
from modelctx.search.documents import Document, build_document, embedding_text, passage_text
from modelctx.search.embedder import text_digest
from modelctx.search.neighbourhood import NEIGHBOURHOOD_EDGES, dependants, neighbourhood
from modelctx.search.vector_index import Filter
from modelctx.times import read_stored

#: Documents per committed chunk during catch-up.
FLUSH_DOCS = 4096

Progress = Callable[[int, int], None]
"""Called with (change-log entries done, entries to do)."""

#: One stored document as the ranking code reads it (the same shape for every index).
DocRow = StoredDoc


@dataclass(frozen=True, slots=True)
class Indexed:
    """A document with the digests of its two vector texts: the neighbourhood-enriched one and its passage.

    Each index stores a vector per digest once (an unchanged text is never
    embedded twice); a node without neighbours often has one text for both.
    """

    document: Document
    digest: str
    passage_digest: str


def texts_to_embed(indexed: Iterable[Indexed]) -> dict[str, str]:
    """Digest → text of every vector ``indexed`` needs: each document's enriched text and its passage."""
    texts: dict[str, str] = {}
    for item in indexed:
        texts.setdefault(item.digest, embedding_text(item.document))
        texts.setdefault(item.passage_digest, passage_text(item.document))
    return texts


@dataclass(slots=True)
class SyncReport:
    """What one catch-up did."""

    from_seq: int
    to_seq: int
    documents: int = 0
    embedded: int = 0
    rebuilt: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "from_seq": self.from_seq, "to_seq": self.to_seq, "documents": self.documents,
            "embedded": self.embedded, "rebuilt": self.rebuilt,
        }


class Index(Protocol):
    """A search index as the search service, the API's catch-up and the CLI use it."""

    @property
    def location(self) -> str:
        """Where the index lives, as a person is told: a folder, or the store itself."""

    @property
    def last_seq(self) -> int:
        """The last change-log entry the index has committed."""

    @property
    def searchable_seq(self) -> int:
        """The last change-log entry every search of this instance sees."""

    def sync(self, progress: Progress | None = None, *, rebuild: bool = False, memory: bool = True) -> SyncReport:
        """Catch up with the store's change log (``rebuild``: from scratch)."""

    def refresh(self) -> None:
        """See what another instance or process committed."""

    def read_ahead(self, stop: Callable[[], bool] | None = None) -> int:
        """Read now what a search would otherwise read inside a request (the postings of frequent words), until
        ``stop``; returns how much was read (0: nothing to read ahead, or read ahead already since what was read
        last was dropped)."""

    def writer(self) -> Index:
        """Another instance over the same index, for a background catch-up (``search/catchup.py``)."""

    def rebuild_ann(self) -> None:
        """Rebuild an approximate vector index now, where the index keeps one of its own."""

    def keyword_search(self, query: str, k: int, where: Filter) -> list[tuple[int, float]]:
        """The ``k`` best keyword matches (slot, score), best first."""

    def vector_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        """The ``k`` nearest documents (slot, cosine) that ``where`` allows, best first (``k`` when that many match)."""

    def passage_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        """The ``k`` documents whose passage (``documents.passage_text``) is nearest, as :meth:`vector_search`."""

    def exact_slots(self, node_ids: list[str], title: str, where: Filter, limit: int = 5) -> list[int]:
        """Slots of ``node_ids`` (in order), then of documents titled ``title`` (case aside), that ``where`` allows."""

    def kinds(self, slots: Iterable[int]) -> dict[int, str]:
        """The kind of each slot."""

    def documents(self, slots: Iterable[int]) -> dict[int, DocRow]:
        """The documents of ``slots``."""

    def node_ids(self, slots: Iterable[int], read: dict[int, DocRow] | None = None) -> dict[int, str]:
        """The node id of each of ``slots`` that holds a document.

        An index that keeps them in memory reads nothing; one that must read the documents for them puts those
        in ``read`` (and takes the ids of the documents already there), so its caller need not read them again.
        """

    def count(self) -> int:
        """How many documents the index holds."""

    def close(self) -> None:
        """Release what this instance holds."""


def changed_nodes(store: GraphStore, start: int, target: int) -> Iterator[tuple[dict[str, float | None], Change]]:
    """The nodes to re-document for change-log entries ``start+1 .. target``, in chunks of about ``FLUSH_DOCS``.

    Each chunk is ``(node id → when it first entered the log, or None; the last
    entry the chunk covers)``; the last chunk is yielded even when empty, so the
    covered sequence always reaches ``target``.
    """
    dirty: dict[str, float | None] = {}
    last: Change | None = None
    for change in store.changes(start):
        if change.seq > target:
            break
        payload = change.payload
        if change.op == ChangeOp.UPSERT_NODES:
            moment = read_stored(change.at)
            seen = moment.timestamp() if moment else None
            for record in payload.get("nodes", ()):
                dirty.setdefault(str(record["id"]), seen)
        elif change.op in (ChangeOp.UPSERT_EDGES, ChangeOp.REMOVE_EDGES):
            for record in payload.get("edges", ()):
                etype = record.get("type")
                if etype == EdgeType.ABOUT.value or etype in NEIGHBOURHOOD_EDGES:
                    dirty.setdefault(str(record["target"]), None)
                    dirty.setdefault(str(record["source"]), None)
        last = change
        if len(dirty) >= FLUSH_DOCS:
            yield dirty, last
            dirty = {}
    if last is not None:
        yield dirty, last


def _load_nodes(store: GraphStore, ids: list[str]) -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for chunk in chunks(ids):
        nodes.update(store.get_nodes(chunk))
    return nodes


def _about_edges(store: GraphStore, ids: list[str], direction: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for chunk in chunks(ids):
        for edge in store.get_edges(chunk, direction, [EdgeType.ABOUT]):  # type: ignore[arg-type]
            pairs.append((edge.source, edge.target))
    return pairs


def documents_for(
    store: GraphStore,
    dirty: dict[str, float | None],
    done: set[str] | None,
    stored_at: Callable[[list[str]], dict[str, float | None]],
) -> list[Indexed]:
    """The documents (with the digests of their vector texts) of ``dirty`` nodes and what they pull in.

    Insights pull in their targets; when ``done`` is a set (catching up rather
    than building from the start), the dependants not yet in it too, and it
    records them. ``stored_at`` gives the ``at`` of documents the index already
    holds, so a node keeps the time it first entered the change log.
    """
    insight_prefix = NodeKind.INSIGHT.value + ":"
    insights = [i for i in dirty if i.startswith(insight_prefix)]
    for _, target in _about_edges(store, insights, "out"):
        dirty.setdefault(target, None)
    if done is not None:
        for node_id in sorted(dependants(store, dirty) - done):
            dirty.setdefault(node_id, None)
        done.update(dirty)
    nodes = _load_nodes(store, list(dirty))
    near = neighbourhood(store, list(nodes))
    near_nodes = _load_nodes(store, sorted({n for found in near.values() for n in found} - set(nodes)))
    near_nodes.update(nodes)
    about: dict[str, list[str]] = {}
    for source, target in _about_edges(store, list(nodes), "in"):
        about.setdefault(target, []).append(source)
    insight_nodes = _load_nodes(store, sorted({s for sources in about.values() for s in sources}))
    stored = stored_at(list(nodes))
    documents: list[Indexed] = []
    for node_id in dirty:  # change-log order: slots are handed out alike whatever the store's read order
        node = nodes.get(node_id)
        if node is None:
            continue
        attached = [insight_nodes[s] for s in sorted(about.get(node_id, ())) if s in insight_nodes]
        first_seen = stored[node_id] if node_id in stored else dirty.get(node_id)
        lent = [near_nodes[n] for n in near.get(node_id, ()) if n in near_nodes]
        document = build_document(node, attached, first_seen=first_seen, neighbours=lent)
        documents.append(Indexed(document, text_digest(embedding_text(document)),
                                 text_digest(passage_text(document))))
    return documents
