"""Fixtures for the Neo4j backend's own tests: a wiped server or a skip (a failure in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.backends.neo4j import Neo4jGraphStore
from tests.conftest import use_harness
from tests.neo4j_harness import Neo4jHarness

HARNESS = Neo4jHarness()


@pytest.fixture
def neo4j_uri(tmp_path: Path) -> str:
    """The test server's URI, with the database emptied for this test."""
    use_harness(HARNESS)
    return HARNESS.uri(tmp_path)


@pytest.fixture
def neo4j_store(neo4j_uri: str) -> Iterator[Neo4jGraphStore]:
    store = Neo4jGraphStore.from_uri(neo4j_uri)
    try:
        yield store
    finally:
        store.close()


def password_of(uri: str) -> str:
    from urllib.parse import unquote, urlsplit

    password = urlsplit(uri).password
    return unquote(password) if password else os.environ.get("NEO4J_PASSWORD", "modelctx-dev")
