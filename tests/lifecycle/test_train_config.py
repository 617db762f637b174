"""``modelctx train`` with the guide's config on a file holding dates and text (issue 20)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.client import Client
from modelctx.graph.model import NodeKind

ROWS = ["age,signup_date,plan,churned", "31,2024-01-05,basic,0", "45,2023-11-20,pro,1", "52,2022-02-11,pro,1",
        "23,2024-03-30,basic,0", "38,2023-07-14,basic,0", "61,2021-09-02,pro,1", "29,2024-02-01,basic,0",
        "57,2022-05-23,pro,1"]


def _config(tmp_path: Path, **extra: object) -> Path:
    (tmp_path / "customers.csv").write_text("\n".join(ROWS) + "\n")
    config = tmp_path / "train.yaml"
    config.write_text(yaml.safe_dump({
        "model": "churn", "project": "retail", "dataset": "customers.csv", "target": "churned",
        "estimator": {"class": "sklearn.ensemble.RandomForestClassifier", "params": {"n_estimators": 5}},
        "preprocessing": ["sklearn.preprocessing.StandardScaler"], "split": {"test_size": 0.25},
        "metrics": ["accuracy"], **extra}))
    return config


def test_a_date_column_is_one_line_naming_the_column_and_the_key_and_writes_nothing(
    client: Client, store_uri: str, tmp_path: Path
) -> None:
    before = client.store.last_seq()
    result = CliRunner().invoke(main, ["--store", store_uri, "train", str(_config(tmp_path))])
    assert result.exit_code == 4
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {tmp_path / 'customers.csv'}: feature column 'signup_date' holds text or dates, not numbers, "
        "which the estimator cannot use; list the numeric columns under 'features:' in the config "
        "(or add an encoder to 'preprocessing:')\n")
    assert client.store.last_seq() == before
    assert client.store.find_nodes(NodeKind.RUN) == []


def test_listing_the_numeric_features_trains(client: Client, store_uri: str, tmp_path: Path) -> None:
    config = _config(tmp_path, features=["age"], name="age only", description="churn from age alone")
    result = CliRunner().invoke(main, ["--store", store_uri, "train", str(config), "--json"])
    assert result.exit_code == 0, result.output
    [run] = client.store.find_nodes(NodeKind.RUN)
    assert (run.properties["name"], run.properties["description"]) == ("age only", "churn from age alone")
    assert run.properties["params"]["features"] == 1


@pytest.mark.parametrize("encoder", ["sklearn.preprocessing.OneHotEncoder", "sklearn.preprocessing.OrdinalEncoder"])
def test_an_encoder_in_preprocessing_lets_text_features_through(
    client: Client, store_uri: str, tmp_path: Path, encoder: str
) -> None:
    config = _config(tmp_path, features=["plan"], preprocessing=[encoder])
    result = CliRunner().invoke(main, ["--store", store_uri, "train", str(config)])
    assert result.exit_code == 0, result.output
    assert len(client.store.find_nodes(NodeKind.MODEL_VERSION)) == 1
