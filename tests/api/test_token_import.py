"""An earlier version's per-process ``<data_dir>/tokens.db`` is imported into the store once, on every backend."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from modelctx.api.tokens import hash_secret, list_tokens, verify_token
from modelctx.client import Client
from modelctx.config import Settings

#: The token file as earlier versions wrote it (modelctx/api/tokens.py before tokens moved into the store).
OLD_SCHEMA = """
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    project TEXT, created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""
T0 = "2026-01-01T00:00:00+00:00"
T1 = "2026-01-02T00:00:00+00:00"
CI, OLD, ROOT = "mctx_" + "c" * 43, "mctx_" + "o" * 43, "mctx_" + "r" * 43


def _old_token_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.db"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany(
            "INSERT INTO tokens (name, digest, role, project, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
            [("ci", hash_secret(CI), "writer", "churn", T0, None), ("old", hash_secret(OLD), "reader", None, T0, T1),
             ("root", hash_secret(ROOT), "admin", None, T0, None)])
    return path


def test_an_old_token_file_is_imported_once(client: Client, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _old_token_file(client.data_dir)
    held = client.store.tokens.add("root", hash_secret("mctx_other"), "admin", None, T0)  # made in the store since
    principal = verify_token(client, CI)
    assert principal is not None and (principal.actor, principal.role, principal.project) == (
        "token:ci", "writer", "churn")
    err = capsys.readouterr().err
    assert f"modelctx: imported 2 API token(s) from {path} into the store {client.store.uri}" in err
    assert (f"modelctx: token 'root' of {path} was not imported: an active token of that name is in the store"
            in err)
    assert not path.exists() and (path.parent / "tokens.db.imported").is_file()
    assert [(t.name, t.role, t.project, t.created_at, t.revoked_at) for t in list_tokens(client)] == [
        ("root", "admin", None, T0, None), ("ci", "writer", "churn", T0, None), ("old", "reader", None, T0, T1)]
    assert list_tokens(client)[0] == held
    assert verify_token(client, OLD) is None  # revoked before the import, revoked after it
    assert verify_token(client, ROOT) is None  # not imported: its name was taken
    # the next process finds nothing to import and says nothing
    again = Client(client.store, Settings(home=tmp_path / "home"), "user:test")
    assert len(list_tokens(again)) == 3
    assert capsys.readouterr().err == ""


def test_an_unreadable_old_token_file_is_reported_and_left(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    client.data_dir.mkdir(parents=True, exist_ok=True)
    path = client.data_dir / "tokens.db"
    path.write_bytes(b"not a database at all, but long enough to have a header" * 4)
    assert list_tokens(client) == []
    err = capsys.readouterr().err
    assert err.startswith(f"modelctx: the old token file {path} could not be read (")
    assert err.rstrip().endswith("its tokens were not imported")
    assert path.is_file()
