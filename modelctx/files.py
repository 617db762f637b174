"""Files and folders modelctx creates to hold the graph or secrets: private to the user who made them.

The store is the record of every model, dataset and person the team works
with, and the token file holds credentials: on a shared machine neither may be
readable by other users. So a file that holds them is created with mode 0600
(``create_private_file``) and a folder modelctx creates for them with 0700
(``private_dir``), both before anything is written in them. A file or folder
that already exists keeps the mode its owner gave it: widening or narrowing it
is their decision, not a side effect of opening a store.

SQLite gives a database's ``-wal``, ``-shm`` and journal files the mode of the
database file itself, so creating the database file 0600 covers them
(``modelctx/graph/backends/sqlite.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def private_dir(path: Path) -> None:
    """Create ``path`` and its missing parents as 0700 folders; folders that exist keep their mode.

    Raises OSError as ``Path.mkdir`` does (a file in the way, no permission).
    """
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:  # another process made it meanwhile: theirs, keep it
            if not folder.is_dir():
                raise


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True when this call created it.

    The mode is set as the file is created (``O_CREAT | O_EXCL``), so there is
    no moment when it is readable by others; an existing file is not touched.
    """
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(handle)
    return True
