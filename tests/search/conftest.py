"""Search fixtures: the real MiniLM model, loaded once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.store import GraphStore
from modelctx.search.embedder import MiniLMEmbedder
from modelctx.search.service import SearchService


@pytest.fixture(scope="session")
def embedder() -> MiniLMEmbedder:
    model = MiniLMEmbedder()
    model.embed(["warm up"])
    return model


@pytest.fixture
def service(store: GraphStore, tmp_path: Path, embedder: MiniLMEmbedder) -> Iterator[SearchService]:
    opened = SearchService(store, tmp_path / "search", embedder)
    try:
        yield opened
    finally:
        opened.close()
