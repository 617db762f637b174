"""Data files as Dataset and DatasetVersion nodes: digest, schema and column statistics.

A new DatasetVersion's id is its dataset name plus the SHA-256 of its bytes, so
the same bytes always land on the same node wherever they are found. Which node
a file is goes through the dataset identity rule (:mod:`modelctx.ingest.identity`):
a file that OpenLineage or MLflow already named (same ``uri``) lands on that
node, and this ingestor, having read the bytes, fills in its core properties
(digest, rows, columns, statistics), whichever source came first. Every file
is read once, in blocks: the digest is taken from the same bytes the parser
reads (CSV, TSV, JSON lines) or from one extra streamed pass (Parquet, which
needs random access), and statistics are merged batch by batch
(:mod:`modelctx.ingest.dataset_stats`), so memory stays bounded on any size.

Text files (CSV, TSV, JSON lines) are read by the text rule of
:mod:`modelctx.ingest.formats`: UTF-8 (a byte-order mark is allowed, a UTF-16
or UTF-32 one names that encoding) unless ``encoding`` names another, and the
first byte that is not text in it stops the ingest with its offset and line —
never a column silently typed ``binary``. The whole ingest is one transaction
(``atomic``): a file that fails after others were read writes nothing.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind, kind_if_id
from modelctx.ingest.formats import TextCheck, check_encoding, is_utf8, sniff_encoding
from modelctx.ingest.identity import CONTENT_SOURCE, DatasetIdentity, DatasetMention, path_uri
from modelctx.ingest.lookup import GraphLookup, IngestProgress, NoProgress, get_node
from modelctx.ingest.runner import BatchEnd, IngestWarning, Record

FORMATS: dict[str, str] = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
}
BLOCK_SIZE = 2 << 20  # larger blocks let the threaded CSV reader queue more: 8 MB peaked at 4x the RSS
_VERSION_PATTERNS = (
    re.compile(r"(?:^|[^a-z0-9])v(\d+(?:[._]\d+)*)(?![a-z0-9])", re.I),
    re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2}|\d{8})(?!\d)"),
    re.compile(r"[_.\-](\d+(?:[._]\d+)*)$"),
)
_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): CSV conversion error to (\w+)")


class DatasetConfig(BaseModel):
    """A data file, or a folder of files that are versions of one dataset."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(
        description="A CSV, TSV, Parquet or JSON-lines file, or a folder of them (one file per version)."
    )
    name: str = Field(min_length=1, description="Dataset name; the Dataset node is dataset:<name>.")
    description: str | None = Field(default=None, description="Free text describing the dataset (indexed for search).")
    derived_from: list[str] = Field(
        default_factory=list,
        description="DatasetVersion ids, or paths of already-ingested files (matched by digest), this data came from.",
    )
    project: str | None = Field(default=None, description="Project the dataset belongs to.")
    encoding: str | None = Field(
        default=None,
        description="Text encoding of CSV, TSV and JSON-lines files (default: UTF-8, or what a byte-order mark names).",
    )


#: What a refused text file is told it can do besides converting (the option of ``modelctx ingest dataset``).
ENCODING_HINT = "pass its encoding with --encoding (for example --encoding latin-1)"


def file_uri(path: Path) -> str:
    """``file://`` plus the resolved absolute path: the identity other ingestors match on."""
    return path_uri(path, Path.cwd())


def sha256_file(path: Path, progress: IngestProgress | None = None) -> str:
    """The hex SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK_SIZE):
            digest.update(block)
            if progress is not None:
                progress.advance(len(block))
    return digest.hexdigest()


def version_from_name(stem: str) -> tuple[str, tuple[int, ...]] | None:
    """A version label and sort key found in a file name (``v2``, ``2024-01-31``, ``_3``), else None."""
    for pattern in _VERSION_PATTERNS:
        match = pattern.search(stem)
        if match:
            label = match.group(1)
            return label, tuple(int(p) for p in re.split(r"[._\-]", label) if p)
    return None


def data_files(path: Path) -> list[Path]:
    """The files of a dataset, oldest version first: by version in the name, else by mtime."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise IngestError(f"dataset: {path}: no such file or folder")
    files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".") and _format_of(p)]
    if not files:
        raise IngestError(f"dataset: {path}: no data files (expected {', '.join(sorted(FORMATS))})")
    versions = {p: version_from_name(p.stem) for p in files}
    if all(versions.values()):
        return sorted(files, key=lambda p: (versions[p][1], p.name))  # type: ignore[index]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def _text_encoding(path: Path, encoding: str | None) -> str:
    """The encoding a text data file is read in (the given one, else its byte-order mark's, else UTF-8)."""
    with path.open("rb") as handle:
        return sniff_encoding(handle.read(4), encoding)


