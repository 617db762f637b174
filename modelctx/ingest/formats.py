"""Loading and validating the files people write: the one place that decides how they are read.

Documented input files (features, reviews, deployments) each have a JSON Schema
in ``modelctx/ingest/schemas/`` (the one source of truth; ``docs/formats/``
points there). Files are JSON or YAML. YAML timestamps stay strings so that
one schema validates both syntaxes, and every error names the file, the record
(index and, when known, line) and the field.

Every YAML or JSON file modelctx reads — these, the policy rules file
(``governance/policies.py``), the people file (``ingest/people.py``) and the
training config (``training/train.py``) — goes through :func:`read_text` and
:func:`load_yaml` / :func:`load_json`, so one set of limits holds for all:

- **Text** is UTF-8, with or without a byte-order mark; a UTF-16 or UTF-32
  byte-order mark is read as that encoding. Any other byte is refused, naming
  the byte offset and line (:class:`TextCheck`); data files (CSV, TSV, JSON
  lines) take the same rule and an ``--encoding`` to name another encoding
  (``ingest/dataset.py``). Nothing is guessed: a wrong guess would be stored as
  data.
- **Size**: a document is read whole, so it may be at most
  ``MAX_DOCUMENT_BYTES``; lists and mappings nest at most ``MAX_DEPTH`` deep.
- **YAML aliases** are allowed (``source: *orders``) but may repeat at most
  ``MAX_ALIAS_NODES`` values in all, counted at parse time, so a few hundred
  bytes of nested aliases (a "billion laughs") fail at once instead of
  expanding to gigabytes in the schema check. An alias inside its own anchor
  (a recursive structure) is refused. Only plain data types are built (a
  SafeLoader): no tags that construct objects.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from modelctx.errors import IngestError, ModelctxError, ValidationError
from modelctx.times import as_written

PathKey = tuple[str | int, ...]
SCHEMA_NAMES = ("features", "reviews", "deployments")
#: Schemas of what arrives as events rather than as documented files (``ingest/openlineage_events.py``).
EVENT_SCHEMA_NAMES = ("openlineage",)

#: Largest YAML or JSON file read (they are read whole).
MAX_DOCUMENT_BYTES = 32 << 20
#: Deepest nesting of lists and mappings in a YAML or JSON file.
MAX_DEPTH = 64
#: Most values YAML aliases may repeat in one file, all aliases together.
MAX_ALIAS_NODES = 10_000

#: Byte-order marks and the codec that reads past them; UTF-32 first (its LE mark starts like UTF-16's).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_UTF8 = frozenset({"utf-8", "utf-8-sig"})


def check_encoding(name: str, where: str = "--encoding") -> str:
    """Python's name of a text encoding a person named (``latin-1`` is ``iso8859-1``); ValidationError if unknown."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        known = "e.g. utf-8, latin-1, cp1252, utf-16"
        raise ValidationError(f"{where}: unknown text encoding {name!r} ({known})") from None
    if not getattr(info, "_is_text_encoding", True):  # base64, rot13 …: codecs, but not for text files
        raise ValidationError(f"{where}: {name!r} is not a text encoding")
    return info.name


def sniff_encoding(head: bytes, encoding: str | None = None) -> str:
    """The encoding a text file is read in: the one given, else the one its byte-order mark names, else UTF-8.

    ``head`` is the file's first (up to) four bytes. ``utf-8-sig``, ``utf-16``
    and ``utf-32`` drop their mark while decoding.
    """
    if encoding is not None:
        return encoding
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec
    return "utf-8"


def is_utf8(encoding: str) -> bool:
    """Whether bytes in ``encoding`` are already UTF-8 (so they can be handed on undecoded)."""
    return codecs.lookup(encoding).name in _UTF8


class TextCheck:
    """Decodes a file's bytes block by block, strictly: the first byte that is not text is an error.

    The error names ``label`` (the file), the byte's offset from the start of
    the file and its line, and says how to convert the file; ``hint`` adds
    what else can be done (``pass --encoding …`` where the command has one).
    """

    def __init__(self, label: str, encoding: str, *, hint: str = "", error: type[ModelctxError] = IngestError) -> None:
        self.label = label
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._hint = hint
        self._error = error
        self._offset = 0
        self._lines = 1
        self._count_lines = "\n".encode(encoding.replace("-sig", "")) == b"\n"

    def feed(self, block: bytes, *, final: bool = False) -> str:
        """The text of ``block`` (bytes of an unfinished character wait for the next block)."""
        pending = self._decoder.getstate()[0]
        try:
            text = self._decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            offset = self._offset - len(pending) + exc.start
            line = self._lines + (pending + block)[: exc.start].count(b"\n") if self._count_lines else None
            raise self._error(self._message(offset, line, exc.object[exc.start : exc.end])) from None
        self._offset += len(block)
        if self._count_lines:
            self._lines += block.count(b"\n")
        return text

    def _message(self, offset: int, line: int | None, bad: bytes) -> str:
        name = "UTF-8" if self.encoding in _UTF8 else self.encoding
        where = f"byte {offset}" + (f" (line {line})" if line else "")
        advice = "convert it to UTF-8 (from Latin-1, for example: iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8)"
        if self._hint:
            advice += f" or {self._hint}"
        return f"{self.label}: {where}: 0x{bad.hex()} is not {name} text; {advice}"


