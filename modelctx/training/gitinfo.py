"""The git commit of a working directory, captured with the git CLI.

A run records the commit its code came from (USED Commit, role ``code``) and
whether the tree had uncommitted changes: a model trained from a dirty tree
cannot be reproduced from the commit alone, and an auditor needs to know that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from modelctx.graph.ids import node_id, url_without_credentials
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind

#: Seconds a captured state is reused for the same directory. Three git
#: processes cost ~10 ms; a loop recording hundreds of runs must not pay that
#: every time, and a tree rarely changes within a couple of seconds.
CACHE_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """What a run needs to know about its code."""

    sha: str
    message: str
    author: str
    author_email: str
    authored_at: str
    dirty: bool
    root: str
    remote: str | None

    def nodes(self) -> tuple[list[Node], list[Edge]]:
        """The Commit and CodeRepo nodes (git-ingest compatible ids) and the IN_REPO edge."""
        commit_id = node_id(NodeKind.COMMIT, self.sha)
        repo_id = node_id(NodeKind.CODE_REPO, self.remote or self.root)
        commit = Node(commit_id, NodeKind.COMMIT, {
            "name": f"{self.sha[:10]} {self.message}"[:120],
            "sha": self.sha,
            "message": self.message,
            "author": self.author,
            "authored_at": self.authored_at,
            "source": "git",
            "source_id": self.sha,
        })
        repo = Node(repo_id, NodeKind.CODE_REPO, {
            "name": Path(self.remote.rstrip("/")).stem if self.remote else Path(self.root).name,
            "path": self.root,
            **({"url": self.remote} if self.remote else {}),
            "source": "git",
            "source_id": self.remote or self.root,
        })
        return [commit, repo], [Edge(commit_id, repo_id, EdgeType.IN_REPO)]


_cache: dict[str, tuple[float, CommitInfo | None]] = {}


def _git(cwd: str, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20, check=False,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def capture_commit(path: str | os.PathLike[str] | None = None) -> CommitInfo | None:
    """The HEAD commit of the repository containing ``path`` (default: cwd); None outside git."""
    if shutil.which("git") is None:
        return None
    cwd = str(Path(path or os.getcwd()).resolve())
    now = time.monotonic()
    cached = _cache.get(cwd)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    info = _read_commit(cwd)
    _cache[cwd] = (now, info)
    return info


def _read_commit(cwd: str) -> CommitInfo | None:
    head = _git(cwd, "log", "-1", "--format=%H%x00%an%x00%ae%x00%aI%x00%s")
    if not head or "\x00" not in head:
        return None  # not a repository, or one without commits
    sha, author, email, authored_at, message = head.rstrip("\n").split("\x00", 4)
    root = (_git(cwd, "rev-parse", "--show-toplevel") or cwd).strip()
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    remote = url_without_credentials((_git(cwd, "config", "--get", "remote.origin.url") or "").strip()) or None
    return CommitInfo(sha, message, author, email, authored_at, bool(status and status.strip()), root, remote)

