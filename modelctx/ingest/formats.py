"""Loading and validating the documented input files (features, reviews, deployments).

Each format has a JSON Schema in ``modelctx/ingest/schemas/`` (the one source
of truth; ``docs/formats/`` points there). Files are JSON or YAML. YAML
timestamps stay strings so that one schema validates both syntaxes, and every
error names the file, the record (index and, when known, line) and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from modelctx.errors import IngestError, ValidationError
from modelctx.times import as_written

PathKey = tuple[str | int, ...]
SCHEMA_NAMES = ("features", "reviews", "deployments")


class _StringTimestampLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as the strings written in the file."""


_StringTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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
        root = yaml.compose(text, Loader=_StringTimestampLoader)
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
    """Parse a JSON (``.json``) or YAML file; a syntax error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from exc
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise IngestError(f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    else:
        try:
            data = yaml.load(text, Loader=_StringTimestampLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise IngestError(f"{path}: {line}invalid YAML: {exc.problem or exc}") from None
        except yaml.YAMLError as exc:
            raise IngestError(f"{path}: invalid YAML: {exc}") from None
    return LoadedDocument(path, data, _line_map(text))


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of one documented format (``features``, ``reviews``, ``deployments``)."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown format {name!r}; known: {', '.join(SCHEMA_NAMES)}")
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


def validate_document(doc: LoadedDocument, schema_name: str) -> None:
    """Raise IngestError for the first schema violation, in document order."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema(schema_name))
    errors = list(validator.iter_errors(doc.data))
    if not errors:
        return

    def order(error: Any) -> tuple[Any, ...]:
        return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in _error_key(error))

    first = min(errors, key=order)
    message = first.message
    if first.validator == "required":
        message = f"missing required field ({message})"
    extra = f" ({len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise IngestError(f"{doc.where(_error_key(first))}: {message}{extra}")


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

