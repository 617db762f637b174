"""The Python entry point: ``modelctx.connect`` and ``client.run``."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelctx
from modelctx.graph.model import NodeKind


def test_connect_defaults_to_the_embedded_store_under_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELCTX_HOME", str(tmp_path / "home"))
    with modelctx.connect() as client:
        assert client.store.uri == f"sqlite:///{tmp_path / 'home' / 'modelctx.db'}"
        assert client.data_dir == tmp_path / "home" / "modelctx.d"


def test_client_run_records_a_finished_run(tmp_path: Path) -> None:
    with modelctx.connect(f"sqlite:///{tmp_path / 'g.db'}", actor="user:ana") as client:
        with client.run(project="churn", name="baseline", capture_code=False, capture_environment=False) as run:
            run.log_params({"C": 0.5})
            run.log_metrics({"auc": 0.91})
        node = client.store.get_node(run.id)
        assert node.kind is NodeKind.RUN
        assert node.properties["status"] == "COMPLETED"
        assert node.properties["project"] == "churn"
        assert node.properties["params"] == {"C": 0.5}
        assert {c.actor for c in client.store.changes()} == {"user:ana"}
