"""Turning a data file a run reads into its DatasetVersion, through the dataset ingestor.

``run.use(path)`` must land on the very node ``modelctx ingest dataset``
resolves for the same file (the identity rule of ``ingest/identity.py``: a new
file is ``dataset_version:<name>/<sha256>``, a file OpenLineage or MLflow
already named is their node), so the description is the file ingestor's own
records, computed against the run's store.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelctx.errors import NotFoundError, ValidationError
from modelctx.graph.model import Edge, Node, NodeKind


@dataclass(frozen=True, slots=True)
class DescribedDataset:
    """The DatasetVersion of a file plus the records that place it in the graph."""

    version_id: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


# Hashing and profiling a file is the expensive part of run.use(); a loop of
# runs over the same file pays it once per process.
_cache: dict[tuple[str, str, int, int, str, str | None], DescribedDataset] = {}


def describe_file(
    path: str | os.PathLike[str], *, name: str | None, lookup: Any, project: str | None = None
) -> DescribedDataset:
    """The file ingestor's Dataset/DatasetVersion records for one file (cached by path, size, mtime)."""
    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor

    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise NotFoundError(f"dataset file {file} does not exist")
    stat = file.stat()
    dataset_name = name or file.stem
    key = (str(getattr(lookup, "uri", "")), str(file), stat.st_size, stat.st_mtime_ns, dataset_name, project)
    found = _cache.get(key)
    if found is None:
        ingestor = DatasetIngestor(DatasetConfig(path=file, name=dataset_name, project=project), lookup)
        records = list(ingestor.records())
        nodes = tuple(r for r in records if isinstance(r, Node))
        edges = tuple(r for r in records if isinstance(r, Edge))
        version = next((n for n in nodes if n.kind is NodeKind.DATASET_VERSION), None)
        if version is None:
            raise ValidationError(f"dataset file {file}: the dataset ingestor produced no dataset version")
        found = DescribedDataset(version.id, nodes, edges)
        _cache[key] = found
    return found


def read_dataset(uri_or_path: str) -> Any:
    """A DataFrame of a dataset version's file (``file://`` URI or path): CSV, TSV, Parquet, JSON lines."""
    import pandas as pd

    from modelctx.training.artifacts import path_from_uri

    file = path_from_uri(uri_or_path)
    if not file.is_file():
        raise NotFoundError(f"dataset file {file} (from {uri_or_path}) does not exist")
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
