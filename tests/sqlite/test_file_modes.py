"""Files holding the graph or secrets are created 0600 in 0700 folders; existing ones keep their mode.

The rule is ``modelctx/files.py``; the SQLite store applies it when it creates
its file (SQLite gives ``-wal`` and ``-shm`` the database file's mode). The CLI
runs as a real process with umask 000, so nothing but modelctx's own modes
keeps the files private.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from modelctx.files import create_private_file, private_dir
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import open_store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELCTX_HOME": str(home)}
    env.pop("MODELCTX_STORE", None)
    return subprocess.run([sys.executable, "-m", "modelctx", *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False, umask=0)


def test_a_new_store_and_its_folders_are_private_even_with_umask_0(tmp_path: Path) -> None:
    home = tmp_path / "a" / "b" / "home"
    done = cli("init", home=home)
    assert done.returncode == 0, done.stderr
    assert mode(home / "modelctx.db") == 0o600
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", home)] == [0o700, 0o700, 0o700]
    done = cli("token", "create", "--name", "ci", "--role", "reader", home=home)
    assert done.returncode == 0, done.stderr
    # token digests live in the store file (0600 above): no file, nor data folder, of their own
    assert not (home / "modelctx.d").exists()


def test_the_write_ahead_log_and_shared_memory_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "store" / "g.db"
    store = open_store(f"sqlite:///{path}")
    try:
        store.write([Node("dataset:a", NodeKind.DATASET, {"name": "a"})], [])
        files = {p.name: mode(p) for p in path.parent.iterdir()}
    finally:
        store.close()
    assert files == {"g.db": 0o600, "g.db-wal": 0o600, "g.db-shm": 0o600}
    assert mode(path.parent) == 0o700


def test_existing_files_and_folders_keep_their_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    path = folder / "team.db"
    path.touch()
    path.chmod(0o640)
    open_store(f"sqlite:///{path}").close()
    assert (mode(folder), mode(path)) == (0o755, 0o640)
    assert create_private_file(path) is False and mode(path) == 0o640
    private_dir(folder)
    assert mode(folder) == 0o755
