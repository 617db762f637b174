"""API fixtures: a client over the ``store`` fixture (so every API test runs on every backend) and its app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from modelctx.api.app import create_app
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.graph.store import GraphStore
from tests.api.world import build_world


@pytest.fixture
def client(store: GraphStore, tmp_path: Path) -> Client:
    build_world(store)
    return Client(store, Settings(home=tmp_path / "home"), "user:test")


@pytest.fixture
def http(client: Client) -> Iterator[TestClient]:
    """The app in local mode (no tokens), called by a loopback name as local mode requires (``api/guard.py``)."""
    with TestClient(create_app(client), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture
def secure_http(client: Client) -> Iterator[TestClient]:
    """The app with access control on."""
    with TestClient(create_app(client, require_tokens=True)) as test_client:
        yield test_client
