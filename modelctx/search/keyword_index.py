"""BM25 keyword search with SQLite FTS5, in the search index's own SQLite file.

One implementation serves every store backend: the keyword index is derived
from the change log exactly like the vector index. User text is never FTS5
syntax: it is split into word tokens, each quoted, and joined with OR, so a
query like ``AND "x`` or ``col:*`` is just words.
"""

from __future__ import annotations

import re
import sqlite3

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


def query_terms(query: str) -> list[str]:
    """The words of ``query`` a keyword search looks for: lower-cased, stopwords dropped (unless that leaves none).

    Every keyword index takes these (FTS5 here, Neo4j's full-text index in
    ``graph/backends/neo4j_search.py``), so both match the same words.
    """
    terms = [t.lower() for t in _TOKEN.findall(query)]
    kept = [t for t in terms if t not in STOPWORDS] or terms
    return list(dict.fromkeys(kept))[:MAX_TERMS]


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression (quoted terms joined by OR), or None if no word remains."""
    unique = query_terms(query)
    if not unique:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)


def keyword_search(conn: sqlite3.Connection, query: str, k: int, where: Filter) -> list[tuple[int, float]]:
    """The ``k`` best BM25 matches as (slot, score), best first; the score is ``-bm25`` (higher is better)."""
    expression = match_expression(query)
    if expression is None or k <= 0:
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
