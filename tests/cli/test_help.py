"""Every command's --help ends with examples, and lists the valid choices from their one home (issue 20)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.cli.examples import EXAMPLES
from modelctx.graph.model import EdgeType, NodeKind
from modelctx.training.train import TrainConfig


def _paths(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _paths(command, click.Context(command, parent=ctx, info_name=name), (*prefix, name))
    return found


COMMANDS = _paths(main, click.Context(main, info_name="modelctx"))


def _help(*path: str) -> str:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    return result.output


def _examples(text: str) -> list[str]:
    lines = text.split("\n  Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    return [line.strip() for line in lines]


def test_the_commands_walked_include_every_group_s_sub_commands() -> None:
    assert {("ingest", "dataset"), ("token", "create"), ("policy", "check"), ("export", "prov")} <= set(COMMANDS)
    assert len(COMMANDS) >= 35


@pytest.mark.parametrize("path", [(), *COMMANDS], ids=lambda p: " ".join(p) or "modelctx")
def test_every_command_s_help_has_examples_of_itself(path: tuple[str, ...]) -> None:
    examples = _examples(_help(*path))
    assert examples and examples == list(EXAMPLES[" ".join(path)])
    called = " ".join(("modelctx", *path))
    for example in examples:
        words = [w for w in example.split() if not w.startswith("--store") and "sqlite:///team.db" not in w]
        assert " ".join(words).startswith(called), f"{example!r} does not run {called}"


def test_examples_are_listed_only_for_commands_that_exist() -> None:
    assert set(EXAMPLES) == {" ".join(p) for p in [(), *COMMANDS]}


def test_nodes_and_search_help_list_every_node_kind_and_lineage_every_edge_type() -> None:
    for command in ("nodes", "search"):
        listed = _help(command).split("--kind is one of:", 1)[1].replace("\n", " ")
        assert [k.strip() for k in " ".join(listed.split()).split(",")] == [kind.value for kind in NodeKind]
    listed = " ".join(_help("lineage").split("--edge-type is one of:", 1)[1].split())
    assert [e.strip() for e in listed.split(",")] == [edge.value for edge in EdgeType]


def test_train_help_lists_every_config_key() -> None:
    text = _help("train").split("Config keys (YAML):", 1)[1]
    keys = [line.strip().split(":", 1)[0] for line in text.splitlines() if line.startswith("    ")
            and not line.startswith("        ")]
    assert keys == [field.alias or name for name, field in TrainConfig.model_fields.items()]
    for key in ("features", "dataset_name", "name", "description"):
        assert f"    {key}: " in text


def test_shell_completion_offers_node_kinds(tmp_path: Path) -> None:
    modelctx = str(Path(sys.executable).parent / "modelctx")
    env = {**os.environ, "_MODELCTX_COMPLETE": "bash_complete", "COMP_WORDS": "modelctx nodes --kind model",
           "COMP_CWORD": "3"}
    done = subprocess.run([modelctx], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["plain,model", "plain,model_version"]
