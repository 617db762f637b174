"""What every command's ``--help`` ends with: examples, the valid choices of its options, extra notes.

One home for the examples and for how they are laid out. The lazy groups of
``modelctx/cli/__init__.py`` and ``modelctx/cli/ingest_commands.py`` call
:func:`attach_help` on each command they load, so a command module declares
nothing. Choices come from the enums of ``modelctx/graph/model.py``, never from
a copied list. The examples use the demo world's ids (``modelctx demo``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import click

MV = "model_version:tumour-classifier/2"

#: command path (without "modelctx") -> example command lines, each with an optional "  # comment"
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("modelctx demo --no-serve", "modelctx stats", f"modelctx lineage {MV}",
         "modelctx --store sqlite:///team.db stats"),
    "init": ("modelctx init", "modelctx --store sqlite:///team.db init"),
    "stats": ("modelctx stats", "modelctx stats --json"),
    "show": (f"modelctx show {MV}", f"modelctx show {MV} --as-of 2026-01-13   # as it was at the end of that day"),
    "nodes": ("modelctx nodes --kind model_version",
              "modelctx nodes --kind run --where project=oncology --limit 10 --json"),
    "lineage": (f"modelctx lineage {MV} --direction up", f"modelctx lineage {MV} --direction down --depth 2",
                f"modelctx lineage {MV} --edge-type GENERATED_BY --edge-type USED"),
    "diff": ("modelctx diff tumour-classifier@2 tumour-classifier@3",
             "modelctx diff tumour-classifier@2 tumour-classifier@3 --json"),
    "mcp": ("modelctx mcp   # an assistant's MCP client starts this; it speaks MCP on stdin/stdout",
            "modelctx --store sqlite:///team.db mcp"),
    "impact": (f"modelctx impact {MV}", "modelctx impact breast-cancer@2 --json"),
    "verify": ("modelctx verify", "modelctx verify --no-tables", "modelctx verify --checkpoint head.json"),
    "checkpoint": ("modelctx checkpoint -o head.json   # later: modelctx verify --checkpoint head.json",),
    "demo": ("modelctx demo", "modelctx demo --no-serve"),
    "copy": ("modelctx copy --to neo4j://neo4j:secret@127.0.0.1:7687",
             "modelctx copy --from sqlite:///old.db --to sqlite:///new.db"),
    "ingest": ("modelctx ingest dataset data/customers.csv --name customers",
               "modelctx ingest git . --dry-run --json"),
    "ingest git": ("modelctx ingest git path/to/repo",
                   "modelctx ingest git path/to/repo --branch release --since v1.2.0"),
    "ingest dataset": ('modelctx ingest dataset data/customers.csv --name customers --description "CRM export"',
                       "modelctx ingest dataset data/customers/ --name customers   # one version per file",
                       "modelctx ingest dataset exports/legacy.csv --name legacy --encoding cp1252"),
    "ingest features": ("modelctx ingest features docs/formats/features.example.yaml --dry-run",),
    "ingest reviews": ("modelctx ingest reviews docs/formats/reviews.example.yaml --create-missing",),
    "ingest deployments": ("modelctx ingest deployments docs/formats/deployments.example.yaml --create-missing",),
    "ingest mlflow": ("modelctx ingest mlflow --tracking-uri sqlite:///mlflow.db --base-dir .",
                      "modelctx ingest mlflow --tracking-uri http://mlflow.internal:5000 --experiment churn"),
    "ingest openlineage": ("modelctx ingest openlineage events.jsonl --base-dir /opt/airflow",),
    "search": ('modelctx search "tumour model a reviewer was worried about"',
               'modelctx search "recall drop" --kind model_version --limit 5 --since 2024-03-01 --json',
               'modelctx search "tumour-classifier v3" --local   # in this process, even when modelctx serve runs'),
    "index": ("modelctx index", "modelctx index --rebuild"),
    "note": (f'modelctx note {MV} "recall on small tumours checked by the clinic"',),
    "serve": ("modelctx serve", "modelctx serve --port 8001   # when 8000 is taken (make demo serves there)",
              "modelctx serve --host 0.0.0.0 --require-tokens"),
    "token": ("modelctx token create --name ci --role writer", "modelctx token list"),
    "token create": ("modelctx token create --name ci --role writer",
                     "modelctx token create --name churn-team --role reader --project churn",
                     "modelctx token create --name admin --role admin --if-none"),
    "token list": ("modelctx token list", "modelctx token list --json"),
    "token revoke": ("modelctx token revoke ci",),
    "train": ("modelctx train train.yaml", "modelctx train train.yaml --json"),
    "serve-model": ("modelctx serve-model tumour-classifier@production --port 8100",
                    'modelctx serve-model tumour-classifier@3 --override-governance "load test in the sandbox"'),
    "monitor": ("modelctx monitor deployment:tumour-classifier/2/<id> --window 24h",
                "modelctx monitor deployment:tumour-classifier/2/<id> --window 500 --json"),
    "audit": (f"modelctx audit {MV}", f"modelctx audit {MV} --format pdf -o tumour-v2-audit.pdf",
              f"modelctx audit {MV} --as-of 2026-01-13T08:00:00Z --format json"),
    "export": (f"modelctx export prov {MV} -o tumour-v2.prov.json",),
    "export prov": (f"modelctx export prov {MV} -o tumour-v2.prov.json",),
    "policy": ("modelctx policy check", "modelctx policy check --json --strict"),
    "policy check": ("modelctx policy check", "modelctx policy check --json --strict   # exit 11 on findings",
                     "modelctx policy check --rules rules.yaml"),
    "flag": ('modelctx flag breast-cancer@2 --reason "consent withdrawn"',
             "modelctx flag breast-cancer@2 --clear"),
    "portfolio": ("modelctx portfolio", "modelctx portfolio --json -o plots/"),
}


def _node_kinds() -> list[str]:
    from modelctx.graph.model import NodeKind

    return [kind.value for kind in NodeKind]


def _edge_types() -> list[str]:
    from modelctx.graph.model import EdgeType

    return [edge.value for edge in EdgeType]


#: command path -> (option, its valid values): the values the option accepts, from their one home
CHOICES: dict[str, list[tuple[str, Callable[[], list[str]]]]] = {
    "nodes": [("--kind", _node_kinds)],
    "search": [("--kind", _node_kinds)],
    "lineage": [("--edge-type", _edge_types)],
}


def _train_keys() -> list[str]:
    from modelctx.training.train import config_keys

    return [f"{key}: {description}" for key, description in config_keys()]


#: command path -> (title, lines): further sections that come from one home in the package
NOTES: dict[str, list[tuple[str, Callable[[], list[str]]]]] = {
    "train": [("Config keys (YAML)", _train_keys)],
}


def _section(title: str, lines: list[str]) -> str:
    # "\b" keeps click from rewrapping the paragraph, so each example stays one line.
    return "\n".join(["\b", f"{title}:", *(f"  {line}" for line in lines)])


def epilog(path: str) -> str | None:
    """The ``--help`` epilog of the command at ``path`` ("ingest dataset"; "" the root), None if it has none."""
    sections = []
    if path in EXAMPLES:
        sections.append(_section("Examples", list(EXAMPLES[path])))
    for option, values in CHOICES.get(path, []):
        sections.append(_section(f"{option} is one of", textwrap.wrap(", ".join(values()), 76)))
    for title, lines in NOTES.get(path, []):
        sections.append(_section(title, [part for line in lines() for part in textwrap.wrap(
            line, 76, subsequent_indent="    ")]))
    return "\n\n".join(sections) or None


def _completer(values: Callable[[], list[str]]) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        return [value for value in values() if value.startswith(incomplete)]

    return complete


def attach_help(command: click.Command, path: str) -> click.Command:
    """Give ``command`` (and the sub-commands of a plain group) their epilog and choice completion."""
    if command.epilog is None:
        command.epilog = epilog(path)
    for option, values in CHOICES.get(path, []):
        for param in command.params:
            if option in param.opts:
                setattr(param, "_custom_shell_complete", _completer(values))  # noqa: B010 (click's completion hook)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            attach_help(sub, f"{path} {name}")
    return command
