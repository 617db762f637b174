"""The dataset identity rule: one location, one DatasetVersion, whichever source names it first."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelctx.graph.model import NodeKind
from modelctx.graph.store import GraphStore
from modelctx.ingest.identity import (
    DatasetIdentity,
    DatasetMention,
    file_dataset_version,
    location_uri,
    normalise_digest,
    openlineage_uri,
    path_uri,
    version_key,
)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("data/train.csv", "file:///work/proj/data/train.csv"),
        ("./data/../data/train.csv", "file:///work/proj/data/train.csv"),
        ("/abs/x.parquet", "file:///abs/x.parquet"),
        ("file:///abs/x.parquet", "file:///abs/x.parquet"),
        ("file://Host/abs/x.parquet", "file://host/abs/x.parquet"),
        ("file://localhost/abs/x.parquet", "file:///abs/x.parquet"),
        ("file:data/train.csv", "file:///work/proj/data/train.csv"),
        ("S3://Bucket//raw/x.csv/", "s3://bucket/raw/x.csv"),
        ("https://user:secret@Example.com/d.csv", "https://user@example.com/d.csv"),
    ],
)
def test_locations_normalise_to_one_uri(location: str, expected: str) -> None:
    assert location_uri(location, Path("/work/proj")) == expected


@pytest.mark.parametrize(
    ("namespace", "name", "expected"),
    [
        ("file", "data/train.csv", "file:///work/proj/data/train.csv"),
        ("file", "/abs/train.csv", "file:///abs/train.csv"),
        ("file://etl-host", "/abs/train.csv", "file://etl-host/abs/train.csv"),
        ("file://localhost", "/abs/train.csv", "file:///abs/train.csv"),
        ("mysql://H1:3306,h2:3306", "shop.orders", "mysql://h1:3306,h2:3306/shop.orders"),
        ("database://host:port", "t", "database://host:port/t"),
        ("kafka://b1:9092,b2:9092", "orders#v2", "kafka://b1:9092,b2:9092/orders#v2"),
        ("Warehouse", "Sales.Orders", "Warehouse:Sales.Orders"),
        ("hdfs://NameNode:8020/base", "x/y", "hdfs://namenode:8020/base/x/y"),
        ("s3://bucket", "raw/x.csv", "s3://bucket/raw/x.csv"),
        ("postgres://DB.example.com:5432", "shop.public.orders", "postgres://db.example.com:5432/shop.public.orders"),
        ("warehouse", "sales.orders", "warehouse:sales.orders"),
    ],
)
def test_openlineage_datasets_normalise_to_one_uri(namespace: str, name: str, expected: str) -> None:
    assert openlineage_uri(namespace, name, Path("/work/proj")) == expected


def test_digests_and_version_keys() -> None:
    assert normalise_digest("AB" * 32) == "sha256:" + "ab" * 32
    assert normalise_digest("244437a9", "mlflow") == "mlflow:244437a9"
    assert normalise_digest("") is None
    assert version_key("sha256:" + "ab" * 32, None) == "ab" * 32
    assert version_key("mlflow:244437a9", "file:///x") == "mlflow-244437a9"
    assert version_key(None, "file:///x").startswith("uri-") and len(version_key(None, "file:///x")) == 20


def mention(source: str, uri: str, digest: str | None = None, name: str = "train") -> DatasetMention:
    return DatasetMention(name=name, source=source, uri=uri, digest=digest, source_id=uri,
                          properties={"columns": [{"name": source}]}, namespaced={f"{source}.seen": True})


def test_file_first_then_lineage_then_mlflow_meet(store: GraphStore, tmp_path: Path) -> None:
    file_match = file_dataset_version(tmp_path / "train.csv", "iris-train", "ab" * 32, tmp_path)
    store.write(file_match.nodes, file_match.edges)
    uri = path_uri("train.csv", tmp_path)
    for source, digest in (("openlineage", None), ("mlflow", "mlflow:244437a9")):
        match = DatasetIdentity(store).resolve(mention(source, uri, digest))
        assert (match.version_id, match.existing) == (file_match.version_id, True)
        store.write(match.nodes, match.edges)
    [version] = store.find_nodes(NodeKind.DATASET_VERSION)
    # the file ingestor owns the core properties; the others only add their namespaced ones
    assert version.properties["source"] == "file" and "columns" not in version.properties
    assert version.properties["openlineage.seen"] and version.properties["mlflow.seen"]
    assert version.properties["digest"] == "sha256:" + "ab" * 32


def test_lineage_first_placeholder_learns_the_file_digest(store: GraphStore, tmp_path: Path) -> None:
    uri = path_uri("train.csv", tmp_path)
    placeholder = DatasetIdentity(store).resolve(mention("openlineage", uri))
    store.write(placeholder.nodes, placeholder.edges)
    adopted = file_dataset_version(tmp_path / "train.csv", "iris-train", "ab" * 32, tmp_path, store)
    assert adopted.version_id == placeholder.version_id
    store.write(adopted.nodes, adopted.edges)
    [version] = store.find_nodes(NodeKind.DATASET_VERSION)
    assert version.properties["digest"] == "sha256:" + "ab" * 32
    # other bytes at the same path are another version
    changed = file_dataset_version(tmp_path / "train.csv", "iris-train", "cd" * 32, tmp_path, store)
    assert not changed.existing and changed.version_id.endswith("cd" * 32)


def test_same_digest_elsewhere_and_other_mlflow_content(store: GraphStore, tmp_path: Path) -> None:
    first = DatasetIdentity(store).resolve(mention("mlflow", path_uri("a.csv", tmp_path), "mlflow:1111"))
    store.write(first.nodes, first.edges)
    moved = DatasetIdentity(store).resolve(mention("mlflow", path_uri("b.csv", tmp_path), "mlflow:1111"))
    assert moved.version_id == first.version_id
    other = DatasetIdentity(store).resolve(mention("mlflow", path_uri("a.csv", tmp_path), "mlflow:2222"))
    assert not other.existing and other.version_id != first.version_id
