"""Commands for the HTTP service: ``serve`` and ``token create|list|revoke``."""

from __future__ import annotations

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; non-loopback needs tokens.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--require-tokens", is_flag=True, default=None,
              help="Check API tokens even on 127.0.0.1 (always on for other addresses).")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Without tokens, also answer requests whose Host header is NAME (repeatable; "
                   "default: loopback names only; MODELCTX_ALLOWED_HOSTS adds more).")
@pass_app
def serve_command(app: AppContext, host: str, port: int, require_tokens: bool | None,
                  allow_hosts: tuple[str, ...]) -> None:
    """Serve the REST API (/api/v1, docs at /docs), the lineage explorer page (/) and MCP (/mcp)."""
    from modelctx.api.server import serve

    serve(app.client, host=host, port=port, require_tokens=require_tokens or None, allow_hosts=allow_hosts)


@click.command("mcp")
@pass_app
def mcp_command(app: AppContext) -> None:
    """Serve the Model Context Protocol on stdin/stdout for an AI assistant (local store, acting as you).

    `modelctx serve` serves it over HTTP at /mcp too, with tokens and project scopes.
    """
    from modelctx.errors import MissingExtraError

    try:
        import modelctx.mcp.server  # noqa: F401  # imports the SDK
    except ImportError as exc:
        raise MissingExtraError("the MCP server", "mcp", "mcp") from exc
    from modelctx.mcp.stdio import serve_stdio

    serve_stdio(app.client)


@click.group("token")
def token_group() -> None:
    """Manage API tokens (stored hashed in the store, shared by every API process on it)."""


@token_group.command("create")
@click.option("--name", required=True, help="Token name; writes are recorded as actor token:<name>.")
@click.option("--role", required=True, type=click.Choice(["reader", "writer", "admin"]))
@click.option("--project", default=None, help="Scope the token to one project's nodes.")
@click.option("--if-none", "if_none", is_flag=True,
              help="Create it only if the store has no active token (a deployment's first-admin step); "
                   "otherwise say so and exit 0.")
@json_option
@pass_app
def token_create(app: AppContext, name: str, role: str, project: str | None, if_none: bool, as_json: bool) -> None:
    """Create a token and print its secret (shown only this once)."""
    from modelctx.api.tokens import create_token, has_tokens

    if if_none and has_tokens(app.client):
        if as_json:
            emit_json({"created": False})
        click.echo("active tokens exist already: none created", err=True)
        return
    info, secret = create_token(app.client, name, role, project)
    if as_json:
        emit_json({**info.to_json(), "secret": secret})
        return
    scope = f" for project {project}" if project else ""
    click.echo(f"created {role} token {name!r}{scope}. Its secret, shown only once:")
    click.echo(secret)
    click.echo("use it as: Authorization: Bearer <secret>")


@token_group.command("list")
@json_option
@pass_app
def token_list(app: AppContext, as_json: bool) -> None:
    """List tokens (names, roles, scopes; never secrets)."""
    from modelctx.api.tokens import list_tokens

    tokens = list_tokens(app.client)
    if as_json:
        emit_json({"tokens": [t.to_json() for t in tokens]})
        return
    if not tokens:
        click.echo("no tokens")
    for t in tokens:
        state = f"revoked {t.revoked_at}" if t.revoked else "active"
        click.echo(f"{t.name:<24} {t.role:<7} {t.project or '(all projects)':<20} created {t.created_at}  {state}")


@token_group.command("revoke")
@click.argument("name")
@json_option
@pass_app
def token_revoke(app: AppContext, name: str, as_json: bool) -> None:
    """Revoke the active token called NAME."""
    from modelctx.api.tokens import revoke_token

    info = revoke_token(app.client, name)
    if as_json:
        emit_json(info.to_json())
    else:
        click.echo(f"revoked token {name!r}")
