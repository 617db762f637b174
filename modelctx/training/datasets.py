"""Turning a data file a run reads into its DatasetVersion, through the dataset identity rule.

``run.use(path)`` must land on the very node the rule of ``ingest/identity.py``
gives for those bytes: a stored version with the file's SHA-256 is the node,
whatever dataset it was ingested under (``modelctx ingest dataset data/ --name
customers`` then ``run.use("data/customers_v2.csv")`` is ``customers@2``, not a
new ``customers_v2``). Only a file whose bytes no stored version holds is
described by the file ingestor's own records (named by ``name=``, else the file
stem), computed against the run's store, so a file OpenLineage or MLflow named
by path still meets their node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelctx.errors import IngestError, NotFoundError, ValidationError
from modelctx.graph.model import Edge, Node, NodeKind
from modelctx.graph.store import GraphStore


@dataclass(frozen=True, slots=True)
class DescribedDataset:
    """The DatasetVersion of a file, the dataset it belongs to, and the records that place a new one."""

    version_id: str
    dataset: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


# Hashing and profiling a file are the expensive part of run.use(); a loop of runs over the same file
# pays each once per process. The store is asked for the digest on every call, so a new version's
# cached records are used only while no stored version holds those bytes.
_digests: dict[tuple[str, int, int], str] = {}
_new: dict[tuple[str, str, int, int, str, str | None], DescribedDataset] = {}


def describe_file(
    path: str | os.PathLike[str], *, name: str | None, lookup: GraphStore, project: str | None = None
) -> DescribedDataset:
    """The stored DatasetVersion with the file's digest, else the file ingestor's records for a new one."""
    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor, file_uri, sha256_file
    from modelctx.ingest.identity import stored_content_version

    file = Path(path).expanduser().resolve()
    if not file.is_file():
        raise NotFoundError(f"dataset file {file} does not exist")
    stat = file.stat()
    state = (str(file), stat.st_size, stat.st_mtime_ns)
    digest = _digests.get(state)
    if digest is None:
        digest = _digests[state] = "sha256:" + sha256_file(file)
    stored = stored_content_version(lookup, digest, uri=file_uri(file), dataset=name)
    if stored is not None:
        dataset = stored.properties.get("dataset") or stored.properties.get("name") or stored.id
        return DescribedDataset(stored.id, str(dataset), (), ())
    dataset_name = name or file.stem
    key = (lookup.uri, *state, dataset_name, project)
    found = _new.get(key)
    if found is None:
        # No --encoding here: a refused file is told to convert to UTF-8 (modelctx/ingest/formats.py).
        ingestor = DatasetIngestor(DatasetConfig(path=file, name=dataset_name, project=project), lookup,
                                   encoding_hint="")
        records = list(ingestor.records())
        nodes = tuple(r for r in records if isinstance(r, Node))
        edges = tuple(r for r in records if isinstance(r, Edge))
        version = next((n for n in nodes if n.kind is NodeKind.DATASET_VERSION), None)
        if version is None:
            raise ValidationError(f"dataset file {file}: the dataset ingestor produced no dataset version")
        found = DescribedDataset(version.id, dataset_name, nodes, edges)
        _new[key] = found
    return found


def read_dataset(uri_or_path: str) -> Any:
    """A DataFrame of a dataset version's file (``file://`` URI or path): CSV, TSV, Parquet, JSON lines.

    Text files follow the text rule of ``modelctx/ingest/formats.py`` (UTF-8, or what a byte-order mark
    names); a file the parser cannot read is an IngestError naming it, never the parser's own exception.
    """
    import pandas as pd

    from modelctx.ingest.formats import sniff_encoding
    from modelctx.training.artifacts import path_from_uri

    file = path_from_uri(uri_or_path)
    if not file.is_file():
        raise NotFoundError(f"dataset file {file} (from {uri_or_path}) does not exist")
    suffix = file.suffix.lower()
    if suffix not in _READABLE:
        raise ValidationError(f"dataset file {file}: unsupported format {suffix!r} (csv, tsv, parquet, jsonl)")
    encoding = "utf-8"
    try:
        if suffix == ".parquet":
            return pd.read_parquet(file)
        with file.open("rb") as handle:
            encoding = sniff_encoding(handle.read(4))
        if suffix in (".jsonl", ".ndjson"):
            return pd.read_json(file, lines=True, encoding=encoding)
        return pd.read_csv(file, sep="\t" if suffix == ".tsv" else ",", encoding=encoding)
    except UnicodeDecodeError:
        _check_text(file, encoding)  # raises, naming the first byte that is not text
        raise
    except (ValueError, OSError) as exc:  # pandas' and pyarrow's parse errors are ValueErrors
        detail = " ".join(str(exc).split())
        raise IngestError(f"dataset file {file}: cannot read as {_READABLE[suffix]}: {detail}") from None


_READABLE = {".csv": "CSV", ".tsv": "TSV", ".parquet": "Parquet", ".jsonl": "JSON lines", ".ndjson": "JSON lines"}


def _check_text(file: Path, encoding: str) -> None:
    """Raise the IngestError of the text rule for the first byte of ``file`` that is not text."""
    from modelctx.ingest.formats import TextCheck

    check = TextCheck(f"dataset file {file}", encoding)
    with file.open("rb") as handle:
        while block := handle.read(1 << 20):
            check.feed(block)
    check.feed(b"", final=True)
