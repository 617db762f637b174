"""Turning a data file a run reads into its DatasetVersion, through the dataset ingestor.

``run.use(path)`` must land on the very node ``modelctx ingest dataset`` makes
for the same bytes, so the description comes from ``modelctx.ingest.dataset``
when it is installed. Until then (or for formats it does not read) a small
description with the same id scheme is used: ``dataset_version:<name>/<sha256>``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class DescribedDataset:
    """The DatasetVersion of a file plus the records that place it in the graph."""

    version_id: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


_cache: dict[tuple[str, int, int, str], DescribedDataset] = {}


def describe_file(path: str | os.PathLike[str], name: str | None = None) -> DescribedDataset:
    """Describe a CSV/TSV/Parquet/JSONL file; cached by path, size and mtime within a process."""
    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise NotFoundError(f"dataset file {file} does not exist")
    stat = file.stat()
    dataset_name = name or file.stem
    key = (str(file), stat.st_size, stat.st_mtime_ns, dataset_name)
    found = _cache.get(key)
    if found is None:
        found = _describe_with_ingestor(file, dataset_name) or _describe_locally(file, dataset_name)
        _cache[key] = found
    return found


def _describe_with_ingestor(file: Path, name: str) -> DescribedDataset | None:
    try:
        from modelctx.ingest import dataset as ingest_dataset
    except ImportError:
        return None
    describe: Any = getattr(ingest_dataset, "describe_dataset_file", None)
    if describe is None:
        return None
    records = list(describe(file, name=name))
    nodes = tuple(r for r in records if isinstance(r, Node))
    edges = tuple(r for r in records if isinstance(r, Edge))
    version = next((n for n in nodes if n.kind is NodeKind.DATASET_VERSION), None)
    if version is None:
        return None
    return DescribedDataset(version.id, nodes, edges)


def _read_frame(file: Path) -> Any:
    import pandas as pd

    suffix = file.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(file)
    if suffix == ".tsv":
        return pd.read_csv(file, sep="\t")
    if suffix == ".parquet":
        return pd.read_parquet(file)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(file, lines=True)
    raise ValidationError(f"dataset file {file}: unsupported format {suffix!r} (csv, tsv, parquet, jsonl)")


def read_dataset(uri_or_path: str) -> Any:
    """A DataFrame of a dataset version's file (``file://`` URI or path)."""
    from modelctx.training.artifacts import path_from_uri

    return _read_frame(path_from_uri(uri_or_path))


def _describe_locally(file: Path, name: str) -> DescribedDataset:
    sha = hashlib.sha256()
    with file.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            sha.update(chunk)
    hexdigest = sha.hexdigest()
    frame = _read_frame(file)
    columns = []
    for column in frame.columns:
        series = frame[column]
        info: dict[str, Any] = {"name": str(column), "dtype": str(series.dtype),
                                "null_fraction": float(series.isna().mean()) if len(series) else 0.0}
        if series.dtype.kind in "if" and series.notna().any():
            info.update(min=float(series.min()), max=float(series.max()),
                        mean=float(series.mean()), std=float(series.std(ddof=0)))
        columns.append(info)
    dataset_id = node_id(NodeKind.DATASET, name)
    version_id = node_id(NodeKind.DATASET_VERSION, name, hexdigest)
    version = Node(version_id, NodeKind.DATASET_VERSION, {
        "name": f"{name} @ {hexdigest[:10]}",
        "dataset": name,
        "uri": file.as_uri(),
        "format": file.suffix.lower().lstrip("."),
        "digest": f"sha256:{hexdigest}",
        "rows": int(len(frame)),
        "columns": columns,
        "source": "file",
        "source_id": str(file),
    })
    dataset = Node(dataset_id, NodeKind.DATASET, {"name": name, "source": "file"})
    return DescribedDataset(version_id, (dataset, version), (Edge(version_id, dataset_id, EdgeType.VERSION_OF),))
