"""The embedded search index of one store: documents, embeddings, BM25 and vectors in one folder.

For the SQLite store (one process, or a few on one machine). A store that keeps
the index itself (Neo4j, ``search/store_index.py``) is searched there instead:
``open_index`` below is the one place that chooses, and both implement
``search/indexing.py`` ``Index`` and are fed by the same catch-up functions.

Layout of ``<client.data_dir>/search/``:

- ``index.sqlite`` — the source of truth of the index: one row per node
  (document text, filter fields, the change-log sequence that last touched
  it), the FTS5 table, the embedding cache (SHA-256 of text → vector, so an
  unchanged text is never embedded twice) and ``meta`` (model name and
  dimension, the last change-log sequence covered and its hash).
- ``vectors.npz`` / ``vectors.json`` / ``ann.faiss`` — a snapshot of the
  vector matrix and approximate index; rows changed after the snapshot are
  read back from ``index.sqlite`` on open. ``passage-*`` — the same for the
  passage vectors (``documents.passage_text``: the node's own words alone),
  row for row.

``sync()`` catches up from ``store.changes(last_seq)`` (what a change
re-documents: ``search/indexing.py``). Each
chunk commits its documents together with the sequence it covers, so a killed
process resumes where it stopped and no write is ever skipped. A different
model, or a store whose change log no longer matches the recorded hash (the
store was replaced), forces a rebuild.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from modelctx.errors import BackendError
from modelctx.files import private_dir
from modelctx.graph.store import GraphStore
from modelctx.search import sql
from modelctx.search.chunks import chunks
from modelctx.search.documents import DOCUMENTS_VERSION
from modelctx.search.embedder import Embedder
from modelctx.search.indexing import (
    DocRow,
    Index,
    Indexed,
    Progress,
    SyncReport,
    changed_nodes,
    documents_for,
    texts_to_embed,
)
from modelctx.search.keyword_index import Postings, TermCounts, keyword_search
from modelctx.search.vector_index import EXACT_MAX_ROWS, Filter, VectorIndex

__all__ = ["DocRow", "Index", "Progress", "SearchIndex", "SyncReport", "open_index"]

#: The layout of index.sqlite; another value rebuilds the documents (keeping the embedding cache).
#: 4: documents have a passage vector. After the dot: ``documents.DOCUMENTS_VERSION`` (how documents are built).
SCHEMA_VERSION = f"4.{DOCUMENTS_VERSION}"
#: The file prefix of the passage vectors' snapshot (``VectorIndex.save``).
PASSAGE_FILES = "passage-"
#: Rows applied from index.sqlite after which the vector snapshot is rewritten.
SNAPSHOT_EVERY = 2000


def open_index(store: GraphStore, folder: Path, embedder: Embedder, **options: Any) -> Index:
    """The search index of ``store``: the one the store keeps (Neo4j), else the embedded one in ``folder``.

    ``options`` tune the embedded index's vectors (``exact_max_rows``,
    ``ann_kind``); a store-resident index has its own and ignores them.
    """
    docs = store.search_docs()
    if docs is None:
        return SearchIndex(store, folder, embedder, **options)
    from modelctx.search.store_index import StoreIndex

    return StoreIndex(store, embedder, docs)


class SearchIndex:
    """The search index of ``store`` kept in ``folder``; thread-safe, safe across processes."""

    def __init__(
        self, store: GraphStore, folder: Path, embedder: Embedder, *,
        exact_max_rows: int = EXACT_MAX_ROWS, ann_kind: str | None = None,
    ) -> None:
        self.store = store
        self.folder = folder
        self.embedder = embedder
        self._lock = threading.RLock()
        #: Vector searches in progress: they run outside ``_lock``, side by side (the two matrices of one query
        #: at once), and whatever changes the in-memory vectors waits under ``_lock`` until none is left.
        self._vector_readers = 0
        self._no_vector_readers = threading.Condition(self._lock)
        private_dir(folder)
        try:
            self.conn = sqlite3.connect(
                folder / "index.sqlite", check_same_thread=False, isolation_level=None, timeout=60.0
            )
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.executescript(sql.SCHEMA)
        except sqlite3.Error as exc:
            raise BackendError(f"cannot open the search index {folder / 'index.sqlite'}: {exc}") from exc
        kwargs: dict[str, Any] = {"exact_max_rows": exact_max_rows}
        if ann_kind is not None:
            kwargs["ann_kind"] = ann_kind
        self._vector_kwargs = kwargs
        self._options: dict[str, Any] = {"exact_max_rows": exact_max_rows, "ann_kind": ann_kind}
        self.vectors = VectorIndex(embedder.dim, **kwargs)
        #: The passage vectors, in the same slots as ``vectors``.
        self.passages = VectorIndex(embedder.dim, **kwargs)
        self._mem_seq = -1
        self._mem_generation = ""
        self._applied_since_snapshot = 0
        self._verified_seq = -1
        self._term_counts = TermCounts()
        self._postings = Postings()
        #: ``Postings.resets`` when the last read-ahead finished (None: none has).
        self._read_ahead_resets: int | None = None
        #: The node id of each slot (None: no document there yet), as far as the in-memory vectors go: ranking
        #: maps its candidates to nodes without reading their documents (100k documents: about 8 MB).
        self._node_ids: list[str | None] = []
        with self._lock:
            self._check_model()

    # -- meta ----------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        row = self.conn.execute(sql.GET_META, (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, key: str, value: object) -> None:
        self.conn.execute(sql.SET_META, (key, str(value)))

    @property
    def last_seq(self) -> int:
        return int(self._meta("last_seq") or 0)

    def _check_model(self) -> None:
        if self._meta("model") != self.embedder.name or self._meta("dim") != str(self.embedder.dim):
            self._reset(keep_cache=False)
        elif self._meta("schema") != SCHEMA_VERSION:
            self._reset()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One write transaction on the index file: the write lock taken up front (``BEGIN IMMEDIATE``), committed
        when the block ends, rolled back when it (or the commit) raises anything, an interrupt too."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _reset(self, *, keep_cache: bool = True) -> None:
        """Forget the documents (a replaced store, ``--rebuild``) and, for a new model, the embedding cache."""
        with self._writing():
            for statement in (*sql.DROP_DOCS, *(() if keep_cache else (sql.DROP_CACHE,))):
                self.conn.execute(statement)
        # The model is recorded last: a reset interrupted before this point runs again on next open.
        self.conn.executescript(sql.SCHEMA)
        with self._writing():
            self._set_meta("model", self.embedder.name)
            self._set_meta("dim", self.embedder.dim)
            self._set_meta("schema", SCHEMA_VERSION)
            self._set_meta("last_seq", 0)
            self._set_meta("last_hash", "")
            self._set_meta("generation", uuid.uuid4().hex)
        for prefix in ("", PASSAGE_FILES):
            for name in ("vectors.npz", "vectors.json", "ann.faiss"):
                (self.folder / f"{prefix}{name}").unlink(missing_ok=True)
        self._new_vectors()
        self._node_ids = []
        self._mem_seq = -1

    def _store_matches(self) -> bool:
        """True unless the store's change log no longer contains the entry the index last covered."""
        seq = self.last_seq
        if seq == 0:
            return True
        if self.store.last_seq() < seq:
            return False
        entry = next(iter(self.store.changes(seq - 1, limit=1)), None)
        return entry is not None and entry.seq == seq and entry.hash == self._meta("last_hash")

    # -- catching up ---------------------------------------------------------

    def sync(self, progress: Progress | None = None, *, rebuild: bool = False, memory: bool = True) -> SyncReport:
        """Catch up with the store's change log, then bring the in-memory vectors up to date.

        ``memory=False`` leaves the in-memory vectors alone: the background
        catch-up (``search/catchup.py``) writes the index file through an
        instance of its own and lets the searching instance ``refresh``.
        """
        with self._lock:
            self._await_vector_readers()
            target = self.store.last_seq()
            if not rebuild and self._verified_seq == target == self.last_seq:
                if memory:
                    self._refresh_memory()  # another process may have advanced the index file
                return SyncReport(target, target)
            rebuilt = rebuild or not self._store_matches()
            if rebuilt:
                self._reset()
            start = self.last_seq
            report = SyncReport(start, start, rebuilt=rebuilt)
            if target > start:
                self._catch_up(start, target, report, progress)
            self._verified_seq = self.last_seq
            if memory:
                self._refresh_memory()
            return report

    def refresh(self) -> None:
        """Bring the in-memory vectors up to what the index file holds (another instance or process wrote it)."""
        with self._lock:
            self._await_vector_readers()
            self._refresh_memory()

    @property
    def location(self) -> str:
        return str(self.folder)

    def writer(self) -> SearchIndex:
        """An instance of its own (its own SQLite connection) over the same folder, for a background catch-up."""
        return SearchIndex(self.store, self.folder, self.embedder, **self._options)

    @property
    def searchable_seq(self) -> int:
        """The last change-log entry every search sees: covered by the index file and by the in-memory vectors."""
        with self._lock:
            return max(0, min(self.last_seq, self._mem_seq))

    def _catch_up(self, start: int, target: int, report: SyncReport, progress: Progress | None) -> None:
        # From the start, every node is documented anyway: dependants are for catching up.
        done: set[str] | None = None if start == 0 else set()
        for dirty, last in changed_nodes(self.store, start, target):
            self._flush(dirty, last.seq, last.hash, report, done)
            if progress:
                progress(last.seq - start, target - start)

    def _flush(
        self, dirty: dict[str, float | None], seq: int, seq_hash: str, report: SyncReport, done: set[str] | None,
    ) -> None:
        """Re-document ``dirty`` nodes (``indexing.documents_for``) and commit them with the sequence they cover."""
        existing: dict[str, tuple[int, str, float | None]] = {}

        def stored_at(ids: list[str]) -> dict[str, float | None]:
            for chunk in chunks(ids, sql.MAX_IN):
                for slot, node_id, digest, at in self.conn.execute(
                    sql.SELECT_DOCS_BY_NODE.format(marks=sql.in_marks(len(chunk))), chunk
                ):
                    existing[node_id] = (slot, digest, at)
            return {node_id: row[2] for node_id, row in existing.items()}

        documents = documents_for(self.store, dirty, done, stored_at)
        self._store_embeddings(documents, report)
        with self._writing():
            next_slot = self.conn.execute(sql.MAX_SLOT).fetchone()[0] + 1
            for item in documents:
                document = item.document
                stored = existing.get(document.node_id)
                fields = (document.kind, document.project, document.at, document.title, document.body,
                          document.context, item.digest, item.passage_digest, seq)
                if stored is None:
                    slot = next_slot
                    next_slot += 1
                    self.conn.execute(sql.INSERT_DOC, (slot, document.node_id, *fields))
                else:
                    slot = stored[0]
                    self.conn.execute(sql.UPDATE_DOC, (*fields, slot))
                    self.conn.execute(sql.DELETE_FTS, (slot,))
                self.conn.execute(sql.INSERT_FTS, (slot, document.title, document.body, document.context))
            self._set_meta("last_seq", seq)
            self._set_meta("last_hash", seq_hash)
        report.documents += len(documents)
        report.to_seq = seq

    def _store_embeddings(self, documents: list[Indexed], report: SyncReport) -> None:
        """Embed the texts (enriched and passage) whose digest is not cached yet, and cache them."""
        texts = texts_to_embed(documents)
        cached: set[str] = set()
        digests = list(texts)
        for chunk in chunks(digests, sql.MAX_IN):
            cached.update(
                row[0] for row in self.conn.execute(
                    sql.SELECT_CACHED_DIGESTS.format(marks=sql.in_marks(len(chunk))), chunk
                )
            )
        missing = [d for d in digests if d not in cached]
        if not missing:
            return
        vectors = self.embedder.embed([texts[d] for d in missing])
        with self._writing():
            self.conn.executemany(
                sql.INSERT_EMBEDDING, [(d, vectors[i].tobytes()) for i, d in enumerate(missing)]
            )
        report.embedded += len(missing)

    # -- in-memory vectors ---------------------------------------------------

    def _new_vectors(self) -> None:
        self.vectors = VectorIndex(self.embedder.dim, **self._vector_kwargs)
        self.passages = VectorIndex(self.embedder.dim, **self._vector_kwargs)

    def _refresh_memory(self) -> None:
        generation = self._meta("generation") or ""
        ids_since: int | None = self._mem_seq  # the node ids to read: those written after it (None: all)
        if self._mem_seq < 0 or generation != self._mem_generation:
            ids_since = None
            self._new_vectors()
            snapshot = self.vectors.load(self.folder, generation)
            # Both snapshots are written together; one missing or behind the other (a killed save) reloads both.
            if snapshot is None or snapshot > self.last_seq or self.passages.load(
                self.folder, generation, PASSAGE_FILES
            ) != snapshot:
                self._new_vectors()
                snapshot = 0
            self._mem_seq = snapshot
            self._mem_generation = generation
            self._applied_since_snapshot = 0
        target = self.last_seq
        if ids_since is None or target > ids_since:
            self._read_node_ids(ids_since)
        if target > self._mem_seq:
            applied = self._apply_rows_since(self._mem_seq)
            self._applied_since_snapshot += applied
            self._mem_seq = target
        if self.vectors.needs_ann_rebuild() or self.passages.needs_ann_rebuild():
            self.vectors.rebuild_ann()
            self.passages.rebuild_ann()
            self._save_snapshot()
        elif self._applied_since_snapshot >= SNAPSHOT_EVERY:
            self._save_snapshot()
        self._postings.catch_up(self.conn)

    def _read_node_ids(self, since: int | None) -> None:
        """Note the node id of every slot (``since`` None), or of the slots written after change ``since``.

        A slot keeps its node for the life of the index (``_flush`` gives a new node the next slot; a reset
        starts a new generation, which reads them all again), so what is noted never goes stale.
        """
        if since is None:
            rows = self.conn.execute(sql.SELECT_NODE_IDS).fetchall()
            self._node_ids = []
        else:
            rows = self.conn.execute(sql.SELECT_NODE_IDS_SINCE, (since,)).fetchall()
        if not rows:
            return
        ids = self._node_ids
        last = max(slot for slot, _ in rows)
        if last >= len(ids):
            ids.extend([None] * (last + 1 - len(ids)))
        for slot, node_id in rows:
            ids[slot] = node_id

    def _save_snapshot(self) -> None:
        self.vectors.save(self.folder, self._mem_seq, self._mem_generation)
        self.passages.save(self.folder, self._mem_seq, self._mem_generation, PASSAGE_FILES)
        self._applied_since_snapshot = 0

    def _apply_rows_since(self, seq: int) -> int:
        slots: list[int] = []
        blobs: list[bytes] = []
        passage_blobs: list[bytes] = []
        kinds: list[str] = []
        projects: list[str | None] = []
        ats: list[float | None] = []
        for slot, kind, project, at, blob, passage_blob in self.conn.execute(sql.SELECT_ROWS_SINCE, (seq,)):
            slots.append(slot)
            kinds.append(kind)
            projects.append(project)
            ats.append(at)
            blobs.append(blob)
            passage_blobs.append(passage_blob)
        if not slots:
            return 0
        for vectors, parts in ((self.vectors, blobs), (self.passages, passage_blobs)):
            matrix = np.frombuffer(b"".join(parts), dtype=np.float32).reshape(len(slots), self.embedder.dim)
            vectors.set_rows(slots, matrix, kinds, projects, ats)
        return len(slots)

    def rebuild_ann(self) -> None:
        """Rebuild the approximate index now (``modelctx index`` does this) and save the snapshot."""
        with self._lock:
            self._await_vector_readers()
            self.vectors.rebuild_ann()
            self.passages.rebuild_ann()
            self._save_snapshot()

    # -- reading -------------------------------------------------------------

    def _await_vector_readers(self) -> None:
        """Wait (holding ``_lock``, so that no new one starts) until no vector search is in progress."""
        self._no_vector_readers.wait_for(lambda: self._vector_readers == 0)

    @contextmanager
    def _reading_vectors(self) -> Iterator[tuple[VectorIndex, VectorIndex]]:
        """The in-memory vectors and passages, unchanged until the block ends; other searches may read them too."""
        with self._lock:
            self._vector_readers += 1
            matrices = (self.vectors, self.passages)
        try:
            yield matrices
        finally:
            with self._lock:
                self._vector_readers -= 1
                if not self._vector_readers:
                    self._no_vector_readers.notify_all()

    def vector_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        with self._reading_vectors() as (vectors, _):
            return vectors.search(query_vector, k, where)

    def passage_search(self, query_vector: np.ndarray, k: int, where: Filter) -> list[tuple[int, float]]:
        with self._reading_vectors() as (_, passages):
            return passages.search(query_vector, k, where)

    def keyword_search(
        self, query: str, k: int, where: Filter, *, in_memory: bool = True
    ) -> list[tuple[int, float]]:
        """BM25 top ``k``; ``in_memory=False`` asks FTS5's ``bm25()`` (the reference tests and benches compare with).

        A filter is decided by the in-memory vectors' mask, as the vector search decides it: a document the
        index file holds but memory does not yet (another instance's catch-up, before :meth:`refresh`) is
        left out of both.
        """
        with self._lock:
            postings = self._postings if in_memory else None
            allowed = self.vectors.mask(where) if in_memory and not where.empty else None
            return keyword_search(self.conn, query, k, where, self._term_counts, postings, allowed)

    def read_ahead(self, stop: Callable[[], bool] | None = None, *, min_docs: int | None = None) -> int:
        """Read the postings of the words in many documents into memory now, so that no search reads them.

        The server's catch-up thread does this once it has caught up (``search/catchup.py``): the first search
        using such a word otherwise reads its postings inside the request (``keyword_index.py``
        ``READ_AHEAD_MIN_DOCS``). One word at a time under the lock, so a search waits for one word at most;
        ``stop`` ends it between words. Returns how many postings are held for the words read: 0 when a read-ahead
        finished since the cache last started afresh (a rebuild or many rewritten documents empty it; the
        catch-up thread asks after every catch-up, and reads again after such a reset).
        """
        with self._lock:
            if self._postings.resets == self._read_ahead_resets:
                return 0
            tokens = self._postings.frequent_tokens(self.conn, min_docs)
            resets = self._postings.resets
        held = 0
        for token in tokens:
            if stop is not None and stop():
                return held  # not finished: the next call reads ahead again
            with self._lock:
                read = self._postings.read_ahead(self.conn, token)
            if read is None:
                break
            held += read
        with self._lock:
            self._read_ahead_resets = resets
        return held

    def exact_slots(self, node_ids: list[str], title: str, where: Filter, limit: int = 5) -> list[int]:
        """Slots of ``node_ids`` (in order), then of documents titled ``title`` (case aside), that ``where`` allows."""
        with self._lock:
            slots: list[int] = []
            if node_ids:
                marks = sql.in_marks(len(node_ids))
                found = dict(self.conn.execute(sql.SELECT_SLOTS_BY_NODE.format(marks=marks), node_ids).fetchall())
                slots.extend(int(found[n]) for n in node_ids if n in found)
            if title.strip():
                rows = self.conn.execute(sql.SELECT_SLOTS_BY_TITLE, (title.strip(), limit))
                slots.extend(int(r[0]) for r in rows)
            keep = self.vectors.mask(where)
            allowed = [s for s in dict.fromkeys(slots) if keep is None or (s < len(keep) and keep[s])]
            return allowed[:limit]

    def kinds(self, slots: Iterable[int]) -> dict[int, str]:
        """The kind of each slot held in memory."""
        with self._lock:
            return self.vectors.kinds(slots)

    def documents(self, slots: Iterable[int]) -> dict[int, DocRow]:
        wanted = list(dict.fromkeys(slots))
        out: dict[int, DocRow] = {}
        with self._lock:
            for chunk in chunks(wanted, sql.MAX_IN):
                for row in self.conn.execute(sql.SELECT_DOCS_BY_SLOT.format(marks=sql.in_marks(len(chunk))), chunk):
                    out[int(row[0])] = DocRow(int(row[0]), *row[1:])
        return out

    def node_ids(self, slots: Iterable[int], read: dict[int, DocRow] | None = None) -> dict[int, str]:
        """The node id of each of ``slots`` that holds a document: from memory or ``read``, else (a document
        written since the last refresh, which the keyword index may already find) from the index file; no
        document is read."""
        out: dict[int, str] = {}
        missing: list[int] = []
        with self._lock:
            known = self._node_ids
            for slot in dict.fromkeys(slots):
                node_id = known[slot] if 0 <= slot < len(known) else None
                if node_id is None and read is not None and slot in read:
                    node_id = read[slot].node_id
                if node_id is None:
                    missing.append(slot)
                else:
                    out[slot] = node_id
            for chunk in chunks(missing, sql.MAX_IN):
                marks = sql.in_marks(len(chunk))
                out.update((int(slot), node_id) for slot, node_id in self.conn.execute(
                    sql.SELECT_NODE_IDS_BY_SLOT.format(marks=marks), chunk))
        return out

    def count(self) -> int:
        with self._lock:
            return int(self.conn.execute(sql.COUNT_DOCS).fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._await_vector_readers()
            if self._applied_since_snapshot:
                self._save_snapshot()
            self.conn.close()
            self._postings.close()