def read_text(
    path: Path, label: str | None = None, *, error: type[ModelctxError] = IngestError,
    read_error: type[ModelctxError] | None = None, limit: int = MAX_DOCUMENT_BYTES,
) -> str:
    """The text of a file read whole (a YAML or JSON document), by the text rule of this module.

    ``label`` names the file in errors (default: its path). A file that cannot
    be read raises ``read_error`` (default ``error``); one that is too large or
    not text raises ``error``.
    """
    label = label or str(path)
    unreadable = read_error or error
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise unreadable(f"{label}: no such file") from None
    except IsADirectoryError:
        raise unreadable(f"{label}: is a folder, not a file") from None
    except OSError as exc:
        raise unreadable(f"{label}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{label}: larger than {limit >> 20} MB, the most a YAML or JSON file may hold")
    return TextCheck(label, sniff_encoding(data[:4]), error=error).feed(data, final=True)


def _one_line(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip()


class _LimitError(yaml.MarkedYAMLError):
    """A document over one of this module's limits (not a syntax error)."""


class _DocumentLoader(yaml.SafeLoader):
    """SafeLoader with the limits of this module; timestamps stay the strings written in the file.

    Composition is where aliases are resolved and nesting recurses, so the
    limits are checked there, before anything is constructed: each node's
    size (itself and everything under it, aliases expanded) is known when it
    is complete, and an alias adds its target's size to the file's total.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._sizes: dict[int, int] = {}
        self._alias_nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node: yaml.Node = super().compose_node(parent, index)
            size = self._sizes.get(id(node))
            if size is None:
                raise _LimitError(None, None, f"alias *{event.anchor} is inside the value it names "
                                  "(recursive aliases are not allowed)", event.start_mark)
            self._alias_nodes += size
            if self._alias_nodes > MAX_ALIAS_NODES:
                raise _LimitError(None, None, f"aliases repeat more than {MAX_ALIAS_NODES} values in all; "
                                  "write the values out instead", event.start_mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _LimitError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes[id(child)] for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._sizes[id(key)] + self._sizes[id(value)] for key, value in node.value)
        self._sizes[id(node)] = size
        return node


_DocumentLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml_error(label: str, exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        kind = "" if isinstance(exc, _LimitError) else "invalid YAML: "
        return f"{label}: {line}{kind}{_one_line(exc.problem or exc)}"
    return f"{label}: invalid YAML: {_one_line(exc)}"


def load_yaml(text: str, label: str, *, error: type[ModelctxError] = IngestError) -> Any:
    """One YAML document as plain data, within this module's limits; any problem is one ``error`` line.

    ``label`` names the file; syntax errors and limits add the line and column.
    """
    try:
        return yaml.load(text, Loader=_DocumentLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise error(_yaml_error(label, exc)) from None
    except ValueError as exc:  # a value Python will not build, such as an integer of 5,000 digits
        raise error(f"{label}: invalid YAML: {_one_line(exc)}") from None


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)
    return False


def load_json(text: str, label: str, *, error: type[ModelctxError] = IngestError) -> Any:
    """One JSON document as data, nested at most ``MAX_DEPTH`` deep; any problem is one ``error`` line."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{label}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise error(f"{label}: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise error(f"{label}: invalid JSON: {_one_line(exc)}") from None
    if _too_deep(data):
        raise error(f"{label}: nested deeper than {MAX_DEPTH} levels")
    return data


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A parsed file with the line (1-based) of each value when the syntax gives it."""

    path: Path
    data: Any
    lines: dict[PathKey, int]

    def where(self, key: PathKey) -> str:
        """``file: record N (line L), field 'a.b'`` for a path into the document."""
        record_at = next((i for i, part in enumerate(key) if isinstance(part, int)), None)
        parts = [str(self.path)]
        if record_at is not None:
            record_key = key[: record_at + 1]
            line = self.lines.get(record_key)
            parts.append(f"record {key[record_at]}" + (f" (line {line})" if line else ""))
            field = key[record_at + 1 :]
        else:
            field = key
            line = self.lines.get(key)
            if line:
                parts.append(f"line {line}")
        if field:
            parts.append("field " + repr(".".join(str(p) for p in field)))
        return ", ".join(parts)


def _line_map(text: str) -> dict[PathKey, int]:
    """Map every path in a YAML/JSON text to the line it starts on (best effort)."""
    try:
        root = yaml.compose(text, Loader=_DocumentLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[PathKey, int] = {}

    def walk(node: yaml.Node | None, key: PathKey) -> None:
        if node is None:
            return
        lines[key] = node.start_mark.line + 1
        if isinstance(node, yaml.SequenceNode):
            for i, child in enumerate(node.value):
                walk(child, (*key, i))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, (*key, str(key_node.value)))

    walk(root, ())
    return lines


def load_document(path: Path) -> LoadedDocument:
    """Parse a JSON (``.json``) or YAML file by the rules of this module; errors name the file and line."""
    text = read_text(path)
    label = str(path)
    data = load_json(text, label) if path.suffix.lower() == ".json" else load_yaml(text, label)
    return LoadedDocument(path, data, _line_map(text))


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one documented format (``features``, ``reviews``, ``deployments``)."""
    if name not in SCHEMA_NAMES + EVENT_SCHEMA_NAMES:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(SCHEMA_NAMES + EVENT_SCHEMA_NAMES)}")
    text = resources.files("modelctx.ingest").joinpath("schemas", f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_path(name: str) -> Path:
    """Where a schema file lives in the source tree (for docs and tooling)."""
    return Path(__file__).parent / "schemas" / f"{name}.schema.json"


def _error_key(error: Any) -> PathKey:
    key: PathKey = tuple(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [f for f in error.validator_value if f not in error.instance]
        if missing:
            key = (*key, str(missing[0]))
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        unexpected = [f for f in error.instance if f not in known]
        if unexpected:
            key = (*key, str(unexpected[0]))
    return key


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """The first violation of a schema, in document order: where it is, what it is, how many others there are."""

    key: PathKey
    message: str
    more: int

    @property
    def field(self) -> str:
        """The path as dotted text (``inputs.0.facets.schema``)."""
        return ".".join(str(part) for part in self.key)


@cache
def _validator(name: str, definition: str | None) -> Any:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    if definition is not None:  # one definition of the schema, its references resolved in the whole
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def _fast_validator(name: str, definition: str | None) -> Any:
    """The same schema compiled by ``jsonschema_rs`` when it is installed (a yes/no answer ~100x sooner), else None."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    schema = load_schema(name)
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def schema_problem(
    data: Any, schema_name: str, definition: str | None = None, *, fast: bool = True
) -> SchemaProblem | None:
    """The first violation of the named schema (or of one of its ``$defs``) in ``data``, None when it is valid.

    ``jsonschema`` decides and names the problem; with ``fast`` a valid
    document (the common case: every OpenLineage event posted) is let through
    on ``jsonschema_rs``'s word alone when that is installed
    (``tests/interop/test_openlineage_schema.py`` checks the two agree).
    """
    quick = _fast_validator(schema_name, definition) if fast else None
    if quick is not None and quick.is_valid(data):
        return None
    errors = list(_validator(schema_name, definition).iter_errors(data))
    if not errors:
        return None

    def order(error: Any) -> tuple[Any, ...]:
        return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in _error_key(error))

    first = min(errors, key=order)
    message = first.message
    if first.validator == "required":
        message = f"missing required field ({message})"
    elif first.validator == "pattern" and isinstance(first.schema.get("x-expected"), str):
        message = f"{first.instance!r} is not {first.schema['x-expected']}"  # what a regular expression means
    return SchemaProblem(_error_key(first), message, len(errors) - 1)


def validate_document(doc: LoadedDocument, schema_name: str) -> None:
    """Raise IngestError for the first schema violation, in document order."""
    problem = schema_problem(doc.data, schema_name)
    if problem is None:
        return
    extra = f" ({problem.more} more problem(s))" if problem.more else ""
    raise IngestError(f"{doc.where(problem.key)}: {problem.message}{extra}")


def load_validated(path: Path, schema_name: str) -> LoadedDocument:
    """Parse ``path`` and validate it against the named schema."""
    doc = load_document(path)
    validate_document(doc, schema_name)
    return doc


def parse_time(value: str, doc: LoadedDocument, key: PathKey) -> str:
    """Check a file's ISO 8601 time by the rule of ``modelctx/times.py``; return it as ISO text in its own zone.

    ``Z`` becomes ``+00:00``; a time without zone keeps none (readers take it as UTC), so ids derived
    from the text stay what earlier versions derived.
    """
    try:
        return as_written(value, doc.where(key))
    except ValidationError as exc:
        raise IngestError(str(exc)) from None

