"""Fixtures shared by every test: the ``store`` fixture runs a test on every backend."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelctx.graph.store import GraphStore
from tests.backends import HARNESSES, BackendHarness, make_store

# Tests never touch the user's real ~/.modelctx.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

_SKIPPED: dict[str, str] = {}


def use_harness(harness: BackendHarness) -> BackendHarness:
    """Skip (or, in CI, fail) when a backend cannot run here."""
    reason = harness.available()
    if reason is not None:
        if os.environ.get("MODELCTX_TEST_REQUIRE_ALL"):
            pytest.fail(f"{harness.name} backend is required in CI but not available: {reason}")
        _SKIPPED[harness.name] = reason
        pytest.skip(f"{harness.name} backend not available: {reason}")
    return harness


@pytest.fixture(params=[h for h in HARNESSES if not h.contract_only], ids=lambda h: h.name)
def backend(request: pytest.FixtureRequest) -> BackendHarness:
    """Every backend; feature tests taking ``store`` run once per backend."""
    return use_harness(request.param)


@pytest.fixture
def store(backend: BackendHarness, tmp_path: Path) -> Iterator[GraphStore]:
    opened = make_store(backend, tmp_path)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session", autouse=True)
def _shared_models(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One ONNX export of the embedding model per session, not one per test home (``search/embedder.py``)."""
    os.environ.setdefault("MODELCTX_MODELS", str(tmp_path_factory.mktemp("models")))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELCTX_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELCTX_STORE", raising=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, reason in sorted(_SKIPPED.items()):
        terminalreporter.write_line(f"BACKEND SKIPPED: {name}: {reason}", yellow=True, bold=True)
