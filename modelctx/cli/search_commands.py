"""``modelctx search``, ``modelctx index`` and ``modelctx note``.

``search`` asks a local ``modelctx serve`` of the same store when one runs
and is current (``api/endpoint.py``): no model to load, no store to open.
Otherwise it, like ``index``, loads the embedding model (ONNX Runtime, about
half a second; a status line on stderr says so). Both print one answer, the
JSON of ``SearchService.answer``, so the two ways cannot differ. ``note`` only
writes an Insight, and the index picks it up on the next search.
"""

from __future__ import annotations

from typing import Any

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app
from modelctx.cli.progress import progress_bar


def _sync(service: Any, *, rebuild: bool, show: bool) -> Any:
    """Catch the index up, with a progress bar over change-log entries on a terminal."""
    behind = service.store.last_seq() - (0 if rebuild else service.index.last_seq)
    with progress_bar("indexing change log", total=max(behind, 0), enabled=show and behind > 0,
                      status_lines=True) as bar:
        done = 0

        def advance(entries_done: int, total: int) -> None:
            nonlocal done
            bar.advance(entries_done - done)
            done = entries_done

        return service.sync(advance, rebuild=rebuild)


@click.command("search")
@click.argument("query")
@click.option("--kind", default=None, help="Only nodes of this kind (e.g. model_version, run, dataset_version).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200))
@click.option("--mode", type=click.Choice(["hybrid", "vector", "keyword"]), default="hybrid", show_default=True)
@click.option("--project", default=None, help="Only nodes of this project.")
@click.option("--since", default=None, metavar="DATE",
              help="Only nodes at or after this ISO date/time (a date: from its start, UTC).")
@click.option("--until", default=None, metavar="DATE",
              help="Only nodes at or before this ISO date/time (a date: through its end, UTC).")
@click.option("--no-context", is_flag=True, help="Skip the graph context of each hit.")
@click.option("--local", is_flag=True,
              help="Search in this process even when a local `modelctx serve` of this store could answer.")
@json_option
@pass_app
def search_command(app: AppContext, query: str, kind: str | None, limit: int, mode: str, project: str | None,
                   since: str | None, until: str | None, no_context: bool, local: bool, as_json: bool) -> None:
    """Find nodes by meaning and by words, with each hit's nearest lineage.

    When a `modelctx serve` of the same store runs on this machine, it answers
    (its model is loaded already; send MODELCTX_TOKEN if it requires tokens);
    --local searches here.
    """
    params = {"q": query, "kind": kind, "limit": limit, "mode": mode, "project": project,
              "since": since, "until": until}
    answer = None if local or no_context else _served_answer(app, params)
    if answer is None:
        answer = _local_answer(app, params, with_context=not no_context, show=not as_json)
    from modelctx.search.messages import SEMANTIC_OFF_NOTE

    if SEMANTIC_OFF_NOTE in (answer.get("note") or ""):
        click.echo(f"modelctx: {SEMANTIC_OFF_NOTE}", err=True)
    if as_json:
        emit_json(answer)
        return
    _print_hits(answer)


def _served_answer(app: AppContext, params: dict[str, Any]) -> dict[str, Any] | None:
    """The answer of a local ``modelctx serve`` of this store (``api/endpoint.py``), if one is current.

    None (search here) when none runs, it cannot answer this query as this
    process would, or its index is behind the store (a search here catches up first).
    """
    from modelctx.api.endpoint import ask_local_server

    answer = ask_local_server(app.unopened_data_dir(), "/api/v1/search", params)
    if answer is None or answer.get("pending_changes") != 0 or not isinstance(answer.get("hits"), list):
        return None
    return answer


def _local_answer(app: AppContext, params: dict[str, Any], *, with_context: bool, show: bool) -> dict[str, Any]:
    """The answer of a search in this process: catch the index up (a bar when behind), then search."""
    from modelctx.search.service import open_search, time_window

    since_at, until_at = time_window(params["since"], params["until"], names=("--since", "--until"))
    with open_search(app.client) as service:
        _sync(service, rebuild=False, show=show)
        hits = service.search(params["q"], kind=params["kind"], limit=params["limit"], mode=params["mode"],
                              project=params["project"], since=since_at, until=until_at, with_context=with_context)
        return service.answer(params["q"], params["mode"], hits)


def _context_line(context: dict[str, Any]) -> str:
    parts = []
    for key, value in context.items():
        if not value:
            continue
        items = value if isinstance(value, list) else [value]
        shown = ", ".join(
            f"{item['title']}{' (' + str(item['verdict']) + ')' if 'verdict' in item else ''}" for item in items[:3]
        )
        more = f" +{len(items) - 3}" if len(items) > 3 else ""
        parts.append(f"{key.replace('_', ' ')}: {shown}{more}")
    return "; ".join(parts)


def _print_hits(answer: dict[str, Any]) -> None:
    """A search answer (``SearchService.answer``'s JSON, from this process or a server) as text.

    A question about structure that nothing in the graph answers says so first,
    so that the ranked hits under it are not read as its answers.
    """
    from rich.console import Console
    from rich.markup import escape

    from modelctx.search.messages import no_results, nothing_answers

    # soft_wrap: a hit's line is never broken by rich, so an id stays whole for grep, copy and pipes.
    console = Console(soft_wrap=True)
    hits, question = answer["hits"], answer.get("question")
    if question and not question["answers"]:
        console.print(f"[yellow]{escape(nothing_answers(question['reads_as']))}[/yellow]")
    elif not hits:
        console.print(escape(no_results(answer["query"])))
        return
    for rank, hit in enumerate(hits, start=1):
        console.print(
            f"[bold]{rank:>2}. {escape(hit['title'])}[/bold]  "
            f"[dim]{hit['kind']} · {escape(hit['id'])} · {hit['score']:.4f}[/dim]"
        )
        if hit.get("answer"):
            console.print(f"    [green]{escape(hit['answer'])}[/green]")
        if hit.get("snippet"):
            console.print(f"    {escape(hit['snippet'])}")
        line = _context_line(hit.get("context") or {})
        if line:
            console.print(f"    [cyan]{escape(line)}[/cyan]")


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Drop the index and build it again from the whole change log.")
@json_option
@pass_app
def index_command(app: AppContext, rebuild: bool, as_json: bool) -> None:
    """Build the search index, or catch it up with the change log."""
    from modelctx.search.service import open_search

    with open_search(app.client) as service:
        report = _sync(service, rebuild=rebuild, show=not as_json)
        if rebuild:
            service.index.rebuild_ann()
        info = {**report.to_json(), "documents_total": service.index.count(),
                "location": service.index.location}
    if as_json:
        emit_json(info)
        return
    click.echo(
        f"search index at change-log entry {info['to_seq']}: {info['documents_total']} documents "
        f"({info['documents']} (re)documented, {info['embedded']} embedded{', rebuilt' if info['rebuilt'] else ''})"
    )
    click.echo(f"  location: {info['location']}")


@click.command("note")
@click.argument("node_id", metavar="REF")
@click.argument("text")
@json_option
@pass_app
def note_command(app: AppContext, node_id: str, text: str, as_json: bool) -> None:
    """Attach an Insight (free text) to any node; search finds it and its node."""
    from modelctx.graph.refs import resolve_ref
    from modelctx.search.notes import attach_note

    node_id = resolve_ref(app.store, node_id).id
    insight = attach_note(app.store, node_id, text, actor=app.client.actor)
    if as_json:
        emit_json({**insight.to_json(), "about": node_id})
        return
    click.echo(f"noted {insight.id} about {node_id}")