class _HashingReader(io.RawIOBase):
    """A file that hashes and text-checks every byte read through it, so parsing, digest and check share one read.

    A byte that is not text ends the stream early (the parser sees the end of
    the file) and is kept in ``error``, which the caller raises: an exception
    raised inside the parser's read would come back wrapped in its own.
    """

    def __init__(self, handle: BinaryIO, progress: IngestProgress, check: TextCheck) -> None:
        self._handle = handle
        self._progress = progress
        self._check = check
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: IngestError | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.error is not None:
            return b""
        data = self._handle.read(size)
        try:
            self._check.feed(data, final=not data)
        except IngestError as exc:
            self.error = exc
            return b""
        self.digest.update(data)
        self.size += len(data)
        self._progress.advance(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@dataclass(slots=True)
class FileProfile:
    """What reading one file found."""

    digest: str
    size_bytes: int
    rows: int
    columns: list[dict[str, str]]
    column_stats: dict[str, dict[str, Any]]


def _line_of(path: Path, text: str) -> int | None:
    """The first line of ``path`` equal to ``text`` (only used to locate an error)."""
    wanted = text.rstrip("\r\n")
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.rstrip(b"\r\n").decode("utf-8", "replace") == wanted:
                return number
    return None


def _profile_delimited(
    path: Path, delimiter: str, progress: IngestProgress, encoding: str | None, hint: str
) -> FileProfile:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from modelctx.ingest.dataset_stats import TableStats

    if path.stat().st_size == 0:
        # pyarrow refuses an empty file while its read-ahead thread may still hold the file, and
        # that thread can abort the process at exit (rc 134 after the error was printed): refuse it first
        raise IngestError(f"dataset: {path}: cannot parse as {delimiter!r}-separated text: Empty CSV file")
    text_encoding = _text_encoding(path, encoding)
    # pyarrow reads UTF-8 (and skips its byte-order mark) itself; other encodings it transcodes.
    read_options = pacsv.ReadOptions(block_size=BLOCK_SIZE, **({} if is_utf8(text_encoding) else
                                                                {"encoding": text_encoding}))
    overrides: dict[str, Any] = {}
    while True:
        bad_rows: list[str] = []

        def on_invalid(row: Any, bad_rows: list[str] = bad_rows) -> str:
            bad_rows.append(str(row.text))
            return "error"

        stats = TableStats()
        with path.open("rb") as handle:
            reader_file = _HashingReader(handle, progress, TextCheck(f"dataset: {path}", text_encoding, hint=hint))
            names: list[str] = []
            try:
                reader = pacsv.open_csv(
                    pa.PythonFile(reader_file, mode="r"),
                    read_options=read_options,
                    parse_options=pacsv.ParseOptions(delimiter=delimiter, invalid_row_handler=on_invalid),
                    convert_options=pacsv.ConvertOptions(column_types=overrides),
                )
                names = reader.schema.names
                for batch in reader:
                    stats.add_batch(batch)
            except pa.ArrowInvalid as exc:
                if reader_file.error is not None:  # the text check ended the stream: that is the error
                    raise reader_file.error from None
                message = str(exc)
                match = _CONVERSION_ERROR.search(message)
                if match and names and int(match.group(1)) < len(names):
                    # the type guessed from the first block does not hold later: widen and read again
                    column = names[int(match.group(1))]
                    widened = pa.float64() if match.group(2).startswith(("int", "uint")) else pa.string()
                    if overrides.get(column) != widened:
                        overrides[column] = widened
                        continue
                if bad_rows:
                    line = _line_of(path, bad_rows[0])
                    where = f"line {line}" if line else f"row {bad_rows[0][:80]!r}"
                    raise IngestError(f"dataset: {path}: {where}: {message}") from None
                raise IngestError(f"dataset: {path}: cannot parse as {delimiter!r}-separated text: {message}") from None
            except (pa.ArrowException, OSError) as exc:
                if reader_file.error is not None:
                    raise reader_file.error from None
                raise IngestError(f"dataset: {path}: cannot read: {exc}") from None
        if reader_file.error is not None:
            raise reader_file.error
        return FileProfile(
            "sha256:" + reader_file.digest.hexdigest(), reader_file.size, stats.rows,
            stats.columns_json(), stats.stats_json(),
        )


def _profile_parquet(path: Path, progress: IngestProgress) -> FileProfile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from modelctx.ingest.dataset_stats import TableStats

    stats = TableStats()
    try:
        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=65_536):
                stats.add_batch(batch)
            if stats.rows == 0:  # keep the schema of an empty file
                stats.add_batch(parquet.schema_arrow.empty_table())
    except (pa.ArrowException, OSError) as exc:
        raise IngestError(f"dataset: {path}: cannot read as Parquet: {exc}") from None
    return FileProfile(
        "sha256:" + sha256_file(path, progress), path.stat().st_size, stats.rows, stats.columns_json(),
        stats.stats_json(),
    )


