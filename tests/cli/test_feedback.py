"""Feedback for slow work (issue 20): status lines on stderr off a terminal; a taken port is one line with a hint."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main, progress
from modelctx.graph.store import open_store
from tests.contract.graphs import lineage_world


def test_work_that_ends_within_the_threshold_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with progress.progress_bar("indexing change log", total=3, status_lines=True) as bar:
        bar.advance(3)
    assert capsys.readouterr() == ("", "")


def test_other_work_off_a_terminal_prints_nothing_so_a_failure_stays_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "STATUS_AFTER_SECONDS", 0.0)
    with progress.progress_bar("walking lineage", total=3) as bar:
        bar.advance(3)
    assert capsys.readouterr() == ("", "")


def test_slow_work_off_a_terminal_prints_a_start_and_an_end_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "STATUS_AFTER_SECONDS", 0.0)
    with progress.progress_bar("indexing change log", total=1200, status_lines=True) as bar:
        bar.advance(1000)
        bar.advance(200)
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch(r"indexing change log: 1,200 to do \.\.\.\n"
                        r"indexing change log: 1,200 of 1,200 done in \d+\.\d s\n", err), err


def test_disabled_feedback_prints_nothing_even_when_slow(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "STATUS_AFTER_SECONDS", 0.0)
    with progress.progress_bar("indexing change log", total=5, enabled=False, status_lines=True) as bar:
        bar.advance(5)
    assert capsys.readouterr() == ("", "")


@pytest.fixture
def world_uri(tmp_path: Path) -> str:
    uri = f"sqlite:///{tmp_path / 'world.db'}"
    store = open_store(uri)
    nodes, edges, _ = lineage_world()
    store.write(nodes, edges)
    entries = store.last_seq()
    store.close()
    assert entries > 0
    return uri


def test_index_catching_up_says_so_on_stderr_when_not_a_terminal(
    world_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "STATUS_AFTER_SECONDS", 0.0)  # as if catching up took a second
    result = CliRunner().invoke(main, ["--store", world_uri, "index"])
    assert result.exit_code == 0, result.output
    # The embedder says when it loads its model, for every caller (search/embedder.py); these are the index's lines.
    lines = [line for line in result.stderr.splitlines() if "embedding model" not in line]
    total = int(lines[0].split(": ")[1].split()[0])
    assert lines[0] == f"indexing change log: {total} to do ..."
    assert re.fullmatch(rf"indexing change log: {total} of {total} done in \d+\.\d s", lines[1])
    assert result.stdout.startswith(f"search index at change-log entry {total}: ")
    quiet = CliRunner().invoke(main, ["--store", world_uri, "index", "--rebuild", "--json"])
    assert quiet.exit_code == 0 and "indexing change log" not in quiet.stderr


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELCTX_HOME": str(tmp_path / "home")}
    env.pop("MODELCTX_STORE", None)
    return subprocess.run([sys.executable, "-m", "modelctx", *args], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120, check=False)


@pytest.mark.parametrize("command", [["serve"], ["serve-model", "no-such-model@1"]])
def test_a_taken_port_is_one_line_suggesting_another_and_nothing_is_announced_or_recorded(
    tmp_path: Path, world_uri: str, taken_port: int, command: list[str]
) -> None:
    before = open_store(world_uri)
    seq = before.last_seq()
    before.close()
    done = _cli(tmp_path, "--store", world_uri, *command, "--port", str(taken_port))
    assert done.returncode == 5
    assert done.stdout == ""
    assert done.stderr == (f"error: 127.0.0.1:{taken_port} is already in use (another modelctx serve, or make "
                           f"demo?); pass another port, for example --port {taken_port + 1}\n")
    after = open_store(world_uri)
    assert after.last_seq() == seq  # serve-model checked the port before looking up or recording anything
    after.close()
