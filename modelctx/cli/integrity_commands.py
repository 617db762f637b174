"""Tamper evidence: ``verify`` (the chain, the tables, a checkpoint) and ``checkpoint`` (record the head)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app


@click.command("verify")
@click.option("--tables/--no-tables", default=True, show_default=True,
              help="Also prove the stored nodes, edges and adjacency are exactly what the change log says "
                   "(replays the log; --no-tables checks the hash chain alone).")
@click.option("--checkpoint", "checkpoint_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="A checkpoint (modelctx checkpoint -o FILE) or an audit report in JSON: "
                                   "fail unless the log still holds the head it recorded.")
@json_option
@pass_app
def verify_command(app: AppContext, tables: bool, checkpoint_path: Path | None, as_json: bool) -> None:
    """Check the change log's hash chain and that the tables match it; exit 10 naming the first problem.

    A signed checkpoint is checked with MODELCTX_SIGNING_KEY; with the key set,
    an unsigned checkpoint is refused.
    """
    from modelctx.cli.progress import progress_bar
    from modelctx.errors import IntegrityError
    from modelctx.graph.checkpoint import load_checkpoint, signing_key_from_env

    checkpoint = load_checkpoint(checkpoint_path) if checkpoint_path is not None else None
    key = signing_key_from_env() if checkpoint is not None else None
    with progress_bar("verifying (log entries and stored records read)", enabled=not as_json) as bar:
        shown = 0

        def advance(done: int) -> None:
            nonlocal shown
            bar.advance(done - shown)
            shown = done

        result = app.store.verify_integrity(tables=tables, checkpoint=checkpoint, key=key, progress=advance)
    if as_json:
        emit_json(result.to_json())
    elif result.ok:
        chain = result.chain
        click.echo(f"change log intact: {chain.checked} entries, head {chain.head_hash[:16]}…")
        if result.tables is not None:
            click.echo(result.tables.sentence())
        if result.checkpoint is not None:
            click.echo(result.checkpoint.sentence())
    if result.problem is not None:
        raise IntegrityError(result.problem)


@click.command("checkpoint")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the checkpoint to this file (default: print it).")
@json_option
@pass_app
def checkpoint_command(app: AppContext, output: Path | None, as_json: bool) -> None:
    """Record the change log's head (entry, hash, time) so that a later cut or rewrite of the log shows.

    Signed (HMAC-SHA256) with MODELCTX_SIGNING_KEY when it is set. Keep the file
    where the store's writers cannot change it; ``modelctx verify --checkpoint
    FILE`` exits 10 when the log no longer holds that head. The hash chain is
    verified first (exit 10 if broken: there is no head to vouch for).
    """
    from modelctx.graph.checkpoint import make_checkpoint, signing_key_from_env

    key = signing_key_from_env()
    store = app.store
    checkpoint = make_checkpoint(store.verify(), store=store.uri, key=key)
    data = checkpoint.to_json()
    if output is None:
        emit_json(data)
        return
    _write_atomically(output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    if as_json:
        emit_json(data)
    else:
        signed = "signed" if checkpoint.signed else "unsigned: set MODELCTX_SIGNING_KEY to sign"
        click.echo(f"checkpoint of {store.uri} at entry {checkpoint.seq} ({signed}) written to {output}")


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    from modelctx.errors import ValidationError

    target = path.expanduser()
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or Path("."))
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ValidationError(f"cannot write the checkpoint to {path}: {exc.strerror or exc}") from exc
