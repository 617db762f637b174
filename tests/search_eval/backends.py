"""The evaluation worlds on either store backend: built once, copied verbatim into a new SQLite store or Neo4j.

``modelctx copy`` (``graph/copy.py``) keeps every change-log entry — sequence,
time and hash — and rebuilds the records from it, so both copies yield the very
same documents (``search/indexing.py``) and embeddings: what differs between the
two answers is the index alone (embedded FTS5 + exact/FAISS vectors, or Neo4j's
full-text and vector indexes, ``search/store_index.py``). Both backends get a
copy, not one the original: a copy's nested properties come back from the
change log's canonical JSON with their keys sorted, the original's in the order
they were written, and a document renders them in that order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelctx.graph.copy import copy_graph
from modelctx.graph.store import GraphStore, open_store
from modelctx.search.embedder import Embedder
from modelctx.search.service import SearchService

BACKENDS = ("sqlite", "neo4j")


@contextmanager
def service_on(backend: str, source: GraphStore, folder: Path, embedder: Embedder,
               neo4j_uri: str | None = None) -> Iterator[SearchService]:
    """A caught-up SearchService over a copy of ``source`` in a new SQLite store or in the Neo4j at ``neo4j_uri``.

    The Neo4j database is emptied first: use a scratch server.
    """
    if backend == "sqlite":
        store = new_sqlite(folder / "copy")
        copy_graph(source, store)
    elif backend == "neo4j":
        if not neo4j_uri:
            raise ValueError("the neo4j backend needs a server URI (MODELCTX_TEST_NEO4J_URI)")
        from modelctx.graph.backends.neo4j import Neo4jGraphStore

        target = Neo4jGraphStore.from_uri(neo4j_uri)
        target.delete_all()
        copy_graph(source, target)
        store = target
    else:
        raise ValueError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    service = SearchService(store, folder / f"search-{backend}", embedder)
    try:
        service.sync()
        yield service
    finally:
        service.close()
        store.close()


def new_sqlite(folder: Path) -> GraphStore:
    folder.mkdir(parents=True, exist_ok=True)
    return open_store(f"sqlite:///{folder / 'graph.db'}")


def overlap_of(first: list[str], second: list[str]) -> float:
    """The share of ``first``'s hits that ``second`` holds too (1.0 when both found nothing)."""
    if not first:
        return 1.0 if not second else 0.0
    return len(set(first) & set(second)) / len(first)
