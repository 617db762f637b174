"""Fixtures for governance tests: the governed world written into every backend."""

from __future__ import annotations

import pytest

from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore
from tests.governance.world import governed_world


@pytest.fixture
def world(store: GraphStore) -> dict[str, Node]:
    nodes, edges, names = governed_world()
    store.write(nodes, edges, actor="user:ana")
    return names
