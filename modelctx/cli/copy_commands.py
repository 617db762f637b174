"""``modelctx copy``: move a whole graph, change log included, between two stores."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app

_PHASES = {"reading": "reading the source log", "writing": "writing nodes and edges", "log": "copying the log"}


@click.command("copy")
@click.option("--from", "source_uri", default=None, metavar="URI",
              help="Store to copy from (default: the --store / MODELCTX_STORE store).")
@click.option("--to", "target_uri", required=True, metavar="URI", help="Empty store to copy into.")
@json_option
@pass_app
def copy_command(app: AppContext, source_uri: str | None, target_uri: str, as_json: bool) -> None:
    """Copy nodes, edges and the change log into an empty store, then verify counts and the chain.

    \b
    Example (SQLite to a team Neo4j):
      modelctx copy --from sqlite:///$HOME/.modelctx/modelctx.db \\
                    --to neo4j://neo4j:modelctx-dev@127.0.0.1:7687
    """
    from modelctx.graph.copy import copy_graph
    from modelctx.graph.store import open_store

    with ExitStack() as stack:
        source = open_store(source_uri) if source_uri else app.store
        if source_uri:
            stack.callback(source.close)
        target = open_store(target_uri)
        stack.callback(target.close)
        with _PhaseBars(enabled=not as_json) as bars:
            report = copy_graph(source, target, progress=bars.progress)
    if as_json:
        emit_json(report.to_json())
        return
    click.echo(f"copied {report.nodes} nodes, {report.edges} edges and {report.entries} log entries "
               f"from {report.source} to {report.target} in {report.seconds:.1f} s")
    click.echo(f"verified: counts match, chain head {report.head_hash[:16]}…")


class _PhaseBars:
    """One progress bar per copy phase; a phase's bar closes when the next phase starts."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.stack = ExitStack()
        self.phase: str | None = None
        self.sink: Any = None

    def __enter__(self) -> _PhaseBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def progress(self, phase: str, advanced: int, total: int | None) -> None:
        from modelctx.cli.progress import progress_bar

        if phase != self.phase:
            self.stack.close()
            self.stack = ExitStack()
            self.sink = self.stack.enter_context(progress_bar(_PHASES[phase], total=total, enabled=self.enabled))
            self.phase = phase
        if advanced:
            self.sink.advance(advanced)
