"""BM25 keyword search with SQLite FTS5, in the search index's own SQLite file.

One implementation serves every store backend: the keyword index is derived
from the change log exactly like the vector index. User text is never FTS5
syntax: it is split into word tokens, each quoted, and joined with OR, so a
query like ``AND "x`` or ``col:*`` is just words.

On a large index a query leaves out the terms that half the documents or more
contain (:class:`TermCounts`): FTS5's BM25 gives such a term an IDF of 1e-6
(``idf <= 0`` is clamped, SQLite's ``fts5_aux.c``), so it changes no score
that matters, while scoring every document it matches was most of a query's
time (100k documents: 22 → 9 ms CPU at p50, the same top 10 for all 100
queries of ``bench/search_bench.py``).

A search is then scored in memory (:class:`Postings`): the same
BM25, float for float, from postings read once out of FTS5's own index, so
the cost of a query no longer grows with the documents its terms match (100k
documents: about 0.5 ms instead of 9-40 ms, the same top 10 and top 50 for all
100 queries of the bench, ``tests/search/test_keyword_postings.py`` for the
evaluation sets). A filtered search (kind, project, a project's scope, time)
keeps the slots the vector index's mask allows, the rule FTS5's
``KEYWORD_SEARCH`` applies in SQL. Phrase terms stay with FTS5's ``bm25()``.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from modelctx.search import sql
from modelctx.search.documents import WORD
from modelctx.search.vector_index import Filter

#: Words too common to help ranking; dropping them keeps OR queries cheap.
STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in into is it its of on or "
    "that the their them then there these this those to was were what when where which who why "
    "with after before about any all".split()
)
MAX_TERMS = 32
#: Documents from which a query leaves out its common terms; below, scoring every match costs under a millisecond.
COMMON_TERMS_FROM_DOCS = 10_000
#: A term's document count is taken again once the index has grown by this fraction since it was counted.
RECOUNT_GROWTH = 0.05
#: Terms whose counts are kept (then the cache starts afresh).
MAX_COUNTED_TERMS = 20_000


def query_terms(query: str) -> list[str]:
    """The words of ``query`` a keyword search looks for: lower-cased, stopwords dropped.

    A query of stopwords alone ("the", "what is it") looks for nothing: every
    document matches such words, so matching them would pass the relevance
    floor (``search/hybrid.py``) with hits that mean nothing.

    Every keyword index takes these (FTS5 here, Neo4j's full-text index in
    ``graph/backends/neo4j_search.py``), so both match the same words.
    """
    terms = [t.lower() for t in WORD.findall(query)]
    kept = [t for t in terms if t not in STOPWORDS]
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def fts5_terms(query: str) -> list[str]:
    """``query_terms`` quoted as FTS5 strings, so no word is read as FTS5 syntax."""
    return ['"' + t.replace('"', '""') + '"' for t in query_terms(query)]


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression (quoted terms joined by OR), or None if no word remains."""
    terms = fts5_terms(query)
    return " OR ".join(terms) if terms else None


class TermCounts:
    """How many documents contain each query term (FTS5's own tokens and stems), counted once per term.

    A count stays in use until the index has grown by ``RECOUNT_GROWTH``: a
    term that was in half the documents then is still in close to half, where
    its IDF is close to zero. Callers serialise access (``SearchIndex`` holds its lock).
    """

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def common(self, conn: sqlite3.Connection, terms: list[str], total: int) -> set[str]:
        """The ``terms`` that at least half of the ``total`` documents contain."""
        found: set[str] = set()
        for term in terms:
            with self._lock:
                counted = self._counts.get(term)
            if counted is None or total > counted[1] * (1 + RECOUNT_GROWTH):
                counted = (int(conn.execute(sql.COUNT_MATCHES, (term,)).fetchone()[0]), total)
                with self._lock:
                    if len(self._counts) >= MAX_COUNTED_TERMS:
                        self._counts.clear()
                    self._counts[term] = counted
            if 2 * counted[0] >= counted[1]:
                found.add(term)
        return found


