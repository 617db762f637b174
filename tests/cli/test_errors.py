"""Every error class reaches the user as one line and its own exit code, from a real process: no traceback."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelctx import errors
from modelctx.graph.store import open_store
from tests.contract.graphs import lineage_world


def _classes() -> list[type[errors.ModelctxError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.ModelctxError)]


def test_each_error_family_has_its_own_exit_code_and_status() -> None:
    codes: dict[int, type[errors.ModelctxError]] = {}
    for cls in _classes():
        parent = cls.__mro__[1]
        if issubclass(parent, errors.ModelctxError) and parent is not errors.ModelctxError \
                and parent.exit_code == cls.exit_code:
            continue  # a refinement of a family keeps the family's code
        assert cls.exit_code not in codes, f"{cls.__name__} and {codes[cls.exit_code].__name__} share exit code"
        codes[cls.exit_code] = cls
    assert {c.__name__: (c.exit_code, c.http_status) for c in codes.values()} == {
        "ModelctxError": (1, 500), "NotFoundError": (3, 404), "ValidationError": (4, 422),
        "ConflictError": (5, 409), "IngestError": (6, 400), "BackendUnavailable": (7, 503),
        "BackendError": (8, 500), "ConfigError": (9, 500), "IntegrityError": (10, 500),
        "FindingsError": (11, 409), "AuthenticationError": (12, 401), "PermissionDeniedError": (13, 403),
        "TimeBudgetError": (14, 503),
    }


@pytest.fixture
def world(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(uri)
    nodes, edges, _ = lineage_world()
    store.write(nodes, edges)
    store.close()
    return uri


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELCTX_HOME": str(cwd / "home")}
    env.pop("MODELCTX_STORE", None)
    return subprocess.run([sys.executable, "-m", "modelctx", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120, check=False)


def test_cli_errors_are_one_line_with_their_exit_code(world: str, tmp_path: Path) -> None:
    bad_events = tmp_path / "events.jsonl"
    bad_events.write_text('{"eventType": "START"\n')
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    open_store(other).close()
    cases = [
        (["--store", world, "show", "model:nope"], 3, "no node with id 'model:nope'"),
        (["--store", world, "nodes", "--kind", "modle"], 4, "unknown node kind 'modle'"),
        (["--store", world, "nodes", "--kind", "run", "--where", f"x={2**70}"], 4, "64-bit"),
        (["--store", world, "nodes", "--kind", "run", "--where", "x=" + "9" * 5000], 4, "64-bit"),  # too long to read
        (["--store", world, "copy", "--to", world], 5, "is not empty"),
        (["--store", world, "ingest", "openlineage", str(bad_events)], 6, "events.jsonl:1: line 1, column 22"),
        (["--store", "neo4j://neo4j:pw@127.0.0.1:1", "stats"], 7, "Neo4j is not reachable"),
        (["--store", f"sqlite:///{junk}", "stats"], 8, "not a usable modelctx SQLite store"),
        (["--store", "mongodb://x", "stats"], 9, "unknown store URI"),
        (["--store", other, "flag", "model_version:x/1", "--reason", "bad"], 3, "no node with id"),
    ]
    for args, code, message in cases:
        done = _cli(*args, cwd=tmp_path)
        assert done.returncode == code, (args, done.returncode, done.stderr)
        assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, args
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], (args, done.stderr)
