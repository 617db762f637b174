"""The search index kept inside Neo4j: documents, a native vector index and a full-text index.

Implements :class:`modelctx.graph.search_docs.SearchDocStore` for
``Neo4jGraphStore``; ``search/store_index.py`` feeds it from the change log
with the same documents and embeddings as the embedded index, so every API
process on one Neo4j answers a search the same way. Statements and the
storage shape are in ``neo4j_search_cypher.py``.

- Commit is a compare-and-set: the writer's transaction first locks the
  ``SearchIndexState`` node, then checks that the covered sequence and the
  generation are still those it started from; otherwise it writes nothing.
  Two processes catching up at once therefore never skip or double-apply a
  chunk, and a killed one resumes from the sequence last committed.
- The vector index has the embedded index's HNSW shape (M=32, no
  quantization) and is always asked for at least ``EF_SEARCH`` neighbours
  (its search breadth; ``bench/search_neo4j_bench.py`` measures the recall).
- Vector filters: the vector index is over-fetched (``OVERFETCH`` times
  ``k``) and filtered; when fewer than ``k`` survive, the same filter picks
  the candidates first and they are ranked exactly (brute-force cosine in
  the server), so a selective filter still returns ``k`` hits when ``k``
  documents match it.
- Full text: user words are never Lucene syntax. ``lucene_query`` quotes each
  word (escaping ``\\`` and ``"``), so ``foo AND (bar`` or ``name:x*`` are just
  words; field boosts mirror the embedded index's BM25 column weights
  (``search/sql.py``: title 2, body 1, neighbourhood 0.1).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from modelctx.errors import BackendError
from modelctx.graph.backends import neo4j_search_cypher as cy
from modelctx.graph.backends.neo4j_writes import chunks
from modelctx.graph.search_docs import DocFilter, DocWrite, IndexState, StoredDoc

if TYPE_CHECKING:
    from neo4j import ManagedTransaction

    from modelctx.graph.backends.neo4j import Neo4jGraphStore

#: How many more vector-index neighbours a filtered query asks for than it returns.
OVERFETCH = 8
#: The fewest neighbours asked of the vector index: Lucene's HNSW explores as many candidates as it is asked
#: for, so this is its efSearch: 50, what a hybrid search asks for anyway (``search/hybrid.py`` VECTOR_CANDIDATES).
EF_SEARCH = 50
#: Field boosts of the full-text query (the embedded index's ``bm25(docs_fts, 2.0, 1.0, 0.1)``).
FIELD_BOOSTS: tuple[tuple[str, float], ...] = (("title", 2.0), ("body", 1.0), ("context", 0.1))
#: Documents per UNWIND statement (each carries a vector of a few hundred floats).
ROWS_PER_STATEMENT = 1000
#: Documents of an old generation deleted per transaction after a reset.
DELETE_BATCH = 10_000


class _Conflict(Exception):
    """Another writer advanced or reset the index since this one read it: roll back, write nothing."""


def _quoted(term: str) -> str:
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lucene_query(terms: Sequence[str], weights: Sequence[Sequence[float]] | None = None) -> str | None:
    """A Lucene query matching any of ``terms`` in any field, each term a quoted phrase; None without terms.

    ``weights[i][f]`` multiplies the boost of term ``i`` in field ``f`` (``FIELD_BOOSTS`` order; default 1).
    """
    clauses = [
        f"{field}:{_quoted(term)}^{boost * (weights[i][f] if weights is not None else 1.0):.6g}"
        for i, term in enumerate(terms) if term for f, (field, boost) in enumerate(FIELD_BOOSTS)
    ]
    return " OR ".join(clauses) or None


def count_queries(terms: Sequence[str]) -> list[str]:
    """For each term: a query matching it in any field, then one per field (the counts ``fts5_weights`` takes)."""
    out: list[str] = []
    for term in terms:
        out.append(" OR ".join(f"{field}:{_quoted(term)}" for field, _ in FIELD_BOOSTS))
        out.extend(f"{field}:{_quoted(term)}" for field, _ in FIELD_BOOSTS)
    return out


def fts5_weights(counts: Sequence[int], total: int) -> list[list[float]]:
    """Per-term, per-field boosts that turn Lucene's IDF into FTS5's, so both keyword indexes weigh words alike.

    ``counts`` as ``count_queries`` orders them. Lucene weighs a term in a field
    by ``ln(1 + (N - n_field + 0.5) / (n_field + 0.5))``; FTS5 (``search/sql.py``
    ``bm25``) by ``ln((N - n + 0.5) / (n + 0.5))`` over whole documents, at least
    1e-6: a word in more than half the documents counts (almost) nothing.
    """
    step = 1 + len(FIELD_BOOSTS)
    weights: list[list[float]] = []
    for start in range(0, len(counts), step):
        n = counts[start]
        fts5 = max(math.log((total - n + 0.5) / (n + 0.5)), 1e-6)
        row = []
        for n_field in counts[start + 1 : start + step]:
            lucene = math.log(1.0 + (total - n_field + 0.5) / (n_field + 0.5))
            row.append(fts5 / lucene if lucene > 0 else 1.0)
        weights.append(row)
    return weights


def _filter_params(where: DocFilter) -> dict[str, Any]:
    return {"kind": where.kind, "project": where.project, "scope": where.scope,
            "since": where.since, "until": where.until}


def _is_empty(where: DocFilter) -> bool:
    return all(value is None for value in _filter_params(where).values())


def _run_statement(statement: str) -> Callable[[ManagedTransaction], None]:
    def work(tx: ManagedTransaction) -> None:
        tx.run(statement).consume()  # type: ignore[arg-type]  # a named constant or an int-built DDL statement

    return work


def _cosine(score: float) -> float:
    """Neo4j reports cosine similarity as ``(1 + cos) / 2``; the ranking code works in cosine."""
    return 2.0 * float(score) - 1.0


class Neo4jSearchDocs:
    """Search documents in the Neo4j server of ``store`` (its driver, its error translation)."""

    def __init__(self, store: Neo4jGraphStore) -> None:
        self.store = store
        self._schema_ready: int | None = None
        #: The dimension of the index last seen (None: not indexed yet, or not looked): spares a read per search.
        self._dim: int | None = None

    # -- schema and state ----------------------------------------------------------------------------

    def _ensure_schema(self, dim: int) -> None:
        if self._schema_ready == dim:
            return
        from neo4j.exceptions import ClientError

        existing = {r["name"] for r in self.store._read("reading the search schema", cy.SHOW_INDEX_NAMES)}
        existing |= {r["name"] for r in self.store._read("reading the search schema", cy.SHOW_CONSTRAINT_NAMES)}
        statements = {**cy.SCHEMA, **{cy.vector_index_name(dim, prop): cy.create_vector_index(dim, prop)
                                      for prop in cy.VECTOR_PROPERTIES}}
        missing = [statement for name, statement in statements.items() if name not in existing]
        for statement in missing:
            try:
                self.store._run_write("creating the search schema", _run_statement(statement))
            except BackendError as exc:
                cause = exc.__cause__
                if not (isinstance(cause, ClientError) and "EquivalentSchemaRuleAlreadyExists" in (cause.code or "")):
                    raise
        if missing:
            self.store._read("waiting for the search indexes", cy.AWAIT_INDEXES, seconds=300)
        self._schema_ready = dim

    def state(self) -> IndexState | None:
        rows = self.store._read("reading the search index state", cy.READ_STATE, key=cy.STATE_KEY)
        if not rows or rows[0]["generation"] is None:
            return None
        row = rows[0]
        self._dim = int(row["dim"])
        return IndexState(str(row["model"]), int(row["dim"]), str(row["schema"]), int(row["last_seq"]),
                          str(row["last_hash"]), str(row["generation"]))

    def reset(self, model: str, dim: int, schema: str) -> IndexState:
        # One vector index per label and property: another dimension's must go before this one can exist.
        current = {cy.vector_index_name(dim, prop) for prop in cy.VECTOR_PROPERTIES}
        for row in self.store._read("reading the search schema", cy.SHOW_SEARCH_VECTOR_INDEXES):
            name = str(row["name"])
            if name not in current:
                self.store._run_write("dropping an old vector index", _run_statement(cy.drop_vector_index(name)))
        self._schema_ready = None
        self._ensure_schema(dim)
        generation = uuid.uuid4().hex

        def work(tx: ManagedTransaction) -> None:
            tx.run(cy.LOCK_STATE, key=cy.STATE_KEY).consume()
            tx.run(cy.RESET_STATE, key=cy.STATE_KEY, model=model, dim=dim, schema=schema,
                   generation=generation).consume()

        self.store._run_write("resetting the search index", work)
        self._dim = dim
        return IndexState(model, dim, schema, 0, "", generation)

    def prune(self, generation: str) -> int:
        """Delete the documents of earlier generations (kept through a rebuild so their vectors can be reused)."""
        deleted = 0
        while True:
            row = self.store._run_write(
                "deleting old search documents",
                lambda tx: tx.run(cy.DELETE_OLD_DOCS, generation=generation, batch=DELETE_BATCH).single(),
            )
            if not row or row["deleted"] == 0:
                return deleted
            deleted += int(row["deleted"])

    def delete_all(self) -> None:
        """Remove every search document and the index state (``Neo4jGraphStore.delete_all``)."""
        while True:
            row = self.store._run_write(
                "deleting the search index", lambda tx: tx.run(cy.DELETE_ALL_BATCH, batch=DELETE_BATCH).single()
            )
            if not row or row["deleted"] == 0:
                return

    # -- writing -------------------------------------------------------------------------------------

    def existing(self, node_ids: Sequence[str]) -> dict[str, tuple[int, float | None]]:
        state = self.state()
        if state is None:
            return {}
        out: dict[str, tuple[int, float | None]] = {}
        for chunk in chunks(list(node_ids)):
            rows = self.store._read("reading search documents", cy.EXISTING, ids=list(chunk),
                                    generation=state.generation)
            for node_id, slot, at in rows[0]["rows"]:
                out[str(node_id)] = (int(slot), None if at is None else float(at))
        return out

    def cached_vectors(self, digests: Sequence[str]) -> dict[str, list[float]]:
        state = self.state()
        if state is None:
            return {}
        out: dict[str, list[float]] = {}
        for statement in (cy.CACHED_VECTORS, cy.CACHED_PASSAGE_VECTORS):
            for chunk in chunks([d for d in digests if d not in out]):
                rows = self.store._read("reading cached embeddings", statement, digests=list(chunk),
                                        model=state.model)
                out.update({str(digest): list(vector) for digest, vector in rows[0]["rows"]})
        return out

    def commit(self, docs: Sequence[DocWrite], expected: IndexState, seq: int, seq_hash: str) -> bool:
        self._ensure_schema(expected.dim)

        def work(tx: ManagedTransaction) -> None:
            state = tx.run(cy.LOCK_STATE, key=cy.STATE_KEY).single()
            if state is None or state["last_seq"] != expected.last_seq or state["generation"] != expected.generation:
                raise _Conflict
            next_slot = int(state["next_slot"] or 0)
            slots: dict[str, int] = {}
            for chunk in chunks([d.node_id for d in docs]):
                record = tx.run(cy.SLOTS_OF_ANY_GENERATION, ids=list(chunk)).single()
                slots.update({str(n): int(s) for n, s in (record["rows"] if record else [])})
            with_vectors: list[dict[str, Any]] = []
            without: list[dict[str, Any]] = []
            for doc in docs:
                slot = slots.get(doc.node_id)
                if slot is None:
                    slot = slots[doc.node_id] = next_slot
                    next_slot += 1
                row = {"node_id": doc.node_id, "slot": slot, "kind": doc.kind, "project": doc.project, "at": doc.at,
                       "title": doc.title, "body": doc.body, "context": doc.context, "digest": doc.digest,
                       "passage_digest": doc.passage_digest}
                if doc.vector is not None:
                    # A document written without a passage vector (an older writer) gets its own vector as its passage.
                    passage = doc.passage_vector if doc.passage_vector is not None else doc.vector
                    with_vectors.append({**row, "vector": [float(x) for x in doc.vector],
                                         "passage_vector": [float(x) for x in passage]})
                else:
                    without.append(row)
            for statement, batch in ((cy.WRITE_DOCS_WITH_VECTORS, with_vectors),
                                     (cy.WRITE_DOCS_WITHOUT_VECTORS, without)):
                for part in chunks(batch, ROWS_PER_STATEMENT):
                    tx.run(statement, rows=list(part), generation=expected.generation, model=expected.model).consume()
            tx.run(cy.ADVANCE_STATE, key=cy.STATE_KEY, seq=seq, hash=seq_hash, next_slot=next_slot).consume()

        try:
            self.store._run_write("writing search documents", work)
        except _Conflict:
            return False
        return True

    # -- reading -------------------------------------------------------------------------------------

    def keyword(self, terms: Sequence[str], k: int, where: DocFilter) -> list[tuple[int, float]]:
        terms = [t for t in terms if t]
        if not terms or k <= 0 or self._indexed_dim() is None:
            return []
        counts = self.store._read("full-text search", cy.MATCH_COUNTS, queries=count_queries(terms))[0]["counts"]
        total = int(self.store._read("full-text search", cy.ALL_DOCS)[0]["n"])
        query = lucene_query(terms, fts5_weights([int(c) for c in counts], total))
        if _is_empty(where):
            rows = self.store._read("full-text search", cy.KEYWORD_ALL, text=query, k=k)
        else:
            rows = self.store._read("full-text search", cy.KEYWORD, text=query, k=k, **_filter_params(where))
        found = [(int(slot), float(score)) for slot, score in rows[0]["rows"]]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))

    def vector(self, vector: Sequence[float], k: int, where: DocFilter) -> list[tuple[int, float]]:
        return self._nearest(cy.EMBEDDING, vector, k, where)

    def passage_vector(self, vector: Sequence[float], k: int, where: DocFilter) -> list[tuple[int, float]]:
        return self._nearest(cy.PASSAGE_EMBEDDING, vector, k, where)

    def _nearest(self, prop: str, vector: Sequence[float], k: int, where: DocFilter) -> list[tuple[int, float]]:
        """The ``k`` documents whose vector property ``prop`` (``cy.VECTOR_PROPERTIES``) is nearest ``vector``."""
        dim = self._indexed_dim()
        if dim is None or k <= 0:
            return []
        values = [float(x) for x in vector]
        empty = _is_empty(where)
        fetch = max(EF_SEARCH, k if empty else k * OVERFETCH)
        try:
            rows = self.store._read("vector search", cy.VECTOR, index=cy.vector_index_name(dim, prop), fetch=fetch,
                                    vector=values, **_filter_params(where))
        except BackendError:
            if self._dim is None or self.state() is None or self._dim == dim:
                raise
            return self._nearest(prop, vector, k, where)  # another process rebuilt the index for another model
        found = [(int(slot), _cosine(score)) for slot, score in rows[0]["rows"]]
        if not empty and len(found) < k:
            exact = cy.VECTOR_EXACT_KIND if where.kind is not None else cy.VECTOR_EXACT
            rows = self.store._read("vector search", exact, vector=values, k=k, property=prop,
                                    **_filter_params(where))
            found = [(int(slot), _cosine(score)) for slot, score in rows[0]["rows"]]
        return sorted(found, key=lambda pair: (-pair[1], pair[0]))[:k]

    def _indexed_dim(self) -> int | None:
        """The vector dimension of the stored index, None while nothing was ever indexed (no full-text index yet)."""
        if self._dim is None:
            self.state()
        return self._dim

    def slots_by_node(self, node_ids: Sequence[str]) -> dict[str, int]:
        if not node_ids:
            return {}
        rows = self.store._read("reading search documents", cy.SLOTS_BY_NODE, ids=list(node_ids))
        return {str(n): int(s) for n, s in rows[0]["rows"]}

    def slots_by_title(self, title: str, limit: int) -> list[int]:
        rows = self.store._read("reading search documents", cy.SLOTS_BY_TITLE, title=title.lower(), limit=limit)
        return [int(r["slot"]) for r in rows]

    def allowed(self, slots: Sequence[int], where: DocFilter) -> set[int]:
        if not slots:
            return set()
        rows = self.store._read("reading search documents", cy.ALLOWED_SLOTS, slots=list(slots),
                                **_filter_params(where))
        return {int(s) for s in rows[0]["slots"]}

    def kinds(self, slots: Sequence[int]) -> dict[int, str]:
        if not slots:
            return {}
        rows = self.store._read("reading search documents", cy.KINDS, slots=list(slots))
        return {int(s): str(k) for s, k in rows[0]["rows"]}

    def documents(self, slots: Sequence[int]) -> dict[int, StoredDoc]:
        out: dict[int, StoredDoc] = {}
        for chunk in chunks(list(slots)):
            rows = self.store._read("reading search documents", cy.DOCUMENTS, slots=list(chunk))
            for slot, node_id, kind, project, at, title, body, context in rows[0]["rows"]:
                out[int(slot)] = StoredDoc(int(slot), str(node_id), str(kind), project,
                                           None if at is None else float(at), str(title), str(body), str(context or ""))
        return out

    def count(self) -> int:
        state = self.state()
        if state is None:
            return 0
        rows = self.store._read("counting search documents", cy.COUNT, generation=state.generation)
        return int(rows[0]["n"])