def _profile_jsonl(path: Path, progress: IngestProgress, encoding: str | None, hint: str) -> FileProfile:
    import pyarrow as pa
    import pyarrow.json as pajson

    from modelctx.ingest.dataset_stats import TableStats

    text_encoding = _text_encoding(path, encoding)
    check = TextCheck(f"dataset: {path}", text_encoding, hint=hint)
    utf8 = is_utf8(text_encoding)  # pyarrow reads only UTF-8: other encodings are handed on transcoded
    stats = TableStats()
    digest = hashlib.sha256()
    size = 0
    lines_before = 0
    tail = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(BLOCK_SIZE)
            digest.update(block)
            size += len(block)
            progress.advance(len(block))
            text = check.feed(block, final=not block)
            data = tail + (block if utf8 else text.encode("utf-8"))
            cut = data.rfind(b"\n") + 1 if block else len(data)
            chunk, tail = data[:cut], data[cut:]
            if chunk.strip():
                try:
                    table = pajson.read_json(pa.BufferReader(chunk))
                except pa.ArrowInvalid as exc:
                    match = re.search(r"in row (\d+)", str(exc))
                    where = f"line {lines_before + int(match.group(1)) + 1}: " if match else ""
                    raise IngestError(f"dataset: {path}: {where}invalid JSON line: {exc}") from None
                stats.add_batch(table)
            lines_before += chunk.count(b"\n")
            if not block:
                break
    return FileProfile("sha256:" + digest.hexdigest(), size, stats.rows, stats.columns_json(), stats.stats_json())


def profile_file(
    path: Path, progress: IngestProgress | None = None, encoding: str | None = None, *, hint: str = ENCODING_HINT
) -> FileProfile:
    """Digest, row count, columns and statistics of one data file; progress counts bytes read.

    ``encoding`` is the text encoding of a CSV, TSV or JSON-lines file (module docstring); ``hint``
    is what a refused file's error offers besides converting it (the option the caller has, if any).
    """
    fmt = _format_of(path)
    sink = progress or NoProgress()
    try:
        if fmt == "csv":
            return _profile_delimited(path, ",", sink, encoding, hint)
        if fmt == "tsv":
            return _profile_delimited(path, "\t", sink, encoding, hint)
        if fmt == "parquet":
            return _profile_parquet(path, sink)
        if fmt == "jsonl":
            return _profile_jsonl(path, sink, encoding, hint)
    except OSError as exc:  # opening the file (gone, unreadable) rather than parsing it
        raise IngestError(f"dataset: {path}: cannot read: {exc.strerror or exc}") from None
    raise IngestError(f"dataset: {path}: unknown format {path.suffix!r}; known: {', '.join(sorted(FORMATS))}")


def _summary(name: str, label: str, fmt: str, profile: FileProfile) -> str:
    columns = ", ".join(f"{c['name']} ({c['dtype']})" for c in profile.columns[:50])
    more = f" and {len(profile.columns) - 50} more" if len(profile.columns) > 50 else ""
    return f"Dataset {name} version {label}: {fmt} with {profile.rows} rows; columns: {columns}{more}."


