"""The dataset ingestor on scikit-learn's bundled tables written as CSV, TSV, Parquet and JSON lines."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor, version_from_name
from modelctx.ingest.runner import run_ingest


def ingest(store: GraphStore, path: Path, name: str, **options: Any) -> dict:
    report = run_ingest(store, DatasetIngestor(DatasetConfig(path=path, name=name, **options), store))
    return report.to_json()


def versions(store: GraphStore, name: str) -> list:
    found = store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": name}, limit=1000)
    return sorted(found, key=lambda n: n.properties["version_index"])


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "jsonl"])
def test_every_format_gives_rows_columns_and_statistics(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path, fmt: str
) -> None:
    frame = sklearn_frames["iris"]
    path = tmp_path / f"iris.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    ingest(store, path, "iris", description="Fisher's iris measurements")
    [version] = versions(store, "iris")
    props = version.properties
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert version.id == node_id(NodeKind.DATASET_VERSION, "iris", digest)
    assert props["digest"] == f"sha256:{digest}"
    assert props["uri"] == "file://" + str(path.resolve())
    assert (props["source"], props["source_id"]) == ("file", props["uri"])
    assert props["format"] == fmt and props["size_bytes"] == path.stat().st_size
    assert props["rows"] == 150
    assert [c["name"] for c in props["columns"]] == list(frame.columns)
    dtypes = {c["name"]: c["dtype"] for c in props["columns"]}
    assert dtypes["sepal length (cm)"] == "float64" and dtypes["target"] == "int64" and dtypes["species"] == "string"
    sepal = props["column_stats"]["sepal length (cm)"]
    column = frame["sepal length (cm)"]
    assert sepal["min"] == column.min() and sepal["max"] == column.max()
    assert sepal["mean"] == pytest.approx(column.mean())
    assert sepal["std"] == pytest.approx(column.std(ddof=0))
    assert sepal["null_fraction"] == 0.0
    species = props["column_stats"]["species"]
    assert species["distinct_count"] == 3 and species["distinct_exact"] is True
    assert {v["value"]: v["count"] for v in species["top_values"]} == {"setosa": 50, "versicolor": 50, "virginica": 50}
    dataset = store.get_node(node_id(NodeKind.DATASET, "iris"))
    assert dataset.properties["description"] == "Fisher's iris measurements"
    assert [e.target for e in store.get_edges([version.id], "out", [EdgeType.VERSION_OF])] == [dataset.id]


def test_statistics_cover_nulls_across_many_blocks(store: GraphStore, sklearn_frames: dict, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import modelctx.ingest.dataset as dataset_module

    monkeypatch.setattr(dataset_module, "BLOCK_SIZE", 4096)  # many blocks: merged statistics must be exact
    frame = sklearn_frames["breast_cancer"].copy()
    frame.loc[frame.index[::4], "mean radius"] = None
    path = tmp_path / "cancer.csv"
    frame.to_csv(path, index=False)
    ingest(store, path, "cancer")
    [version] = versions(store, "cancer")
    stats = version.properties["column_stats"]["mean radius"]
    column = frame["mean radius"]
    assert version.properties["rows"] == len(frame) == 569
    assert stats["null_fraction"] == pytest.approx(column.isna().mean(), abs=1e-6)
    assert stats["mean"] == pytest.approx(column.mean())
    assert stats["std"] == pytest.approx(column.std(ddof=0))


def test_a_type_that_changes_late_in_the_file_is_widened(store: GraphStore, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import modelctx.ingest.dataset as dataset_module

    monkeypatch.setattr(dataset_module, "BLOCK_SIZE", 1024)
    path = tmp_path / "late.csv"
    lines = ["id,score,label"] + [f"{i},{i},a" for i in range(500)] + ["501,1.5,b", "502,n/a,c"]
    path.write_text("\n".join(lines) + "\n")
    ingest(store, path, "late")
    [version] = versions(store, "late")
    dtypes = {c["name"]: c["dtype"] for c in version.properties["columns"]}
    assert dtypes == {"id": "int64", "score": "float64", "label": "string"}
    assert version.properties["rows"] == 502
    assert version.properties["column_stats"]["score"]["null_fraction"] == pytest.approx(1 / 502, abs=1e-6)


def test_same_bytes_same_node_and_reingest_changes_nothing(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path
) -> None:
    path = tmp_path / "wine.parquet"
    sklearn_frames["wine"].to_parquet(path, index=False)
    ingest(store, path, "wine")
    copy = tmp_path / "elsewhere" / "wine-copy.parquet"
    copy.parent.mkdir()
    shutil.copy(path, copy)
    again = ingest(store, copy, "wine")
    assert len(versions(store, "wine")) == 1
    assert versions(store, "wine")[0].properties["uri"] == "file://" + str(copy.resolve())
    third = ingest(store, copy, "wine")
    assert third["changes"]["nodes_created"] == third["changes"]["nodes_updated"] == 0
    assert again["changes"]["nodes_created"] == 0


def test_same_bytes_under_two_names_stay_two_versions(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path
) -> None:
    path = tmp_path / "wine.csv"
    sklearn_frames["wine"].to_csv(path, index=False)
    ingest(store, path, "wine")
    ingest(store, path, "wine-copy")
    [first], [second] = versions(store, "wine"), versions(store, "wine-copy")
    digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.id != second.id
    assert first.properties["digest"] == second.properties["digest"] == digest
    assert second.id == node_id(NodeKind.DATASET_VERSION, "wine-copy", digest.removeprefix("sha256:"))
    again = ingest(store, path, "wine")
    assert again["changes"]["nodes_created"] == again["changes"]["nodes_updated"] == 0


def test_a_folder_is_one_dataset_ordered_by_version_in_the_name(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "diabetes"
    folder.mkdir()
    frame = sklearn_frames["diabetes"]
    for n, rows in ((10, 400), (2, 200), (1, 100)):  # v10 must sort after v2
        frame.head(rows).to_csv(folder / f"diabetes_v{n}.csv", index=False)
    ingest(store, folder, "diabetes")
    found = versions(store, "diabetes")
    assert [(v.properties["version"], v.properties["version_index"], v.properties["rows"]) for v in found] == [
        ("1", 1, 100), ("2", 2, 200), ("10", 3, 400)
    ]
    frame.to_csv(folder / "diabetes_v11.csv", index=False)
    report = ingest(store, folder, "diabetes")
    assert report["changes"]["nodes_created"] == 1
    assert versions(store, "diabetes")[-1].properties["version_index"] == 4


def test_a_folder_without_versions_in_names_is_ordered_by_mtime(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "snapshots"
    folder.mkdir()
    frame = sklearn_frames["wine"]
    for name, rows, mtime in (("alpha.csv", 50, 3_000), ("beta.csv", 60, 1_000), ("gamma.csv", 70, 2_000)):
        frame.head(rows).to_csv(folder / name, index=False)
        os.utime(folder / name, (mtime, mtime))
    ingest(store, folder, "wine")
    assert [v.properties["rows"] for v in versions(store, "wine")] == [60, 70, 50]


def test_version_labels_from_names() -> None:
    assert version_from_name("churn_v2.1") == ("2.1", (2, 1))
    assert version_from_name("sales-2024-03-01") == ("2024-03-01", (2024, 3, 1))
    assert version_from_name("events_7") == ("7", (7,))
    assert version_from_name("iris") is None


def test_derived_from_by_id_and_by_path(store: GraphStore, sklearn_frames: dict, tmp_path: Path) -> None:
    raw = tmp_path / "raw.csv"
    sklearn_frames["iris"].to_csv(raw, index=False)
    ingest(store, raw, "iris-raw")
    [parent] = versions(store, "iris-raw")
    clean = tmp_path / "clean.parquet"
    sklearn_frames["iris"].dropna().to_parquet(clean, index=False)
    ingest(store, clean, "iris-clean", derived_from=[str(raw)])
    [child] = versions(store, "iris-clean")
    assert [e.target for e in store.get_edges([child.id], "out", [EdgeType.DERIVED_FROM])] == [parent.id]
    subset = tmp_path / "subset.csv"
    sklearn_frames["iris"].head(10).to_csv(subset, index=False)
    ingest(store, subset, "iris-subset", derived_from=[child.id])
    [grandchild] = versions(store, "iris-subset")
    assert store.get_edges([grandchild.id], "out", [EdgeType.DERIVED_FROM])[0].target == child.id


def test_unknown_parent_lists_what_is_known(store: GraphStore, sklearn_frames: dict, tmp_path: Path) -> None:
    known = tmp_path / "known.csv"
    sklearn_frames["wine"].to_csv(known, index=False)
    ingest(store, known, "wine")
    stranger = tmp_path / "stranger.csv"
    sklearn_frames["iris"].to_csv(stranger, index=False)
    unknown = r"no ingested dataset version has digest sha256:.*known versions: dataset_version:wine/"
    with pytest.raises(IngestError, match=unknown):
        ingest(store, stranger, "iris", derived_from=[str(stranger)])
    with pytest.raises(IngestError, match="no such dataset version"):
        ingest(store, stranger, "iris", derived_from=["dataset_version:wine/0000"])
    assert store.find_nodes(NodeKind.DATASET, {"name": "iris"}) == []


def test_malformed_csv_names_file_and_line_and_writes_nothing(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path
) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    sklearn_frames["iris"].to_csv(folder / "runs_v1.csv", index=False)
    (folder / "runs_v2.csv").write_text("a,b\n1,2\n3,4\n5,6,7\n")
    before = (store.counts(), store.last_seq())
    with pytest.raises(IngestError, match=r"runs_v2\.csv: line 4: .*Expected 2 columns, got 3"):
        ingest(store, folder, "runs")
    # all or nothing (modelctx/ingest/runner.py): neither the Dataset nor the good first version is written
    assert (store.counts(), store.last_seq()) == before
    assert versions(store, "runs") == [] and not store.get_nodes(["dataset:runs"])


def test_malformed_jsonl_and_parquet(store: GraphStore, tmp_path: Path) -> None:
    bad_lines = tmp_path / "events.jsonl"
    bad_lines.write_text('{"a": 1}\n{"a": 2}\n{"a": 3\n')
    with pytest.raises(IngestError, match=r"events\.jsonl: line 3: invalid JSON line"):
        ingest(store, bad_lines, "events")
    bad_parquet = tmp_path / "table.parquet"
    bad_parquet.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(IngestError, match=r"table\.parquet: cannot read as Parquet"):
        ingest(store, bad_parquet, "table")
    assert store.find_nodes(NodeKind.DATASET_VERSION) == []


def test_cli_with_description_file_and_dry_run(
    store: GraphStore, sklearn_frames: dict, tmp_path: Path, run_cli
) -> None:
    path = tmp_path / "cancer.parquet"
    sklearn_frames["breast_cancer"].to_parquet(path, index=False)
    notes = tmp_path / "notes.md"
    notes.write_text("Wisconsin diagnostic breast cancer features.\n")
    dry = run_cli(["ingest", "dataset", path, "--name", "cancer", "--description-file", notes, "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["nodes"] == {"dataset": 1, "dataset_version": 1}
    assert store.find_nodes(NodeKind.DATASET) == []
    real = run_cli(["ingest", "dataset", path, "--name", "cancer", "--description-file", notes, "--project", "onc"])
    assert real.exit_code == 0, real.output
    dataset = store.get_node("dataset:cancer")
    assert dataset.properties["description"] == "Wisconsin diagnostic breast cancer features."
    assert dataset.properties["project"] == "onc"
    [version] = versions(store, "cancer")
    assert version.properties["rows"] == 569 and len(version.properties["columns"]) == 31
    both = run_cli(["ingest", "dataset", path, "--name", "cancer", "--description", "x", "--description-file", notes])
    assert both.exit_code == 4 and "give --description or --description-file, not both" in both.stderr


def test_high_cardinality_strings_stay_bounded(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import modelctx.ingest.dataset as dataset_module
    import modelctx.ingest.dataset_stats as stats_module

    monkeypatch.setattr(dataset_module, "BLOCK_SIZE", 2048)
    monkeypatch.setattr(stats_module, "MAX_TRACKED_VALUES", 50)
    path = tmp_path / "ids.csv"
    rows = [f"id-{i},{'hot' if i % 3 == 0 else f'cold-{i}'}" for i in range(600)]
    path.write_text("id,tag\n" + "\n".join(rows) + "\n")
    ingest(store, path, "ids")
    [version] = versions(store, "ids")
    tag = version.properties["column_stats"]["tag"]
    assert tag["distinct_exact"] is False
    assert 50 <= tag["distinct_count"] <= 401
    assert tag["top_values"][0] == {"value": "hot", "count": 200}


def test_nan_counts_as_missing(store: GraphStore, tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    path.write_text("x,n\n1.5,1\nnan,2\n2.5,3\n,4\n")
    ingest(store, path, "nan")
    [version] = versions(store, "nan")
    x, n = version.properties["column_stats"]["x"], version.properties["column_stats"]["n"]
    assert x["null_fraction"] == 0.5 and x["mean"] == 2.0 and x["std"] == 0.5
    assert (n["min"], n["max"], n["mean"]) == (1, 4, 2.5)


class _Tally:
    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0

    def set_total(self, total: int | None) -> None:
        self.total = total

    def advance(self, records: int) -> None:
        self.done += records


@pytest.mark.parametrize("suffix", ["csv", "parquet", "jsonl"])
def test_progress_counts_bytes(store: GraphStore, sklearn_frames: dict, tmp_path: Path, suffix: str) -> None:
    frame = sklearn_frames["wine"]
    path = tmp_path / f"wine.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    elif suffix == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    tally = _Tally()
    run_ingest(store, DatasetIngestor(DatasetConfig(path=path, name="wine"), store, tally))
    assert tally.total == tally.done == path.stat().st_size
