"""Every shell, console and Python block of README.md and docs/**/*.md runs as written (issue 20).

One test per Markdown file: its blocks run in order, in a fresh working
directory and a fresh copy of a home holding the demo world
(``tests/docs/runner.py``); a block fails on a non-zero exit or on output that
differs from what a ``console`` block shows (``tests/docs/matching.py``).
How to write and mark blocks: docs/guide/contributing-docs.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docs.blocks import collect_blocks, doc_files
from tests.docs.conftest import REPO
from tests.docs.runner import prepare_file

FILES = [path for path in doc_files(REPO) if collect_blocks(path)]


@pytest.mark.slow
@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_doc_runs_as_written(path: Path, demo_home: Path, tmp_path: Path) -> None:
    runner = prepare_file(REPO, demo_home, tmp_path)
    for block in collect_blocks(path):
        runner.run(block)