def _terms(conn: sqlite3.Connection, query: str, counts: TermCounts | None) -> list[str]:
    """The quoted terms a search looks for: on a large index, without those half the documents contain."""
    terms = fts5_terms(query)
    if counts is not None and len(terms) > 1:
        total = int(conn.execute(sql.MAX_SLOT).fetchone()[0]) + 1  # slots are dense: the number of documents
        if total >= COMMON_TERMS_FROM_DOCS:
            common = counts.common(conn, terms, total)
            terms = [t for t in terms if t not in common] or terms
    return terms


def keyword_search(
    conn: sqlite3.Connection, query: str, k: int, where: Filter, counts: TermCounts | None = None,
    postings: Postings | None = None, allowed: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """The ``k`` best BM25 matches as (slot, score), best first; the score is ``-bm25`` (higher is better).

    With ``counts``, a large index leaves out the query's terms with no IDF (the module's docstring).
    With ``postings``, the search is scored in memory (:class:`Postings`: the same list, faster): an
    unfiltered one, and a filtered one given ``allowed``, the slots ``where`` allows as the vector index
    decides them (``vector_index.py`` ``VectorIndex.mask``: one home for the rule).
    """
    if k <= 0:
        return []
    terms = _terms(conn, query, counts)
    if not terms:
        return []
    if postings is not None and (where.empty or allowed is not None):
        words = [t[1:-1].replace('""', '"') for t in terms]
        found = postings.search(conn, words, k, None if where.empty else allowed)
        if found is not None:
            return found
    expression = " OR ".join(terms)
    if where.empty:
        rows = conn.execute(sql.KEYWORD_SEARCH_ALL, (expression, k)).fetchall()
        return [(int(slot), -float(rank)) for slot, rank in rows]
    rows = conn.execute(
        sql.KEYWORD_SEARCH,
        (
            expression,
            where.kind, where.kind,
            where.project, where.project,
            where.scope, where.scope,
            where.since, where.since,
            where.until, where.until,
            k,
        ),
    ).fetchall()
    return [(int(slot), -float(rank)) for slot, rank in rows]


# -- BM25 over postings held in memory -----------------------------------------

#: FTS5's BM25 constants (SQLite's ``fts5_aux.c``, ``fts5Bm25Function``).
K1 = 1.2
B = 0.75
#: Postings (document, frequency pairs) kept in memory before the cache starts afresh.
MAX_POSTINGS = 4_000_000
#: Documents rewritten since the postings were read after which the cache starts afresh.
MAX_REWRITTEN = 5_000
_COLUMNS = ("title", "body", "context")
#: Read ahead (``Postings.read_ahead``): the postings of tokens in at least this many documents, most first, up to
#: ``READ_AHEAD_POSTINGS``. Reading one costs about a microsecond an occurrence (a token in 10k documents of
#: bench/search_bench.py's 100k: 8 to 20 ms), which the first search using it would otherwise pay in the request.
READ_AHEAD_MIN_DOCS = 1000
READ_AHEAD_POSTINGS = MAX_POSTINGS // 2


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers (``sqlite3Fts5GetVarint``): 7 bits a byte, big-endian, the 9th byte whole."""
    values: list[int] = []
    value, used = 0, 0
    for byte in blob:
        used += 1
        if used == 9:
            values.append((value << 8) | byte)
            value, used = 0, 0
        elif byte & 0x80:
            value = (value << 7) | (byte & 0x7F)
        else:
            values.append((value << 7) | byte)
            value, used = 0, 0
    return values


def _frequencies(docs: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per document (sorted, unique): BM25's weighted term frequency, summed in FTS5's order.

    ``docs``/``cols`` are a token's occurrences by document then position
    (column 0..2). FTS5 adds each occurrence's column weight in position order:
    the exact title and body weights first, then 0.1 per neighbourhood
    occurrence one at a time; the same additions give the same float.
    """
    unique = np.unique(docs)
    which = np.searchsorted(unique, docs)
    counts = [np.bincount(which[cols == c], minlength=len(unique)) for c in range(3)]
    weights = sql.BM25_WEIGHTS
    freq = counts[0] * weights[0] + counts[1] * weights[1]
    for step in range(int(counts[2].max(initial=0))):
        freq = np.where(counts[2] > step, freq + weights[2], freq)
    return unique.astype(np.int64), freq.astype(np.float64)


class Postings:
    """The unfiltered BM25 top-k of FTS5, computed from postings read from FTS5's own index and kept in memory.

    ``bm25()`` scores every document an OR query matches, reading each one's
    positions and size: most of a query's time at 100k documents. The same
    score is a sum over the query's terms of ``idf * f * (k1 + 1) / (f + k1 *
    (1 - b + b * D / avgdl))``; here each term's documents and weighted
    frequencies ``f`` are read once (``fts5vocab``), the document sizes ``D``
    and totals once, and every operation is the one ``fts5_aux.c`` does, in its
    order, so every score is the same float and the order (score, then slot, as
    SQLite's sorter keeps ties in scan order) the same list.

    Writes: before each search the documents written since (``docs.seq``) are
    tokenized again by a scratch FTS5 table with the same tokenizer; their
    postings replace the cached ones. A reset index (new ``generation``) or
    too many rewritten documents start afresh. Callers serialise access
    (``SearchIndex`` holds its lock).
    """

    def __init__(self) -> None:
        self._scratch = sqlite3.connect(":memory:", check_same_thread=False)
        self._scratch.executescript(sql.SCRATCH_SCHEMA)
        self._tokens: dict[str, tuple[str, ...]] = {}
        self._connected: sqlite3.Connection | None = None
        #: How many times the cache has started afresh (``SearchIndex.read_ahead`` reads ahead again after one).
        self.resets = 0
        self._forget()

    def close(self) -> None:
        self._scratch.close()

    def _forget(self) -> None:
        self.resets += 1
        self._generation: str | None = None
        self._seq = -1
        self._rows = 0
        self._tokens_total = 0
        self._sizes = np.zeros(0, dtype=np.int64)
        self._cached: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._cached_total = 0
        self._rewritten = np.zeros(0, dtype=bool)
        self._rewritten_count = 0
        #: Postings of rewritten documents: token -> {slot: frequency}, and slot -> its tokens.
        self._fresh: dict[str, dict[int, float]] = {}
        self._fresh_tokens: dict[int, set[str]] = {}
        self._forget_weights()

    def _forget_weights(self) -> None:
        #: Each token's documents and term weights as of the current state of the file (``_weighted``).
        self._weights: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._weights_total = 0

    # -- keeping up with the file ---------------------------------------------

    @contextmanager
    def _reading(self, conn: sqlite3.Connection) -> Iterator[None]:
        """One read transaction: sizes, totals and postings all from the same state of the file."""
        if self._connected is not conn:
            conn.execute(sql.CREATE_TERMS)
            self._connected = conn
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def catch_up(self, conn: sqlite3.Connection) -> None:
        """Read what was written since the last search now (``SearchIndex`` does when it refreshes), not in one."""
        with self._reading(conn):
            self._catch_up(conn)

    def _catch_up(self, conn: sqlite3.Connection) -> None:
        """Bring sizes, totals and rewritten documents up to what the index file holds (inside a read transaction)."""
        meta = dict(conn.execute(sql.SELECT_META_KEYS, ("generation", "last_seq")).fetchall())
        generation, seq = meta.get("generation"), int(meta.get("last_seq") or 0)
        if generation != self._generation or seq < self._seq:
            self._forget()
            self._generation = generation
            self._load_sizes(conn.execute(sql.SELECT_DOC_SIZES).fetchall())
        elif seq > self._seq:
            self._rewrite(conn, self._seq)
        totals = conn.execute(sql.SELECT_FTS_TOTALS).fetchone()
        values = (_varints(bytes(totals[0])) if totals else []) or [0]  # an empty table may have an empty record
        if (seq, values[0], sum(values[1:])) != (self._seq, self._rows, self._tokens_total):
            self._forget_weights()  # postings, sizes or the average size changed
        self._seq = seq
        self._rows, self._tokens_total = values[0], sum(values[1:])

    def _load_sizes(self, rows: list[tuple[int, bytes]]) -> None:
        """Each document's size in tokens (all columns) from its ``docsize`` varints."""
        if not rows:
            return
        last = max(int(slot) for slot, _ in rows)
        if last >= len(self._sizes):
            grown = max(last + 1, 2 * len(self._sizes))
            self._sizes = np.concatenate([self._sizes, np.zeros(grown - len(self._sizes), dtype=np.int64)])
            self._rewritten = np.concatenate([self._rewritten, np.zeros(grown - len(self._rewritten), dtype=bool)])
        slots = np.fromiter((slot for slot, _ in rows), dtype=np.int64, count=len(rows))
        # A varint under 128 is its one byte: most column sizes are.
        sizes = [sum(blob) if max(blob, default=0) < 0x80 else sum(_varints(bytes(blob))) for _, blob in rows]
        self._sizes[slots] = np.array(sizes, dtype=np.int64)

    def _rewrite(self, conn: sqlite3.Connection, since: int) -> None:
        """Tokenize the documents written after ``since`` again; their postings override the cached ones."""
        changed = conn.execute(sql.SELECT_TEXT_SINCE, (since,)).fetchall()
        if not changed:
            return
        if self._rewritten_count + len(changed) > MAX_REWRITTEN:
            generation = self._generation
            self._forget()
            self._generation = generation
            self._load_sizes(conn.execute(sql.SELECT_DOC_SIZES).fetchall())
            return
        slots = [int(row[0]) for row in changed]
        for start in range(0, len(slots), sql.MAX_IN):
            chunk = slots[start : start + sql.MAX_IN]
            marks = sql.in_marks(len(chunk))
            self._load_sizes(conn.execute(sql.SELECT_DOC_SIZES_OF.format(marks=marks), chunk).fetchall())
        for slot in slots:
            for token in self._fresh_tokens.pop(slot, ()):
                self._fresh[token].pop(slot, None)
            if not self._rewritten[slot]:
                self._rewritten[slot] = True
                self._rewritten_count += 1
        for token, (docs, freq) in self._scratch_postings(changed).items():
            for slot, f in zip(docs.tolist(), freq.tolist(), strict=True):
                self._fresh.setdefault(token, {})[slot] = f
                self._fresh_tokens.setdefault(slot, set()).add(token)

    def _scratch_postings(self, rows: list[tuple[int, str, str, str]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Postings of ``rows`` (slot, title, body, context) as FTS5 would index them."""
        try:
            self._scratch.executemany(sql.INSERT_SCRATCH, rows)
            found = self._scratch.execute(sql.SELECT_SCRATCH_INSTANCES).fetchall()
        finally:
            self._scratch.execute(sql.CLEAR_SCRATCH)
        by_token: dict[str, list[tuple[int, int, int]]] = {}
        for token, doc, col, offset in found:
            by_token.setdefault(token, []).append((int(doc), _COLUMNS.index(col), int(offset)))
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for token, occurrences in by_token.items():
            occurrences.sort()
            docs = np.array([o[0] for o in occurrences], dtype=np.int64)
            cols = np.array([o[1] for o in occurrences], dtype=np.int64)
            out[token] = _frequencies(docs, cols)
        return out

    # -- reading ---------------------------------------------------------------

    def tokens(self, term: str) -> tuple[str, ...]:
        """The tokens FTS5 makes of one query term (porter stems, diacritics removed; ``_`` splits)."""
        found = self._tokens.get(term)
        if found is None:
            try:
                self._scratch.execute(sql.INSERT_SCRATCH, (1, term, "", ""))
                rows = self._scratch.execute(sql.SELECT_SCRATCH_INSTANCES).fetchall()
            finally:
                self._scratch.execute(sql.CLEAR_SCRATCH)
            found = tuple(token for token, *_ in sorted(rows, key=lambda row: row[3]))
            if len(self._tokens) >= MAX_COUNTED_TERMS:
                self._tokens.clear()
            self._tokens[term] = found
        return found

    def frequent_tokens(self, conn: sqlite3.Connection, min_docs: int | None = None) -> list[str]:
        """The tokens in at least ``min_docs`` (default ``READ_AHEAD_MIN_DOCS``) documents but fewer than half (a
        search leaves those out: :class:`TermCounts`), those in the most documents first."""
        conn.execute(sql.CREATE_TOKEN_COUNTS)
        with self._reading(conn):
            self._catch_up(conn)
            least = READ_AHEAD_MIN_DOCS if min_docs is None else min_docs
            rows = conn.execute(sql.SELECT_FREQUENT_TOKENS, (least,)).fetchall()
        return [str(token) for token, docs in rows if 2 * int(docs) < self._rows]

    def read_ahead(self, conn: sqlite3.Connection, token: str, budget: int | None = None) -> int | None:
        """Read ``token``'s postings and weights now, unless held already: how many documents it is in, or None
        (nothing read) once the postings held reach ``budget``."""
        if token not in self._cached and self._cached_total >= (READ_AHEAD_POSTINGS if budget is None else budget):
            return None
        with self._reading(conn):
            self._catch_up(conn)
            docs, _ = self._weighted(conn, token)
        return len(docs)

    def _weighted(self, conn: sqlite3.Connection, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents containing ``token`` and BM25's term weight in each but the IDF: ``f * (k1 + 1) / (f + k1
        * (1 - b + b * D / avgdl))``, as ``fts5_aux.c`` computes it before multiplying by the IDF.

        Kept per token until the index changes (``_catch_up`` forgets them): it is the same float in every search,
        so a search multiplies and adds, instead of six passes over each term's documents.
        """
        found = self._weights.get(token)
        if found is None:
            docs, freq = self._postings(conn, token)
            avgdl = float(self._tokens_total) / float(self._rows) if self._rows else 1.0
            size = self._sizes[docs].astype(np.float64)
            found = docs, (freq * (K1 + 1.0)) / (freq + K1 * (1 - B + B * size / avgdl))
            if self._weights_total + len(docs) > MAX_POSTINGS:
                self._weights.clear()
                self._weights_total = 0
            self._weights[token] = found
            self._weights_total += len(docs)
        return found

    def _postings(self, conn: sqlite3.Connection, token: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents containing ``token`` (ascending) and its weighted frequency in each."""
        cached = self._cached.get(token)
        if cached is None:
            rows = conn.execute(sql.SELECT_TERM_INSTANCES, (token,)).fetchall()
            docs = np.array([row[0] for row in rows], dtype=np.int64)
            cols = np.array([_COLUMNS.index(row[1]) for row in rows], dtype=np.int64)
            cached = _frequencies(docs, cols)
            if self._cached_total + len(cached[0]) > MAX_POSTINGS:
                self._cached.clear()
                self._cached_total = 0
            self._cached[token] = cached
            self._cached_total += len(cached[0])
        docs, freq = cached
        fresh = self._fresh.get(token)
        if self._rewritten_count and len(docs):
            keep = ~self._rewritten[docs]
            docs, freq = docs[keep], freq[keep]
        if fresh:
            order = sorted(fresh)
            docs = np.concatenate([docs, np.array(order, dtype=np.int64)])
            freq = np.concatenate([freq, np.array([fresh[s] for s in order], dtype=np.float64)])
        return docs, freq

    def search(
        self, conn: sqlite3.Connection, terms: list[str], k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]] | None:
        """The ``k`` best matches of ``terms`` OR-ed, as ``KEYWORD_SEARCH_ALL`` ranks them; None if a term is a phrase.

        ``allowed`` (a mask by slot; slots past its end are not allowed) keeps
        the matches ``KEYWORD_SEARCH`` keeps with a filter: BM25's statistics
        are still the whole index's, as FTS5's are.
        A term FTS5 reads as several tokens (``a_b``) is a phrase: positions
        matter, so the caller asks FTS5.
        """
        tokens = [self.tokens(term) for term in terms]
        if any(len(t) != 1 for t in tokens):
            return None
        with self._reading(conn):
            self._catch_up(conn)
            postings = [self._weighted(conn, t[0]) for t in tokens]
        if not self._rows:
            return []
        rows = float(self._rows)
        scores = np.zeros(len(self._sizes), dtype=np.float64)
        matched = np.zeros(len(self._sizes), dtype=bool)
        for docs, weights in postings:
            hits = len(docs)
            if not hits:
                continue
            idf = math.log((rows - hits + 0.5) / (hits + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            scores[docs] += idf * weights
            matched[docs] = True
        found = np.flatnonzero(matched)
        if allowed is not None:
            found = found[found < len(allowed)]
            found = found[allowed[found]]
        values = scores[found]
        if len(found) > k:
            kth = np.partition(values, len(found) - k)[len(found) - k]
            kept = values >= kth
            found, values = found[kept], values[kept]
        order = np.lexsort((found, -values))[:k]
        return [(int(slot), float(score)) for slot, score in zip(found[order], values[order], strict=True)]
