"""Collect the runnable code blocks of the Markdown docs, with their docs-test markers.

A fenced block whose info string is ``bash`` (or ``sh``/``shell``), ``console`` or
``python`` is runnable. Its FIRST line may be a marker, exactly one of

- ``# docs-test: skip (<reason>)``: the block is not run (say why);
- ``# docs-test: background (probe <url>)``: the block starts a server; it is run
  in the background until ``<url>`` answers, then stopped.

The rules are written for doc authors in ``docs/guide/contributing-docs.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: info string -> how the block is run
LANGUAGES = {"bash": "bash", "sh": "bash", "shell": "bash", "console": "console", "python": "python"}

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)\s*(?P<info>[^`\s]*)")
_MARKER = re.compile(r"^#\s*docs-test:\s*(?P<kind>[a-z-]+)\s*\((?P<argument>.*)\)\s*$")
_ANY_MARKER = re.compile(r"#\s*docs-test\b")
_PROBE = re.compile(r"^probe\s+(?P<url>https?://\S+)$")


class MarkerError(ValueError):
    """A docs-test marker that is misspelled, misplaced or incomplete."""


@dataclass(frozen=True, slots=True)
class Block:
    """One runnable fenced block: where it is, how to run it and what it says."""

    path: Path
    line: int  # 1-based line of the block's first content line
    language: str  # "bash", "console" or "python"
    text: str  # the content without the marker line, dedented to the fence
    skip: str | None = None  # the reason, when marked skip
    probe: str | None = None  # the URL, when marked background

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def _marker(path: Path, line: int, first: str) -> tuple[str | None, str | None]:
    """(skip reason, probe url) from a block's first line; MarkerError when it is a marker gone wrong."""
    match = _MARKER.match(first.strip())
    if match is None:
        if _ANY_MARKER.search(first):
            raise MarkerError(f"{path}:{line}: unreadable docs-test marker {first.strip()!r}; write "
                              "'# docs-test: skip (<reason>)' or '# docs-test: background (probe <url>)'")
        return None, None
    kind, argument = match["kind"], match["argument"].strip()
    if kind == "skip":
        if not argument:
            raise MarkerError(f"{path}:{line}: '# docs-test: skip ()' needs a reason")
        return argument, None
    if kind == "background":
        probe = _PROBE.match(argument)
        if probe is None:
            raise MarkerError(f"{path}:{line}: '# docs-test: background (...)' needs 'probe <http url>'")
        return None, probe["url"]
    raise MarkerError(f"{path}:{line}: unknown docs-test marker {kind!r} (skip or background)")


def collect_blocks(path: Path, text: str | None = None) -> list[Block]:
    """Every runnable block of one Markdown file, in order; MarkerError for a bad or misplaced marker."""
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].lower()
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            line = lines[index]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            index += 1
        first_line = index - len(body) + 1  # 1-based number of the first content line
        index += 1  # past the closing fence
        language = LANGUAGES.get(info)
        if language is None:
            continue
        skip, probe = _marker(path, first_line, body[0]) if body else (None, None)
        for offset, line in enumerate(body[1:], start=1):
            if _ANY_MARKER.match(line.strip()):
                raise MarkerError(f"{path}:{first_line + offset}: a docs-test marker must be the block's first line")
        marked = skip is not None or probe is not None
        blocks.append(Block(path, first_line + 1 if marked else first_line, language,
                            "\n".join(body[1:] if marked else body), skip=skip, probe=probe))
    return blocks


def doc_files(root: Path) -> list[Path]:
    """README.md and every Markdown file under docs/, in a stable order."""
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
