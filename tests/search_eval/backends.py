"""The evaluation worlds on either store backend: built on SQLite, copied verbatim into Neo4j.

``modelctx copy`` (``graph/copy.py``) keeps every change-log entry — sequence,
time and hash — so the Neo4j store yields the very same documents
(``search/indexing.py``) and embeddings as the SQLite one: what differs between
the two answers is the index alone (embedded FTS5 + exact/FAISS vectors, or
Neo4j's full-text and vector indexes, ``search/store_index.py``).
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
    """A caught-up SearchService over ``source`` (a SQLite store) or over its copy in the Neo4j at ``neo4j_uri``.

    The Neo4j database is emptied first: use a scratch server.
    """
    if backend == "sqlite":
        store, owned = source, False
    elif backend == "neo4j":
        if not neo4j_uri:
            raise ValueError("the neo4j backend needs a server URI (MODELCTX_TEST_NEO4J_URI)")
        from modelctx.graph.backends.neo4j import Neo4jGraphStore

        target = Neo4jGraphStore.from_uri(neo4j_uri)
        target.delete_all()
        copy_graph(source, target)
        store, owned = target, True
    else:
        raise ValueError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    service = SearchService(store, folder / f"search-{backend}", embedder)
    try:
        service.sync()
        yield service
    finally:
        service.close()
        if owned:
            store.close()


def new_sqlite(folder: Path) -> GraphStore:
    return open_store(f"sqlite:///{folder / 'graph.db'}")
