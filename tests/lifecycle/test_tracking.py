"""Tracked runs record status, params, metric histories, code, environment and datasets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.errors import ValidationError
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.training.registry import resolve_model_version
from modelctx.training.tracking import start_run
from tests.lifecycle.conftest import train_cancer_model


def test_exception_in_block_marks_run_failed_and_propagates(client: Client) -> None:
    with pytest.raises(ZeroDivisionError):
        with start_run(client, project="oncology", name="doomed") as run:
            run.log_param("lr", 0.1)
            run.log_metric("loss", 2.0, step=0)
            _ = 1 / 0
    node = client.store.get_nodes([run.id])[run.id]
    assert node.properties["status"] == "FAILED"
    assert node.properties["error"] == "ZeroDivisionError: division by zero"
    assert node.properties["params"] == {"lr": 0.1} and node.properties["ended_at"]


def test_run_is_written_as_running_before_the_block_ends(client: Client) -> None:
    with start_run(client, name="long") as run:
        assert client.store.get_nodes([run.id])[run.id].properties["status"] == "RUNNING"
        run.log_metric("loss", 1.0)
        run.flush()
        assert client.store.get_nodes([run.id])[run.id].properties["metrics"] == {"loss": 1.0}
    assert client.store.get_nodes([run.id])[run.id].properties["status"] == "COMPLETED"


def test_metric_history_params_code_environment_and_dataset(
    client: Client, cancer_csv: Path, code_repo: Path
) -> None:
    version = train_cancer_model(client, cancer_csv, code_repo)
    run_id = next(e.target for e in client.store.get_edges([version.id], "out", [EdgeType.GENERATED_BY]))
    run = client.store.get_nodes([run_id])[run_id].properties
    assert run["status"] == "COMPLETED" and run["params"] == {"C": 1.0, "max_iter": 2000}
    assert run["metric_history"]["loss"] == {"steps": [0, 1, 2], "values": [0.9, 0.5, 0.3]}
    assert run["metrics"]["loss"] == 0.3 and run["tags"]["git.dirty"] is False
    used = {client.store.get_nodes([e.target])[e.target].kind: e for e in
            client.store.get_edges([run_id], "out", [EdgeType.USED])}
    assert used[NodeKind.COMMIT].properties == {"role": "code", "dirty": False}
    assert used[NodeKind.DATASET_VERSION].properties == {"role": "training"}
    env = client.store.get_nodes([used[NodeKind.ENVIRONMENT].target])[used[NodeKind.ENVIRONMENT].target]
    assert env.properties["packages"]["scikit-learn"] and env.properties["python"].startswith("3.")
    assert version.properties["digest"].startswith("sha256:")
    assert version.properties["signature"]["inputs"][0] == "mean radius"
    notes = client.store.get_edges([run_id], "in", [EdgeType.ABOUT])
    assert len(notes) == 1


def test_dirty_tree_is_recorded_as_dirty(client: Client, code_repo: Path) -> None:
    (code_repo / "train.py").write_text("print('changed')\n")
    from modelctx.training import gitinfo

    gitinfo._cache.clear()
    with start_run(client, code_path=code_repo) as run:
        pass
    edge = next(e for e in client.store.get_edges([run.id], "out", [EdgeType.USED]) if e.target.startswith("commit:"))
    assert edge.properties["dirty"] is True


def test_versions_number_up_and_aliases_move(client: Client, cancer_csv: Path) -> None:
    first = train_cancer_model(client, cancer_csv, None)
    second = train_cancer_model(client, cancer_csv, None)
    assert (first.properties["version"], second.properties["version"]) == (1, 2)
    assert resolve_model_version(client.store, "cancer-clf@candidate").id == second.id
    assert client.store.get_nodes([first.id])[first.id].properties["aliases"] == []
    assert resolve_model_version(client.store, "cancer-clf").id == second.id
    # both runs used the same bytes: one DatasetVersion
    assert len(client.store.find_nodes(NodeKind.DATASET_VERSION)) == 1


def test_bad_metric_is_a_validation_error(client: Client) -> None:
    with pytest.raises(ValidationError, match="metric 'loss'"):
        with start_run(client) as run:
            run.log_metric("loss", float("nan"))
    assert client.store.get_nodes([run.id])[run.id].properties["status"] == "FAILED"


def test_train_command_from_config(client: Client, store_uri: str, cancer_csv: Path, tmp_path: Path) -> None:
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({
        "model": "cancer-forest", "project": "oncology", "dataset": "data/breast_cancer.csv",
        "dataset_name": "breast-cancer", "target": "target",
        "estimator": {"class": "sklearn.ensemble.RandomForestClassifier",
                      "params": {"n_estimators": 20, "random_state": 0}},
        "split": {"test_size": 0.3, "stratify": True}, "metrics": ["accuracy", "roc_auc"],
        "aliases": ["candidate"],
    }))
    result = CliRunner().invoke(main, ["--store", store_uri, "train", str(config), "--json"])
    assert result.exit_code == 0, result.output
    version = resolve_model_version(client.store, "cancer-forest@candidate")
    assert version.properties["metrics"]["accuracy"] > 0.85
    assert version.properties["params"]["n_estimators"] == 20


def test_train_config_refuses_non_sklearn_class(
    client: Client, store_uri: str, cancer_csv: Path, tmp_path: Path
) -> None:
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({"model": "m", "dataset": str(cancer_csv), "target": "target",
                                      "estimator": {"class": "os.system"}}))
    result = CliRunner().invoke(main, ["--store", store_uri, "train", str(config)])
    assert result.exit_code != 0 and "must be a scikit-learn class path" in result.output + str(result.exception)
