"""The search index kept inside a team store (Neo4j): every API process on that store searches the same one.

The documents and their embeddings are exactly the embedded index's
(``search/indexing.py`` feeds both); they are stored, with their filter
fields, in the graph store through its typed interface
(``graph/search_docs.py``; Neo4j: ``graph/backends/neo4j_search.py``, a native
vector index and a full-text index). The change-log sequence the index
covers is stored there too and advanced by compare-and-set with every chunk:
when two processes catch up at once, the one that commits second writes
nothing and continues from what the first committed, so no chunk is skipped
or applied twice, and a killed process resumes from the last commit.

Nothing is kept in the process: a search reads the store, and what one
process indexed is at once searchable through every other
(``searchable_seq`` is the committed sequence). All processes on one store
must use the same embedding model: a process with another model rebuilds the
index for its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from modelctx.graph.search_docs import DocWrite, IndexState, SearchDocStore
from modelctx.graph.store import GraphStore, redact_uri
from modelctx.search.documents import DOCUMENTS_VERSION
from modelctx.search.embedder import Embedder
from modelctx.search.indexing import DocRow, Indexed, Progress, SyncReport, changed_nodes, documents_for, texts_to_embed
from modelctx.search.keyword_index import query_terms
from modelctx.search.vector_index import Filter

#: The layout of the stored documents; another value rebuilds them. 2: documents have a passage vector. The part
#: after the dot is ``documents.DOCUMENTS_VERSION`` (how documents are built).
SCHEMA_VERSION = f"2.{DOCUMENTS_VERSION}"
#: Catch-ups restarted after losing a compare-and-set before one gives up until the next call.
MAX_RETRIES = 20


class _Behind(Exception):
    """Another writer committed first: continue from what it committed."""


class StoreIndex:
    """The ``search/indexing.py`` ``Index`` over documents ``docs`` keeps in the store; thread-safe."""

    def __init__(self, store: GraphStore, embedder: Embedder, docs: SearchDocStore) -> None:
        self.store = store
        self.embedder = embedder
        self.docs = docs
        self._lock = threading.RLock()

    # -- state ---------------------------------------------------------------------------------------

    def _fits(self, state: IndexState | None) -> bool:
        return (state is not None and state.model == self.embedder.name and state.dim == self.embedder.dim
                and state.schema == SCHEMA_VERSION)

    @property
    def last_seq(self) -> int:
        state = self.docs.state()
        return state.last_seq if self._fits(state) and state is not None else 0

    @property
    def searchable_seq(self) -> int:
        """Everything committed is searchable by every process."""
        return self.last_seq

    def _store_matches(self, state: IndexState) -> bool:
        """True unless the store's change log no longer contains the entry the index last covered."""
        if state.last_seq == 0:
            return True
        if self.store.last_seq() < state.last_seq:
            return False
        entry = next(iter(self.store.changes(state.last_seq - 1, limit=1)), None)
        return entry is not None and entry.seq == state.last_seq and entry.hash == state.last_hash

    # -- catching up ---------------------------------------------------------------------------------

    def sync(self, progress: Progress | None = None, *, rebuild: bool = False, memory: bool = True) -> SyncReport:
        """Catch up with the store's change log; ``memory`` is accepted for the interface (nothing is in memory)."""
        with self._lock:
            target = self.store.last_seq()
            state = self.docs.state()
            rebuilt = rebuild or not self._fits(state) or (state is not None and not self._store_matches(state))
            if rebuilt or state is None:
                state = self.docs.reset(self.embedder.name, self.embedder.dim, SCHEMA_VERSION)
            report = SyncReport(state.last_seq, state.last_seq, rebuilt=rebuilt)
            for _ in range(MAX_RETRIES):
                if state.last_seq >= target:
                    break
                try:
                    self._catch_up(state, target, report, progress)
                    break
                except _Behind:
                    current = self.docs.state()
                    if current is None or not self._fits(current):
                        break  # reset by a process with another model: the next call rebuilds
                    state = current
                    report.to_seq = state.last_seq
            if report.from_seq == 0 and report.documents:
                # A build from scratch: documents of an earlier generation (a rebuild, a replaced store) lent their
                # vectors and are dropped now.
                self.docs.prune(state.generation)
            return report

    def _catch_up(self, state: IndexState, target: int, report: SyncReport, progress: Progress | None) -> None:
        start = state.last_seq
        done: set[str] | None = None if start == 0 else set()
        for dirty, last in changed_nodes(self.store, start, target):
            documents = documents_for(self.store, dirty, done, self._stored_at)
            writes = self._writes(documents, report)
            if not self.docs.commit(writes, state, last.seq, last.hash):
                raise _Behind
            state = replace(state, last_seq=last.seq, last_hash=last.hash)
            report.documents += len(writes)
            report.to_seq = last.seq
            if progress:
                progress(last.seq - start, target - start)

    def _stored_at(self, ids: list[str]) -> dict[str, float | None]:
        return {node_id: at for node_id, (_slot, at) in self.docs.existing(ids).items()}

    def _writes(self, documents: list[Indexed], report: SyncReport) -> list[DocWrite]:
        """The documents with their vectors: reused where a text with the same digest has one, else embedded."""
        vectors: dict[str, list[float]] = {}
        if self.embedder.semantic and documents:
            texts = texts_to_embed(documents)
            digests = list(texts)
            vectors = self.docs.cached_vectors(digests)
            missing = [d for d in digests if d not in vectors]
            if missing:
                embedded = self.embedder.embed([texts[d] for d in missing])
                vectors.update({d: embedded[i].astype(np.float32).tolist() for i, d in enumerate(missing)})
                report.embedded += len(missing)
        return [
            DocWrite(d.node_id, d.kind, d.project, d.at, d.title, d.body, d.context, item.digest,
                     vectors.get(item.digest), item.passage_digest, vectors.get(item.passage_digest))
            for item in documents for d in (item.document,)
        ]

    def refresh(self) -> None:
        """Nothing to do: every search reads the store."""

    def read_ahead(self, stop: Callable[[], bool] | None = None) -> int:
        """Nothing to read ahead: the store's full-text index scores every search."""
        return 0

    @property
    def location(self) -> str:
        return f"in the store, {redact_uri(self.store.uri)}"

    def writer(self) -> StoreIndex:
        return StoreIndex(self.store, self.embedder, self.docs)

    def rebuild_ann(self) -> None:
        """Nothing to do: the store maintains its vector index."""

    # -- reading -------------------------------------------------------------------------------------

    def keyword_search(self, query: str, k: int, where: Filter) -> list[tuple[int, float]]:
        return self.docs.keyword(query_terms(query), k, where)

    def vector_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        return self.docs.vector(np.asarray(query_vector, dtype=np.float32).tolist(), k, where)

    def passage_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        return self.docs.passage_vector(np.asarray(query_vector, dtype=np.float32).tolist(), k, where)

    def exact_slots(self, node_ids: list[str], title: str, where: Filter, limit: int = 5) -> list[int]:
        """Slots of ``node_ids`` (in order), then of documents titled ``title`` (case aside), that ``where`` allows."""
        slots: list[int] = []
        if node_ids:
            found = self.docs.slots_by_node(node_ids)
            slots.extend(found[n] for n in node_ids if n in found)
        if title.strip():
            slots.extend(self.docs.slots_by_title(title.strip(), limit))
        unique = list(dict.fromkeys(slots))
        if not where.empty:
            keep = self.docs.allowed(unique, where)
            unique = [s for s in unique if s in keep]
        return unique[:limit]

    def kinds(self, slots: Iterable[int]) -> dict[int, str]:
        return self.docs.kinds(list(dict.fromkeys(slots)))

    def documents(self, slots: Iterable[int]) -> dict[int, DocRow]:
        return self.docs.documents(list(dict.fromkeys(slots)))

    def node_ids(self, slots: Iterable[int], read: dict[int, DocRow] | None = None) -> dict[int, str]:
        """Read from the documents (the store's index keeps no node ids in memory); they go into ``read``."""
        rows = read if read is not None else {}
        wanted = list(dict.fromkeys(slots))
        rows.update(self.documents(slot for slot in wanted if slot not in rows))
        return {slot: rows[slot].node_id for slot in wanted if slot in rows}

    def count(self) -> int:
        return self.docs.count()

    def close(self) -> None:
        """Nothing to release: the store belongs to its client."""
