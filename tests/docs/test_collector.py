"""The docs test's own parts: a broken command in a guide fails it, markers read strictly, output matches by rule."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.docs.blocks import Block, MarkerError, collect_blocks, doc_files
from tests.docs.conftest import REPO
from tests.docs.matching import output_matches
from tests.docs.runner import DocRunner, DocsTestFailure, console_steps, prepare_file

FENCE = "```"


def _runner(tmp_path: Path) -> DocRunner:
    """A runner on an empty home: enough for blocks that need no demo world (fast)."""
    empty_home = tmp_path / "built-home"
    empty_home.mkdir(parents=True)
    return prepare_file(REPO, empty_home, tmp_path / "run")


def _run_file(runner: DocRunner, path: Path, text: str) -> None:
    for block in collect_blocks(path, text):
        runner.run(block)


def test_a_broken_command_in_a_real_guide_fails_naming_file_and_line(tmp_path: Path) -> None:
    guide = REPO / "docs" / "guide" / "web.md"
    text = guide.read_text(encoding="utf-8")
    assert "modelctx token list\n" in text
    _run_file(_runner(tmp_path / "as-written"), guide, text)  # the guide as written passes
    broken = text.replace("modelctx token list\n", "modelctx token lsit\n", 1)
    line = broken.splitlines().index("modelctx token lsit") + 1
    with pytest.raises(DocsTestFailure) as failure:
        _run_file(_runner(tmp_path / "broken"), guide, broken)
    message = str(failure.value)
    assert f"docs/guide/web.md:{line}: modelctx token lsit" in message
    assert "exit 2 from" in message and "No such command 'lsit'" in message


def test_blocks_run_in_order_in_one_working_directory(tmp_path: Path) -> None:
    text = (f"{FENCE}bash\necho churn > name.txt\n{FENCE}\n\n"
            f"{FENCE}python\nprint(open('name.txt').read().strip() * 2)\n{FENCE}\n\n"
            f"{FENCE}console\n$ cat name.txt\nchurn\n$ python -c \"print(6 * 7)\"\n<n>\n{FENCE}\n")
    _run_file(_runner(tmp_path), tmp_path / "guide.md", text)


def test_console_output_that_differs_from_the_doc_fails(tmp_path: Path) -> None:
    text = f"intro\n\n{FENCE}console\n$ echo 'one two'\none three\n{FENCE}\n"
    with pytest.raises(DocsTestFailure) as failure:
        _run_file(_runner(tmp_path), tmp_path / "guide.md", text)
    assert "guide.md:4: output of `echo 'one two'` differs" in str(failure.value)
    assert "one two" in str(failure.value)


def test_a_failing_python_block_fails(tmp_path: Path) -> None:
    text = f"{FENCE}python\nimport modelctx\nraise SystemExit(3)\n{FENCE}\n"
    with pytest.raises(DocsTestFailure, match=r"guide.md:2: exit 3 from"):
        _run_file(_runner(tmp_path), tmp_path / "guide.md", text)


def test_modelctx_is_the_test_interpreter_s_command_and_the_home_is_the_copy(tmp_path: Path) -> None:
    runner = _runner(tmp_path)
    text = (f"{FENCE}console\n$ modelctx stats --json | python -c "
            "\"import json, sys; print(json.load(sys.stdin)['nodes'])\"\n{}\n"
            f"$ test \"$MODELCTX_HOME\" = {runner.home} && echo same\nsame\n{FENCE}\n")
    _run_file(runner, tmp_path / "guide.md", text)


def test_a_skipped_block_is_not_run(tmp_path: Path) -> None:
    text = f"{FENCE}bash\n# docs-test: skip (would fail)\nexit 1\n{FENCE}\n"
    [block] = collect_blocks(tmp_path / "guide.md", text)
    assert (block.skip, block.text, block.line) == ("would fail", "exit 1", 3)
    _run_file(_runner(tmp_path), tmp_path / "guide.md", text)


@pytest.mark.parametrize(("first", "problem"), [
    ("# docs-test: skipp (typo)", "unknown docs-test marker 'skipp'"),
    ("# docs-test: skip ()", "needs a reason"),
    ("# docs-test: skip", "unreadable docs-test marker"),
    ("# docs-test: background (http://127.0.0.1:8000/)", "needs 'probe <http url>'"),
])
def test_a_bad_marker_is_an_error_naming_the_line(tmp_path: Path, first: str, problem: str) -> None:
    text = f"text\n{FENCE}bash\n{first}\nmodelctx stats\n{FENCE}\n"
    with pytest.raises(MarkerError, match=problem) as failure:
        collect_blocks(tmp_path / "guide.md", text)
    assert "guide.md:3:" in str(failure.value)


def test_a_marker_below_the_first_line_is_an_error(tmp_path: Path) -> None:
    text = f"{FENCE}bash\nmodelctx stats\n# docs-test: skip (too late)\n{FENCE}\n"
    with pytest.raises(MarkerError, match="guide.md:3: a docs-test marker must be the block's first line"):
        collect_blocks(tmp_path / "guide.md", text)


def test_only_shell_console_and_python_blocks_are_collected_with_their_lines(tmp_path: Path) -> None:
    text = (f"{FENCE}yaml\na: 1\n{FENCE}\n{FENCE}\nplain\n{FENCE}\n{FENCE}json\n{{}}\n{FENCE}\n"
            f"- item\n\n  {FENCE}sh\n  echo indented\n  {FENCE}\n{FENCE}console\n$ true\n{FENCE}\n")
    blocks = collect_blocks(tmp_path / "guide.md", text)
    assert [(b.language, b.line, b.text) for b in blocks] == [("bash", 13, "echo indented"), ("console", 16, "$ true")]


def test_every_doc_file_is_collected_and_every_marker_reads() -> None:
    files = doc_files(REPO)
    assert REPO / "README.md" in files and REPO / "docs" / "guide" / "contributing-docs.md" in files
    blocks = [block for path in files for block in collect_blocks(path)]
    assert all(b.skip for b in blocks if b.skip is not None)
    assert any(b.probe for b in blocks), "the README tour's server runs in the background"


def test_a_background_block_runs_until_its_probe_answers_then_stops(tmp_path: Path) -> None:
    text = (f"{FENCE}bash\n# docs-test: background (probe http://127.0.0.1:8000/)\n"
            f"echo 'listening on port 8000'\npython -m http.server 8000 --bind 127.0.0.1\n{FENCE}\n")
    [block] = collect_blocks(tmp_path / "guide.md", text)
    assert block.probe == "http://127.0.0.1:8000/"
    runner = _runner(tmp_path)
    runner.run(block)
    log = (runner.workdir / f".docs-block-{block.line}.log").read_text(encoding="utf-8")
    port = int(log.split("listening on port ", 1)[1].split()[0])
    assert port != 8000  # the doc's port was swapped for a free one...
    with socket.socket() as sock:  # ... and the server is gone: its port can be bound again
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))


def test_a_background_block_whose_server_never_answers_fails(tmp_path: Path) -> None:
    text = f"{FENCE}bash\n# docs-test: background (probe http://127.0.0.1:8000/)\necho 'no server'; exit 1\n{FENCE}\n"
    with pytest.raises(DocsTestFailure, match=r"the probe http://127.0.0.1:8000/ never answered 2xx \(exit 1\)"):
        _run_file(_runner(tmp_path), tmp_path / "guide.md", text)


def test_console_steps_split_commands_continuations_and_output() -> None:
    block = Block(Path("g.md"), 10, "console", "$ echo a \\\n    b\na b\n$ true\n$ echo x\nx\n\n")
    steps = console_steps(block)
    assert [(s.line, s.command, s.expected) for s in steps] == [
        (10, "echo a \\\n    b", "a b"), (13, "true", ""), (14, "echo x", "x\n")]


@pytest.mark.parametrize(("expected", "actual", "matches"), [
    ("a\nb", "a\nb\n", True),
    ("a\nb", "a  \n\nb", False),  # a blank line inside counts
    ("\na\n\n", "a", True),  # blank lines around do not
    ("a\n...\nd", "a\nb\nc\nd", True),
    ("a\n...\nd", "a\nd", True),
    ("a\n...", "b", False),
    ("a", "a\nb", False),  # every printed line must be accounted for
    ("wrote ... to x.json", "wrote 12 records to x.json", True),
    ("<n> models, <n> runs", "1,106 models, -0.97 runs", True),
    ("<n> models", "many models", False),
    ("head <hash>", "head 4a1d9c0", True),
    ("head <hash>", "head 4a1d9c", False),  # 6 hex digits are not a hash
    ("at <time>", "at 2026-11-29T08:59:17.955514+00:00", True),
    ("at <time>", "at 2026-11-29", True),
    ("at <time>", "at yesterday", False),
    ("noted <id> about x", "noted insight:92b49/a-b about x", True),
    ("noted <id> about x", "noted two words about x", False),
    ("cost (a+b)*c", "cost (a+b)*c", True),  # everything else is literal
    ("cost (a+b)*c", "cost aab*c", False),
])
def test_output_matching_rule(expected: str, actual: str, matches: bool) -> None:
    assert output_matches(expected, actual) is matches
