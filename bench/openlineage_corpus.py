"""Acceptance of real OpenLineage events: every event found under the given paths is POSTed to ``/api/v1/lineage``.

Point it at a checkout of the OpenLineage repository (its spec tests, client
tests and integration expected events hold real events) and at its
``spec/OpenLineage.json`` to split spec-valid events from the rest:

    .venv/bin/python bench/openlineage_corpus.py ~/src/OpenLineage --spec ~/src/OpenLineage/spec/OpenLineage.json

An event is any JSON object with ``eventTime`` and one of ``run``, ``job`` or
``dataset``, found in a ``.json`` file (the object, a list of them, or under a
key) or on a line of a ``.jsonl``/``.ndjson`` file. Files with template
placeholders (``${…}``, ``{{…}}``: test matchers, seed templates) are skipped,
or with ``--fill-placeholders`` filled with a value of their field's kind. Each event is
posted on its own (in-process ASGI client, a fresh SQLite store) and the answers
are counted: accepted (201), refused (400, with the fields named most often)
and server errors (5xx, which must be 0). Prints one JSON document; nothing
here is a test, and nothing is tuned on it.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 5_000_000


#: Set by ``--fill-placeholders``: placeholders get a value of their field's kind instead of skipping the event.
FILL = False
_TIME_KEYS = ("eventTime", "nominalStartTime", "nominalEndTime")


def _placeholder(text: Any) -> bool:
    return isinstance(text, str) and ("{{" in text or "${" in text)


def _filled(value: Any, key: str, seed: str) -> Any:
    """``value`` with each placeholder string replaced: a time for time fields, a UUID for run ids, else text."""
    if isinstance(value, dict):
        return {k: _filled(v, k, f"{seed}/{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, key, f"{seed}/{i}") for i, v in enumerate(value)]
    if not _placeholder(value):
        return value
    if key in _TIME_KEYS:
        return "2025-01-01T00:00:00Z"
    if key == "runId":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))
    return "placeholder"


def _is_event(value: Any) -> bool:
    """An event, not a test's matcher of one (``{{ any(result) }}``, ``${json-unit.any-string}`` placeholders)."""
    if not isinstance(value, dict) or "eventTime" not in value or not {"run", "job", "dataset"} & value.keys():
        return False
    text = json.dumps(value)
    return FILL or ("{{" not in text and "${" not in text)


def _events_in(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if _is_event(value):
        yield value
    elif depth < 4 and isinstance(value, list):
        for item in value:
            yield from _events_in(item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _events_in(item, depth + 1)


def find_events(roots: list[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, event) for every event in the files under ``roots``, in path order."""
    files = sorted(p for root in roots for p in ([root] if root.is_file() else root.rglob("*"))
                   if p.is_file() and p.suffix in (".json", ".jsonl", ".ndjson") and "node_modules" not in p.parts)
    for path in files:
        if path.stat().st_size > MAX_FILE_BYTES:
            continue
        text = path.read_text("utf-8", errors="replace")
        if path.suffix == ".json":
            try:
                data = json.loads(text)
            except ValueError:
                continue
            for number, event in enumerate(_events_in(data)):
                yield f"{path}#{number}", _filled(event, "", f"{path}#{number}")
        else:
            for number, line in enumerate(text.splitlines(), start=1):
                try:
                    data = json.loads(line)
                except ValueError:
                    continue
                for event in _events_in(data):
                    yield f"{path}:{number}", _filled(event, "", f"{path}:{number}")


def measure(roots: list[Path], spec: Path | None) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from modelctx.api.app import create_app
    from modelctx.client import Client
    from modelctx.config import Settings
    from modelctx.graph.store import open_store

    validator = None
    if spec is not None:
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(json.loads(spec.read_text("utf-8")))
    counts: Counter[str] = Counter()
    refused_fields: Counter[str] = Counter()
    errors: list[str] = []
    refused_valid: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'graph.db'}")
        try:
            app = create_app(Client(store, Settings(home=Path(tmp) / "home"), actor="bench"))
            with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as http:
                for where, event in find_events(roots):
                    valid = validator.is_valid(event) if validator is not None else None
                    status = http.post("/api/v1/lineage", json=event).status_code
                    counts["events"] += 1
                    counts["spec_valid"] += bool(valid)
                    if status == 201:
                        counts["accepted"] += 1
                        counts["spec_valid_accepted"] += bool(valid)
                    elif status >= 500:
                        counts["server_errors"] += 1
                        errors.append(where)
                    else:
                        counts["refused"] += 1
                        body = http.post("/api/v1/lineage", json=event).json()
                        refused_fields[str(body.get("field") or body.get("detail", ""))[:80]] += 1
                        if valid:
                            refused_valid.append(f"{where}: {body.get('detail', '')[:200]}")
        finally:
            store.close()
    events = counts["events"] or 1
    return {
        "events": counts["events"],
        "accepted": counts["accepted"],
        "accepted_ratio": round(counts["accepted"] / events, 4),
        "refused": counts["refused"],
        "server_errors": counts["server_errors"],
        "spec_valid": counts["spec_valid"] if validator is not None else None,
        "spec_valid_accepted": counts["spec_valid_accepted"] if validator is not None else None,
        "spec_valid_accepted_ratio": (round(counts["spec_valid_accepted"] / counts["spec_valid"], 4)
                                      if validator is not None and counts["spec_valid"] else None),
        "refused_by_field": dict(refused_fields.most_common(15)),
        "spec_valid_refused": refused_valid[:20],
        "server_error_events": errors[:20],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="files or folders holding OpenLineage events")
    parser.add_argument("--spec", type=Path, default=None, help="the spec's OpenLineage.json, to count spec-valid")
    parser.add_argument("--fill-placeholders", action="store_true",
                        help="give template placeholders ({{…}}, ${…}) a value of their field's kind (a time, a "
                             "run id, text) instead of skipping the events holding them")
    args = parser.parse_args(argv)
    global FILL
    FILL = args.fill_placeholders
    print(json.dumps(measure(args.paths, args.spec), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
