"""Feature definitions tied to dataset versions ingested from scikit-learn's tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelctx.errors import IngestError
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
from modelctx.ingest.features import FeaturesConfig, FeaturesIngestor
from modelctx.ingest.runner import run_ingest


@pytest.fixture
def wine_versions(store: GraphStore, sklearn_frames: dict, tmp_path: Path) -> list[str]:
    """Two versions of the wine table: v1 (100 rows), v2 (all rows)."""
    folder = tmp_path / "wine"
    folder.mkdir()
    sklearn_frames["wine"].head(100).to_csv(folder / "wine_v1.csv", index=False)
    sklearn_frames["wine"].to_csv(folder / "wine_v2.csv", index=False)
    run_ingest(store, DatasetIngestor(DatasetConfig(path=folder, name="wine"), store))
    found = store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": "wine"})
    return [n.id for n in sorted(found, key=lambda n: n.properties["version_index"])]


def write(tmp_path: Path, text: str, name: str = "features.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def ingest(store: GraphStore, path: Path, **options: str) -> dict:
    return run_ingest(store, FeaturesIngestor(FeaturesConfig(path=path, **options), store)).to_json()


FEATURES = """
group: wine
owner: alice@example.com
features:
  - name: alcohol_level
    dtype: float64
    description: Alcohol content of the wine in percent.
    source: {dataset: wine, columns: [alcohol]}
    transformation: alcohol as measured
  - name: colour_ratio
    group: chem
    dtype: float64
    description: Colour intensity relative to hue.
    source: {dataset: wine, version: "1", columns: [color_intensity, hue]}
    code: features/colour.py:ratio
    owner: Bob Builder
"""


def test_features_derive_from_the_named_or_latest_version(
    store: GraphStore, wine_versions: list[str], tmp_path: Path
) -> None:
    ingest(store, write(tmp_path, FEATURES))
    alcohol = store.get_node("feature:wine/alcohol_level")
    assert alcohol.properties["description"] == "Alcohol content of the wine in percent."
    assert alcohol.properties["transformation"] == "alcohol as measured"
    assert alcohol.properties["owner"] == "alice@example.com"
    [edge] = store.get_edges([alcohol.id], "out", [EdgeType.DERIVED_FROM])
    assert edge.target == wine_versions[1] and edge.properties == {"columns": ["alcohol"]}
    ratio = store.get_node("feature:chem/colour_ratio")
    assert ratio.properties["code"] == "features/colour.py:ratio"
    [edge] = store.get_edges([ratio.id], "out", [EdgeType.DERIVED_FROM])
    assert edge.target == wine_versions[0] and edge.properties["columns"] == ["color_intensity", "hue"]
    owners = {e.source: e.target for e in store.get_edges(["feature:wine/alcohol_level", ratio.id], "out",
                                                            [EdgeType.ATTRIBUTED_TO])}
    assert owners == {alcohol.id: "person:alice@example.com", ratio.id: "person:bob builder"}
    again = ingest(store, write(tmp_path, FEATURES))
    assert again["changes"]["nodes_created"] == again["changes"]["nodes_updated"] == 0


def test_by_digest(store: GraphStore, wine_versions: list[str], tmp_path: Path) -> None:
    digest = store.get_node(wine_versions[0]).properties["digest"]
    source = f"{{dataset: wine, digest: '{digest}', columns: [proline]}}"
    text = f"features:\n  - {{group: g, name: f, dtype: int64, source: {source}}}\n"
    ingest(store, write(tmp_path, text))
    assert store.get_edges(["feature:g/f"], "out", [EdgeType.DERIVED_FROM])[0].target == wine_versions[0]


def test_unknown_dataset_lists_the_known_ones(store: GraphStore, wine_versions: list[str], tmp_path: Path) -> None:
    text = FEATURES.replace("dataset: wine, version", "dataset: grapes, version")
    with pytest.raises(IngestError, match=r"record 1 \(line 10\), field 'source.dataset': unknown dataset 'grapes'; "
                                          r"known datasets: wine"):
        ingest(store, write(tmp_path, text))
    assert store.find_nodes(NodeKind.FEATURE) == []


def test_unknown_version_and_column(store: GraphStore, wine_versions: list[str], tmp_path: Path) -> None:
    no_version = r"field 'source.version': dataset 'wine' has no version '7'; known versions: 1 "
    with pytest.raises(IngestError, match=no_version):
        ingest(store, write(tmp_path, FEATURES.replace('version: "1"', 'version: "7"')))
    with pytest.raises(IngestError, match=r"field 'source.columns.1': .* has no column 'tint'; its columns: alcohol"):
        ingest(store, write(tmp_path, FEATURES.replace("hue]", "tint]")))


def test_malformed_definitions(store: GraphStore, wine_versions: list[str], tmp_path: Path) -> None:
    with pytest.raises(IngestError, match=r"record 0 \(line 5\), field 'dtype': missing required field"):
        no_dtype = FEATURES.replace("    dtype: float64\n    description: Alcohol", "    description: Alcohol")
        ingest(store, write(tmp_path, no_dtype))
    no_group = "features:\n  - {name: f, dtype: int64, source: {dataset: wine, columns: [proline]}}\n"
    with pytest.raises(IngestError, match=r"record 0 \(line 2\), field 'group': missing group"):
        ingest(store, write(tmp_path, no_group))
    with pytest.raises(IngestError, match=r"features\.json: line 1, column \d+: invalid JSON"):
        ingest(store, write(tmp_path, "{features: []}", "features.json"))
    assert store.find_nodes(NodeKind.FEATURE) == []


def test_cli(store: GraphStore, wine_versions: list[str], tmp_path: Path, run_cli) -> None:
    result = run_cli(["ingest", "features", write(tmp_path, FEATURES), "--project", "vino", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["nodes"]["feature"] == 2
    assert store.get_node("feature:wine/alcohol_level").properties["project"] == "vino"
    bad = run_cli(["ingest", "features", write(tmp_path, "features: 3\n", "bad.yaml")])
    assert bad.exit_code == 6, bad.output  # IngestError
    assert "bad.yaml, line 1, field 'features': 3 is not of type 'array'" in bad.stderr


def test_documented_example_ingests(store: GraphStore, tmp_path: Path, run_cli) -> None:
    (tmp_path / "customers.csv").write_text("customer_id,signup_date\n1,2023-01-05\n2,2023-07-19\n")
    orders = tmp_path / "orders"
    orders.mkdir()
    (orders / "orders_v1.csv").write_text("customer_id,order_total\n1,10.5\n")
    (orders / "orders_v2.csv").write_text("customer_id,order_total\n1,10.5\n2,99.0\n")
    for path, name in ((tmp_path / "customers.csv", "customers"), (orders, "orders")):
        assert run_cli(["ingest", "dataset", path, "--name", name]).exit_code == 0
    example = Path(__file__).resolve().parents[2] / "docs" / "formats" / "features.example.yaml"
    result = run_cli(["ingest", "features", example, "--json"])
    assert result.exit_code == 0, result.output
    [edge] = store.get_edges(["feature:spend/mean_basket_value"], "out", [EdgeType.DERIVED_FROM])
    assert store.get_node(edge.target).properties["version"] == "2"
    tenure = store.get_node("feature:churn/tenure_months")
    assert tenure.properties["source_dataset"] == "customers" and tenure.properties["owner"] == "alice@example.com"
