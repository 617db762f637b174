"""Git history as Commit, Person and CodeRepo nodes, read incrementally.

We drive the ``git`` CLI rather than GitPython or pygit2: one
``git log --numstat -z`` process streams every commit with its per-file line
counts, which is exactly what ``git log --numstat`` costs plus parsing, while
GitPython computes stats with one ``git diff`` per commit and pygit2 needs a
native libgit2 build. The CodeRepo node remembers the last ingested head of
each branch (``heads``); the next run asks git only for commits not reachable
from any remembered head.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from modelctx.errors import IngestError
from modelctx.graph.ids import node_id, url_without_credentials
from modelctx.graph.model import Edge, EdgeType, Node, NodeKind
from modelctx.ingest.lookup import GraphLookup, IngestProgress, NoProgress, get_node
from modelctx.ingest.people import People
from modelctx.ingest.runner import BatchEnd, IngestWarning, Record

# A commit starts with this marker; the fields are split by \x1f and the body ends with \x1f\0.
_MARK = b"\x1eMCTX\x1f"
_FORMAT = "%x1eMCTX%x1f%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1f"
_READ_SIZE = 1 << 20
#: Commits touching more files keep only the first ones in ``files`` (totals stay exact).
MAX_FILES_PER_COMMIT = 1000


class GitConfig(BaseModel):
    """What to read from a git repository."""

    model_config = ConfigDict(extra="forbid")

    path: Path = Field(description="A folder inside the git working tree (or a bare repository).")
    branch: str | None = Field(default=None, description="Branch or ref to read; default: the checked-out branch.")
    since: str | None = Field(
        default=None, description="Read only commits after this revision (REV..branch) instead of incrementally."
    )
    project: str | None = Field(default=None, description="Project the repository and its commits belong to.")
    git: str = Field(default="git", description="The git executable.")


def _run_git(config: GitConfig, *args: str, check: bool = True) -> str:
    try:
        done = subprocess.run(
            [config.git, "-C", str(config.path), *args],
            capture_output=True, text=True, check=False, env={**os.environ, "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise IngestError(f"git: the executable {config.git!r} was not found") from None
    if check and done.returncode != 0:
        raise IngestError(f"git {' '.join(args)} in {config.path}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip() if done.returncode == 0 else ""


def _parse_numstat(tokens: list[bytes]) -> tuple[list[dict[str, Any]], int, int, int]:
    """Files, total added, total removed and file count from ``--numstat -z`` tokens."""
    files: list[dict[str, Any]] = []
    added_total = removed_total = count = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token:
            continue
        added_s, _, rest = token.partition(b"\t")
        removed_s, _, path_b = rest.partition(b"\t")
        old_path: str | None = None
        if not path_b:  # a rename or copy: the old and new paths follow as tokens
            old_path = tokens[i].decode("utf-8", "replace") if i < len(tokens) else None
            path_b = tokens[i + 1] if i + 1 < len(tokens) else b""
            i += 2
        added = int(added_s) if added_s.isdigit() else None
        removed = int(removed_s) if removed_s.isdigit() else None
        added_total += added or 0
        removed_total += removed or 0
        count += 1
        if len(files) < MAX_FILES_PER_COMMIT:
            entry: dict[str, Any] = {"path": path_b.decode("utf-8", "replace"), "added": added, "removed": removed}
            if old_path is not None:
                entry["old_path"] = old_path
            files.append(entry)
    return files, added_total, removed_total, count


class GitIngestor:
    """Yields the commits of one branch that the graph does not have yet, oldest first."""

    name = "git"

    def __init__(self, config: GitConfig, lookup: GraphLookup, progress: IngestProgress | None = None) -> None:
        self.config = config
        self.lookup = lookup
        self.progress = progress or NoProgress()
        self.commits_read = 0
        self._people = People(lookup, source="git")

    def _repo_identity(self) -> tuple[str, dict[str, Any]]:
        top = _run_git(self.config, "rev-parse", "--show-toplevel", check=False)
        if not top:
            git_dir = _run_git(self.config, "rev-parse", "--absolute-git-dir")
            top = git_dir
        path = str(Path(top).resolve())
        url = url_without_credentials(_run_git(self.config, "config", "--get", "remote.origin.url", check=False))
        key = url or path
        props: dict[str, Any] = {
            "name": Path(url.rstrip("/")).stem if url else Path(path).name,
            "path": path,
            "source": "git",
            "source_id": key,
        }
        if url:
            props["url"] = url
        if self.config.project:
            props["project"] = self.config.project
        return node_id(NodeKind.CODE_REPO, key), props

    def records(self) -> Iterator[Record]:
        config = self.config
        if not Path(config.path).exists():
            raise IngestError(f"git: {config.path}: no such folder")
        _run_git(config, "rev-parse", "--git-dir")
        repo_id, repo_props = self._repo_identity()
        branch = config.branch or _run_git(config, "symbolic-ref", "--short", "-q", "HEAD", check=False) or "HEAD"
        head = _run_git(config, "rev-parse", "--verify", "-q", f"{branch}^{{commit}}", check=False)
        if not head:
            raise IngestError(f"git: {config.path}: unknown branch or revision {branch!r}")
        stored = get_node(self.lookup, repo_id)
        heads: dict[str, str] = dict((stored.properties.get("heads") or {}) if stored else {})
        project_id = node_id(NodeKind.PROJECT, config.project) if config.project else None
        if project_id:
            yield Node(project_id, NodeKind.PROJECT, {"name": config.project})
        if stored is None:  # commits' IN_REPO edges need it; a stored repo gets its update at the end
            yield Node(repo_id, NodeKind.CODE_REPO, repo_props)
        if project_id:
            yield Edge(repo_id, project_id, EdgeType.IN_PROJECT)

        if config.since:
            since = _run_git(config, "rev-parse", "--verify", "-q", f"{config.since}^{{commit}}", check=False)
            if not since:
                raise IngestError(f"git: {config.path}: unknown revision given as --since: {config.since!r}")
            exclude = [since]
        else:
            exclude = [sha for sha in dict.fromkeys(heads.values()) if self._is_commit(sha)]
            missing = set(heads.values()) - set(exclude)
            for sha in sorted(missing):
                yield IngestWarning(f"remembered head {sha} is no longer in the repository; reading past it", "git")
        if head not in exclude:
            yield from self._commits(repo_id, project_id, head, exclude)
        heads[branch] = head
        default_branch = (stored.properties.get("default_branch") if stored else None) or branch
        yield Node(repo_id, NodeKind.CODE_REPO, {**repo_props, "heads": heads, "default_branch": default_branch})
        yield BatchEnd(f"{repo_id} head of {branch}")

    def _is_commit(self, sha: str) -> bool:
        return bool(re.fullmatch(r"[0-9a-f]{40,64}", sha)) and bool(
            _run_git(self.config, "rev-parse", "--verify", "-q", f"{sha}^{{commit}}", check=False)
        )

    def _commits(self, repo_id: str, project_id: str | None, head: str, exclude: list[str]) -> Iterator[Record]:
        args = [self.config.git, "-C", str(self.config.path), "-c", "core.quotepath=off", "log",
                "--topo-order", "--reverse", "--numstat", "-z", "--no-color", f"--format={_FORMAT}",
                head, *(["--not", *exclude] if exclude else []), "--"]
        count = _run_git(self.config, "rev-list", "--count", head, *(["--not", *exclude] if exclude else []), "--")
        self.progress.set_total(int(count) if count.isdigit() else None)
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "LC_ALL": "C"})
        assert proc.stdout is not None
        seen: set[str] = set()
        buffer = b""
        try:
            while chunk := proc.stdout.read(_READ_SIZE):
                buffer += chunk
                parts = buffer.split(_MARK)
                buffer = parts.pop()
                for raw in parts:
                    if raw:
                        yield from self._commit(raw, repo_id, project_id, seen)
            if buffer:
                yield from self._commit(buffer, repo_id, project_id, seen)
        finally:  # also runs when the consumer stops early: git then exits on a closed pipe
            proc.stdout.close()
            stderr = ""
            if proc.stderr is not None:
                stderr = proc.stderr.read().decode("utf-8", "replace")
                proc.stderr.close()
            code = proc.wait()
        if code != 0:
            raise IngestError(f"git log in {self.config.path} failed: {stderr.strip()}")

    def _commit(self, raw: bytes, repo_id: str, project_id: str | None, seen: set[str]) -> Iterator[Record]:
        header, sep, stat = raw.partition(b"\x1f\x00")
        fields = header.split(b"\x1f", 8)
        if not sep or len(fields) != 9:
            raise IngestError(f"git log in {self.config.path}: unexpected output near {raw[:80]!r}")
        sha, parents, an, ae, ad, cn, ce, cd = (f.decode("utf-8", "replace") for f in fields[:8])
        message = fields[8].decode("utf-8", "replace").rstrip("\n")
        files, added, removed, count = _parse_numstat(stat.lstrip(b"\n").split(b"\x00"))
        commit_id = node_id(NodeKind.COMMIT, sha)
        props: dict[str, Any] = {
            "name": message.partition("\n")[0][:200] or sha[:12],
            "sha": sha, "message": message,
            "author": an, "author_email": ae.lower(), "authored_at": ad,
            "committer": cn, "committer_email": ce.lower(), "committed_at": cd,
            "files": files, "files_changed": count, "lines_added": added, "lines_removed": removed,
            "source": "git", "source_id": sha,
        }
        if len(files) < count:
            props["files_truncated"] = True
        if self.config.project:
            props["project"] = self.config.project
        yield Node(commit_id, NodeKind.COMMIT, props)
        yield Edge(commit_id, repo_id, EdgeType.IN_REPO)
        if project_id:
            yield Edge(commit_id, project_id, EdgeType.IN_PROJECT)
        roles: dict[str, list[str]] = {}
        for name, email, role in ((an, ae, "author"), (cn, ce, "committer")):
            person = self._people.resolve(name, email)  # records only what is new: most people were seen before
            yield from person.nodes
            roles.setdefault(person.person_id, []).append(role)
        for person_id, person_roles in roles.items():
            yield Edge(commit_id, person_id, EdgeType.ATTRIBUTED_TO, {"roles": person_roles})
        for position, parent in enumerate(parents.split()):
            parent_id = node_id(NodeKind.COMMIT, parent)
            if parent not in seen:
                # the parent predates this run (already stored, or cut off by --since): a stub keeps the edge valid
                yield Node(parent_id, NodeKind.COMMIT, {"sha": parent, "source": "git", "source_id": parent})
            yield Edge(commit_id, parent_id, EdgeType.PARENT, {"position": position})
        seen.add(sha)
        self.commits_read += 1
        self.progress.advance(1)