class DatasetIngestor:
    """Yields one Dataset and one DatasetVersion per file, each file its own batch; written all or nothing."""

    name = "dataset"
    atomic = True  # modelctx/ingest/runner.py: a failed file leaves no Dataset node behind

    def __init__(
        self, config: DatasetConfig, lookup: GraphLookup, progress: IngestProgress | None = None, *,
        encoding_hint: str = ENCODING_HINT,
    ) -> None:
        self.encoding_hint = encoding_hint  # what a refused text file is told it can do besides converting
        if config.encoding is not None:
            config = config.model_copy(update={"encoding": check_encoding(config.encoding)})
        self.config = config
        self.lookup = lookup
        self.progress = progress or NoProgress()

    def _resolve_parents(self) -> list[str]:
        parents: list[str] = []
        for ref in self.config.derived_from:
            if kind_if_id(ref) is NodeKind.DATASET_VERSION:
                if get_node(self.lookup, ref) is None:
                    raise IngestError(f"dataset: --derived-from {ref}: no such dataset version in the graph")
                parents.append(ref)
                continue
            path = Path(ref)
            if not path.is_file():
                raise IngestError(
                    f"dataset: --derived-from {ref!r}: neither a dataset_version id nor an existing file"
                )
            digest = "sha256:" + sha256_file(path)
            found = self.lookup.find_nodes(NodeKind.DATASET_VERSION, {"digest": digest}, limit=10)
            if not found:
                known = [f"{n.id} ({n.properties.get('uri', '')})" for n in
                         self.lookup.find_nodes(NodeKind.DATASET_VERSION, limit=20)]
                raise IngestError(
                    f"dataset: --derived-from {ref}: no ingested dataset version has digest {digest}; "
                    f"known versions: {', '.join(known) or 'none'}"
                )
            parents.extend(n.id for n in found)
        return list(dict.fromkeys(parents))

    def records(self) -> Iterator[Record]:
        config = self.config
        files = data_files(config.path)
        parents = self._resolve_parents()
        self.progress.set_total(sum(p.stat().st_size for p in files))
        dataset_id = node_id(NodeKind.DATASET, config.name)
        known = {str(n.properties.get("digest")): n for n in
                 self.lookup.iter_nodes(NodeKind.DATASET_VERSION, {"dataset": config.name})}
        next_index = max((int(n.properties.get("version_index") or 0) for n in known.values()), default=0) + 1
        project_id = node_id(NodeKind.PROJECT, config.project) if config.project else None
        dataset_props: dict[str, Any] = {
            "name": config.name, "source": "file", "source_id": file_uri(config.path),
        }
        if config.description:
            dataset_props["description"] = config.description
        if config.project:
            dataset_props["project"] = config.project
        if project_id:
            yield Node(project_id, NodeKind.PROJECT, {"name": config.project})
        yield Node(dataset_id, NodeKind.DATASET, dataset_props)
        if project_id:
            yield Edge(dataset_id, project_id, EdgeType.IN_PROJECT)
        yield BatchEnd(f"{dataset_id}")
        identity = DatasetIdentity(self.lookup, project=config.project)
        seen: set[str] = set()
        for path in files:
            fmt = _format_of(path) or ""
            profile = profile_file(path, self.progress, config.encoding, hint=self.encoding_hint)
            if profile.digest in seen:
                yield IngestWarning("same bytes as an earlier file: one version for both", str(path))
                continue
            seen.add(profile.digest)
            stored = known.get(profile.digest)
            if stored is not None:
                index = int(stored.properties.get("version_index") or next_index)
            else:
                index, next_index = next_index, next_index + 1
            from_name = version_from_name(path.stem)
            label = from_name[0] if from_name else str(
                (stored.properties.get("version") if stored else None) or index)
            uri = file_uri(path)
            match = identity.resolve(DatasetMention(
                name=config.name, source=CONTENT_SOURCE, uri=uri, digest=profile.digest, source_id=uri))
            version_id = match.version_id
            props: dict[str, Any] = {
                "name": f"{config.name}@{label}", "dataset": config.name, "version": label,
                "version_index": index, "uri": uri, "path": str(path.resolve()), "format": fmt,
                "digest": profile.digest, "size_bytes": profile.size_bytes, "rows": profile.rows,
                "columns": profile.columns, "column_stats": profile.column_stats,
                "modified_at": datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(),
                "text": _summary(config.name, label, fmt, profile),
                "source": CONTENT_SOURCE, "source_id": uri,
            }
            if config.project:
                props["project"] = config.project
            if config.encoding and fmt != "parquet":
                props["encoding"] = config.encoding
            # What the rule adds (another source's digest, kept aside on adoption) sits under this file's own.
            resolved = next((n.properties for n in match.nodes if n.id == version_id), {})
            yield Node(version_id, NodeKind.DATASET_VERSION, {**resolved, **props})
            yield Edge(version_id, dataset_id, EdgeType.VERSION_OF)
            if project_id:
                yield Edge(version_id, project_id, EdgeType.IN_PROJECT)
            for parent in parents:
                if parent != version_id:
                    yield Edge(version_id, parent, EdgeType.DERIVED_FROM)
            yield BatchEnd(str(path))
