"""The API never indexes inside a request: it answers from the index, says what is pending, and catches up behind.

A real uvicorn server (``tests/api/live.py``) over the search world on every
backend. To see a search answer while the index is behind, one test holds the
index file's write lock (as another indexing process would): the background
catch-up cannot commit, and the search must still answer at once. That test
runs on SQLite alone (``tests/backends.py`` sqlite_only): a store that keeps
its index inside itself has no index file to hold (Neo4j:
``tests/neo4j/test_shared_search.py``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Limits, Settings
from modelctx.graph.ids import node_id
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.notes import attach_note
from modelctx.search.service import SearchService
from tests.api.indexing import CATCH_UP_SECONDS, wait_until_indexed
from tests.api.live import running_server
from tests.backends import sqlite_only
from tests.search import world as w

#: Nodes of the "large ingest": a few seconds of embedding for the catch-up.
BULK_NODES = 1500
#: No periodic catch-up within a test: only a write through the API (or the first search) can start one.
NEVER = Limits(search_catchup_seconds=3600)


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Client:
    w.write_world(store)
    return Client(store, Settings(home=tmp_path / "home"), "user:api")


@contextmanager
def serving(client: Client, limits: Limits) -> Iterator[tuple[httpx.Client, Any]]:
    app = create_app(client, limits=limits)
    try:
        with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield http, app
    finally:
        service = getattr(app.state, "search_service", None)
        if service is not None:
            service.close()


def hit_ids(http: httpx.Client, query: str) -> tuple[set[str], int]:
    body = http.get("/api/v1/search", params={"q": query, "mode": "keyword", "limit": 50}).json()
    return {h["id"] for h in body["hits"]}, body["pending_changes"]


@sqlite_only
def test_a_search_answers_from_the_index_while_it_is_behind(
    client: Client, store: GraphStore, embedder: MiniLMEmbedder
) -> None:
    assert store.search_docs() is None  # the index is the file beside the store, not inside it
    indexer = SearchService.for_client(client, embedder)  # what `modelctx index` does
    indexer.sync()
    indexer.close()
    indexed = store.last_seq()
    note = attach_note(store, w.CRM_MV, "churn spikes each December", actor="user:other")  # written, not indexed
    behind = store.last_seq() - indexed
    lock = sqlite3.connect(Path(client.data_dir) / "search" / "index.sqlite", isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # another writer holds the index: the catch-up cannot commit
        with serving(client, NEVER) as (http, app):
            started = time.monotonic()
            hits, pending = hit_ids(http, "December churn")
            assert time.monotonic() - started < 30  # sanity: it did not wait for the catch-up (or the lock)
            assert pending == behind > 0
            assert w.CRM_MV in hits and note.id not in hits  # the world as indexed; the note not yet
            assert app.state.search_catchup.running
            lock.execute("ROLLBACK")
            wait_until_indexed(http)
            hits, pending = hit_ids(http, "December churn")
            assert pending == 0 and note.id in hits and w.CRM_MV in hits
    finally:
        lock.close()


def test_an_api_write_wakes_the_catch_up(client: Client, store: GraphStore) -> None:
    with serving(client, NEVER) as (http, app):
        wait_until_indexed(http)  # the first search started the catch-up, which indexed the world
        assert hit_ids(http, "December")[0] == set()
        posted = http.post(f"/api/v1/nodes/{w.CRM_MV}/notes", json={"text": "churn spikes each December"})
        assert posted.status_code == 201
        note = posted.json()["id"]
        # The interval is an hour: only the wake after the write can index the note within the bound.
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while note not in hit_ids(http, "December")[0]:
            assert time.monotonic() < deadline, "the write did not wake the catch-up"
            time.sleep(0.05)
        assert hit_ids(http, "December")[1] == 0
        catchup = app.state.search_catchup
    assert not catchup.running  # the app's shutdown stopped the thread


def test_writes_of_other_processes_are_found_on_the_interval(client: Client, store: GraphStore) -> None:
    with serving(client, Limits(search_catchup_seconds=0.2)) as (http, _):
        wait_until_indexed(http)
        note = attach_note(store, w.ONC_MV, "recall collapsed after rescaling", actor="user:other")  # no wake
        wait_until_indexed(http)
        assert note.id in hit_ids(http, "collapsed")[0]


def test_a_search_right_after_a_large_ingest_answers_from_the_index(client: Client, store: GraphStore) -> None:
    with serving(client, NEVER) as (http, app):
        wait_until_indexed(http)
        indexed = store.last_seq()
        bulk = [Node(node_id(NodeKind.RUN, "bulk", str(i)), NodeKind.RUN,
                     {"name": f"zebrafish run {i}", "project": "onc", "description": f"zebrafish assay batch {i}"})
                for i in range(BULK_NODES)]
        store.write(bulk, [])  # another process ingests: no API write wakes the catch-up
        body = http.get("/api/v1/search", params={"q": "zebrafish assay", "limit": 5}).json()
        # The request answered from the index as it was: it indexed nothing itself.
        assert body["pending_changes"] == store.last_seq() - indexed > 0
        assert not any(h["id"].startswith("run:bulk/") for h in body["hits"])
        service = app.state.search_service
        assert service.embedder.loaded_runtime == "onnx"  # the server embeds queries with ONNX Runtime
        app.state.search_catchup.wake()
        wait_until_indexed(http)
        body = http.get("/api/v1/search", params={"q": "zebrafish assay", "limit": 5}).json()
        assert body["pending_changes"] == 0
        assert len(body["hits"]) == 5 and all(h["id"].startswith("run:bulk/") for h in body["hits"])
