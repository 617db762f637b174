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
"""

from __future__ import annotations

import re
import sqlite3
import threading

from modelctx.search import sql
from modelctx.search.vector_index import Filter

_TOKEN = re.compile(r"\w+", re.UNICODE)
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
    """The words of ``query`` a keyword search looks for: lower-cased, stopwords dropped (unless that leaves none).

    Every keyword index takes these (FTS5 here, Neo4j's full-text index in
    ``graph/backends/neo4j_search.py``), so both match the same words.
    """
    terms = [t.lower() for t in _TOKEN.findall(query)]
    kept = [t for t in terms if t not in STOPWORDS] or terms
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


def _expression(conn: sqlite3.Connection, query: str, counts: TermCounts | None) -> str | None:
    terms = fts5_terms(query)
    if not terms:
        return None
    if counts is not None and len(terms) > 1:
        total = int(conn.execute(sql.MAX_SLOT).fetchone()[0]) + 1  # slots are dense: the number of documents
        if total >= COMMON_TERMS_FROM_DOCS:
            common = counts.common(conn, terms, total)
            terms = [t for t in terms if t not in common] or terms
    return " OR ".join(terms)


def keyword_search(
    conn: sqlite3.Connection, query: str, k: int, where: Filter, counts: TermCounts | None = None
) -> list[tuple[int, float]]:
    """The ``k`` best BM25 matches as (slot, score), best first; the score is ``-bm25`` (higher is better).

    With ``counts``, a large index leaves out the query's terms with no IDF (the module's docstring).
    """
    if k <= 0:
        return []
    expression = _expression(conn, query, counts)
    if expression is None:
        return []
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
