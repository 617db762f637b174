"""``ingest mlflow`` only reads: a real store stays byte for byte as MLflow left it, a foreign one is refused.

MLflow's client creates or migrates its tables in any SQLite file it opens and
adds folders to a file store; the ingestor reads a snapshot taken through a
read-only connection instead (``modelctx/ingest/mlflow.py``).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.mlflow import MlflowConfig, MlflowIngestor
from modelctx.ingest.runner import run_ingest
from tests.interop.conftest import MLFLOW_SQLALCHEMY_WARNING, MlflowWorld

pytestmark = pytest.mark.filterwarnings(f"ignore:{MLFLOW_SQLALCHEMY_WARNING}")


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def ingest(store: GraphStore, uri: str, base_dir: Path) -> None:
    run_ingest(store, MlflowIngestor(MlflowConfig(tracking_uri=uri, base_dir=base_dir), store), actor="test")


def test_a_real_store_is_read_from_a_snapshot_and_left_unchanged(
    store: GraphStore, mlflow_world: MlflowWorld, tmp_path: Path
) -> None:
    folder = tmp_path / "mlflow"
    folder.mkdir()
    world = mlflow_world.copy(folder)
    before = digests(folder)
    level = logging.getLogger("mlflow").level  # MLflow (imported by the fixture) sets its own
    ingest(store, world.tracking_uri, world.base_dir)
    assert digests(folder) == before  # no journal left behind, no table touched
    assert len(store.find_nodes(NodeKind.RUN, {"source": "mlflow"})) == 4
    assert logging.getLogger("mlflow").level == level  # the import's muting is undone


def test_a_store_mlflow_cannot_read_is_one_error_and_stays_unchanged(store: GraphStore, tmp_path: Path) -> None:
    folder = tmp_path / "mlflow"
    folder.mkdir()
    path = folder / "mlflow.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE experiments (x)")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('not-a-revision')")
    conn.commit()
    conn.close()
    before = digests(folder)
    with pytest.raises(IngestError, match=r"^MLflow at sqlite:///.*mlflow\.db: cannot read the tracking store: "
                                          r"Can't locate revision identified by 'not-a-revision'$"):
        ingest(store, f"sqlite:///{path}", tmp_path)
    assert digests(folder) == before and store.last_seq() == 0


def test_a_folder_that_is_not_a_file_store_is_refused_and_left_empty(store: GraphStore, tmp_path: Path) -> None:
    folder = tmp_path / "mlruns"
    folder.mkdir()
    with pytest.raises(IngestError, match=r"is not an MLflow file store \(no \.trash folder and no experiment "
                                          r"meta\.yaml\); nothing was read or written$"):
        ingest(store, folder.as_uri(), tmp_path)
    assert list(folder.iterdir()) == [] and store.last_seq() == 0
