"""``modelctx demo``: build the demo world into the default store, show a lineage, serve the web app."""

from __future__ import annotations

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Build the world and print its lineage, then exit.")
@json_option
@pass_app
def demo_command(app: AppContext, host: str, port: int, no_serve: bool, as_json: bool) -> None:
    """Build a demo world (datasets, tracked runs, reviews, deployments, monitoring) and serve it."""
    from modelctx.demo.world import build_demo_world
    from modelctx.graph.lineage import lineage, render_tree

    client = app.client
    world = build_demo_world(client, say=None if as_json else lambda text: click.echo(f"demo: {text}"))
    if as_json:
        emit_json({"store": client.store.uri, **world.to_json()})
    else:
        click.echo(f"demo world {'built' if world.built else 'already present'} in {client.store.uri}")
        click.echo(f"lineage of the production deployment {world.focus_deployment}:")
        for line in render_tree(lineage(client.store, world.focus_deployment, "up"), world.focus_deployment, "up"):
            click.echo(f"  {line}")
        click.echo(f"try: modelctx lineage {world.reports[0] if world.reports else world.focus_version} "
                   "--direction up")
    if no_serve:
        return
    try:
        from modelctx.api.server import serve
    except ImportError:
        click.echo("the web app is not installed here (pip install 'modelctx[web]'); stopping after the build")
        return
    click.echo(f"serving the demo at http://{host}:{port}/  (Ctrl-C to stop)")
    serve(client, host=host, port=port)
