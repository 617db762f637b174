"""One demo world per session: each Markdown file's run starts from a copy of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MODELCTX_HOME holding the demo world (``modelctx demo --no-serve``) and its search index."""
    home = tmp_path_factory.mktemp("docs-demo-home")
    env = {k: v for k, v in os.environ.items() if k != "MODELCTX_STORE"}
    env["MODELCTX_HOME"] = str(home)
    modelctx = str(Path(sys.executable).parent / "modelctx")
    for argv in ([modelctx, "demo", "--no-serve"], [modelctx, "index"]):
        done = subprocess.run(argv, env=env, cwd=home, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
    return home
