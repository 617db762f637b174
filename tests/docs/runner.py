"""Run the blocks of one Markdown file, in order, the way a reader following it would.

Every file gets its own working directory (holding a copy of the repository's
``docs/`` folder, so examples may name ``docs/formats/...``) and its own
``MODELCTX_HOME``, a copy of a home where the demo world was built. ``modelctx``
and ``python`` are the commands of the interpreter running the tests (its
``bin`` folder comes first on PATH; PYTHONPATH is passed on).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.docs.blocks import Block
from tests.docs.matching import output_matches
from tests.serve_pair import free_port

#: seconds one command (or one bash/python block) may take
BLOCK_SECONDS = 300
#: seconds a background block has to answer its probe
PROBE_SECONDS = 90
#: environment a reader's shell would not have, or that would point commands elsewhere
_DROPPED_ENV = ("MODELCTX_STORE", "MODELCTX_SIGNING_KEY", "MODELCTX_PEOPLE", "MODELCTX_ACTOR")
_PROMPT = "$ "


class DocsTestFailure(AssertionError):
    """A block that failed: where, what ran and what it printed."""


@dataclass(frozen=True, slots=True)
class ConsoleStep:
    """One ``$ command`` of a console block and the output shown under it."""

    line: int
    command: str
    expected: str


def console_steps(block: Block) -> list[ConsoleStep]:
    """Split a console block into its ``$ `` commands (``\\`` continues one) and the output lines after each."""
    steps: list[ConsoleStep] = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith(_PROMPT):
            if steps or line.strip():
                raise DocsTestFailure(f"{block.path}:{block.line + index}: a console block starts with '$ '")
            index += 1
            continue
        start = index
        command = [line[len(_PROMPT):]]
        while command[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            command.append(lines[index])
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith(_PROMPT):
            output.append(lines[index])
            index += 1
        steps.append(ConsoleStep(block.line + start, "\n".join(command), "\n".join(output)))
    return steps


class DocRunner:
    """Runs one file's blocks in one working directory and home."""

    def __init__(self, workdir: Path, home: Path, repo: Path) -> None:
        self.workdir = workdir
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        bin_dir = str(Path(sys.executable).parent)
        self.env.update(
            MODELCTX_HOME=str(home),
            PATH=bin_dir + os.pathsep + self.env.get("PATH", ""),
            PYTHONPATH=os.pathsep.join(p for p in (str(repo), self.env.get("PYTHONPATH", "")) if p),
            COLUMNS="200",
        )

    def run(self, block: Block) -> None:
        """Run one block; DocsTestFailure names the block and shows what it printed."""
        if block.skip is not None:
            return
        if block.probe is not None:
            self._background(block)
        elif block.language == "console":
            for step in console_steps(block):
                self._console_step(block, step)
        elif block.language == "python":
            script = self.workdir / f".docs-block-{block.line}.py"
            script.write_text(block.text + "\n", encoding="utf-8")
            self._check(block, block.line, block.text, [sys.executable, str(script)])
        else:
            self._check(block, block.line, block.text, ["bash", "-c", self._bash_script(block)])

    @staticmethod
    def _bash_script(block: Block) -> str:
        # One prelude line, so $LINENO - 1 is the line within the block.
        trap = f"trap 'echo \"docs-test: {block.path}:$(({block.line} + LINENO - 2)): $BASH_COMMAND\" >&2' ERR"
        return f"set -eo pipefail; {trap}\n{block.text}\n"

    def _process(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=self.workdir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=BLOCK_SECONDS, stdin=subprocess.DEVNULL, check=False)

    def _check(self, block: Block, line: int, shown: str, argv: list[str]) -> str:
        done = self._process(argv)
        if done.returncode != 0:
            raise DocsTestFailure(f"{block.path}:{line}: exit {done.returncode} from\n{shown}\n--- output:\n"
                                  f"{done.stdout[-4000:]}")
        return done.stdout

    def _console_step(self, block: Block, step: ConsoleStep) -> None:
        script = f"set -o pipefail\n{step.command}\n"
        output = self._check(block, step.line, f"$ {step.command}", ["bash", "-c", script])
        if step.expected.strip() and not output_matches(step.expected, output):
            raise DocsTestFailure(f"{block.path}:{step.line}: output of `{step.command}` differs from the doc\n"
                                  f"--- the doc shows:\n{step.expected}\n--- it printed:\n{output[-4000:]}")

    def _background(self, block: Block) -> None:
        """Start the block, wait for its probe to answer 2xx, stop it; the doc's port is swapped for a free one."""
        assert block.probe is not None
        match = re.match(r"https?://[^/:]+:(\d+)", block.probe)
        port = match[1] if match else None
        fresh = str(free_port())
        swap = (lambda text: re.sub(rf"(?<!\d){port}(?!\d)", fresh, text)) if port else (lambda text: text)
        script = self.workdir / f".docs-block-{block.line}.log"
        with script.open("w+", encoding="utf-8") as log:
            process = subprocess.Popen(["bash", "-c", swap(self._bash_script(block))], cwd=self.workdir,
                                       env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True, text=True)
            try:
                answered = self._probe(swap(block.probe), process)
            finally:
                _stop(process)
            log.seek(0)
            printed = log.read()
        if answered is None:
            raise DocsTestFailure(f"{block.path}:{block.line}: the probe {block.probe} never answered 2xx "
                                  f"(exit {process.returncode})\n{block.text}\n--- output:\n{printed[-4000:]}")

    @staticmethod
    def _probe(url: str, process: subprocess.Popen[str]) -> int | None:
        deadline = time.monotonic() + PROBE_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    if 200 <= answer.status < 300:
                        return int(answer.status)
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        return None


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the block's process group, SIGKILL to what is left of it after 15 s.

    Waits for the whole group, not just its shell: the shell ends at once on
    SIGTERM while the server it started may still hold its port.
    """
    group = process.pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        if process.poll() is None:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                continue
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
    process.wait(timeout=15)


def prepare_file(repo: Path, built_home: Path, scratch: Path) -> DocRunner:
    """A fresh working directory (with a copy of docs/) and a copy of the built home, for one file."""
    workdir, home = scratch / "work", scratch / "home"
    shutil.copytree(repo / "docs", workdir / "docs")
    shutil.copytree(built_home, home)
    return DocRunner(workdir, home, repo)
