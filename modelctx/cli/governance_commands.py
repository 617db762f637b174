"""Governance commands: audit, export prov, policy check, flag, portfolio."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app, write_output


@click.command("audit")
@click.argument("node_id", metavar="REF")
@click.option("--as-of", "as_of", default=None, metavar="TIME",
              help="Report the graph as it was at this ISO 8601 time or date "
                   "(a date: through its end, UTC; from the change log).")
@click.option("--format", "fmt", type=click.Choice(["json", "md", "html", "pdf"]), default="md", show_default=True)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report here (required for pdf; default: print to stdout).")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Policy rules YAML for the report's policy section.")
@pass_app
def audit_command(app: AppContext, node_id: str, as_of: str | None, fmt: str, output: Path | None,
                  rules_path: Path | None) -> None:
    """Audit report of a model version (or impact report of a dataset version).

    Exits 10 when the change log's hash chain is broken (the report still
    names the first bad entry). Sections hold at most MODELCTX_AUDIT_MAX_ROWS
    rows (default 2000); the report says which were summarised.
    """
    from modelctx.config import limits_from_env
    from modelctx.errors import ValidationError
    from modelctx.governance.audit import build_report
    from modelctx.governance.policies import load_rules
    from modelctx.governance.render import render_report
    from modelctx.graph.refs import resolve_ref
    from modelctx.times import upper_bound

    if fmt == "pdf" and output is None:
        raise ValidationError("--format pdf needs -o FILE.pdf")
    moment = upper_bound(as_of, "--as-of")  # options first: a bad time is a usage error whatever the node
    node_id = resolve_ref(app.store, node_id).id
    report = build_report(app.store, node_id, as_of=moment, rules=load_rules(rules_path),
                          max_rows=limits_from_env().audit_max_rows)
    data = render_report(report, fmt)
    verification = report["verification"]
    if output is None:
        click.echo(data.decode())
    else:
        write_output(output, data)
        click.echo(f"wrote {fmt} audit report of {node_id} to {output} (digest {report['digest'][:16]}…)", err=True)
    if not verification["ok"]:
        from modelctx.errors import IntegrityError

        raise IntegrityError(verification["summary"])


@click.group("export")
def export_group() -> None:
    """Export lineage in standard formats."""


@export_group.command("prov")
@click.argument("node_id", metavar="REF")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write PROV-JSON here (default: stdout).")
@pass_app
def export_prov_command(app: AppContext, node_id: str, output: Path | None) -> None:
    """The upstream lineage of a node as W3C PROV-JSON."""
    from modelctx.governance.prov import export_prov
    from modelctx.graph.refs import resolve_ref

    node_id = resolve_ref(app.store, node_id).id
    text = json.dumps(export_prov(app.store, node_id), indent=2, ensure_ascii=False)
    if output is None:
        click.echo(text)
    else:
        write_output(output, text.encode("utf-8"))
        click.echo(f"wrote PROV-JSON of {node_id} to {output}", err=True)


@click.group("policy")
def policy_group() -> None:
    """Governance policies."""


@policy_group.command("check")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="YAML file enabling, disabling or tuning the built-in rules.")
@click.option("--strict", is_flag=True, help="Exit 11 when there are findings (for CI gates).")
@json_option
@pass_app
def policy_check_command(app: AppContext, rules_path: Path | None, strict: bool, as_json: bool) -> None:
    """Check the built-in governance rules against the whole graph.

    Findings are printed and the exit status is 0, so the check can be run
    for information; add --strict to fail (exit 11) when anything is found.
    """
    from modelctx.governance.policies import check_policies, load_rules

    findings = check_policies(app.store, load_rules(rules_path))
    if as_json:
        emit_json({"findings": [f.to_json() for f in findings], "count": len(findings)})
    elif not findings:
        click.echo("no policy findings")
    else:
        click.echo(f"{len(findings)} policy finding(s):")
        for finding in findings:
            click.echo(f"[{finding.severity}] {finding.rule}: {finding.message}")
            for edge in finding.evidence:
                click.echo(f"    {edge.source} -{edge.type.value}-> {edge.target}")
    if strict and findings:
        from modelctx.errors import FindingsError

        raise FindingsError(f"{len(findings)} policy finding(s) and --strict was given")


@click.command("flag")
@click.argument("node_id", metavar="REF")
@click.option("--reason", required=False, default=None, help="Why it is bad (required unless --clear).")
@click.option("--clear", is_flag=True, help="Remove the flag.")
@json_option
@pass_app
def flag_command(app: AppContext, node_id: str, reason: str | None, clear: bool, as_json: bool) -> None:
    """Mark a dataset, dataset version or model version as bad (see `impact ID`, `policy check`)."""
    from modelctx.governance.flags import clear_flag, flag_node
    from modelctx.graph.lineage import impact
    from modelctx.graph.refs import resolve_ref

    actor = app.client.actor
    node_id = resolve_ref(app.store, node_id).id
    node = clear_flag(app.store, node_id, actor=actor) if clear else flag_node(app.store, node_id, reason or "",
                                                                               actor=actor)
    affected = impact(app.store, node_id)
    if as_json:
        emit_json({"node": node.to_json(), "impact": affected.to_json()})
        return
    if clear:
        click.echo(f"cleared the flag on {node_id}")
        return
    click.echo(f"flagged {node_id}: {node.properties['flag_reason']} (by {actor})")
    others = [v for v in affected.model_versions if v.id != node_id]
    click.echo(f"  affects {len(others)} model version(s) and {len(affected.deployments)} active deployment(s)")
    for version in others:
        click.echo(f"    {version.id}")
    for deployment in affected.deployments:
        click.echo(f"    {deployment.id} ({deployment.properties.get('environment', '')})")


@click.command("portfolio")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write the plots to (activity.png, models_by_state.png).")
@click.option("--rules", "rules_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
@json_option
@pass_app
def portfolio_command(app: AppContext, output: Path | None, rules_path: Path | None, as_json: bool) -> None:
    """Per project: activity, compute, models in production, findings and flagged data."""
    from modelctx.errors import ValidationError
    from modelctx.governance.policies import load_rules
    from modelctx.governance.portfolio import build_portfolio, write_plots

    data = build_portfolio(app.store, rules=load_rules(rules_path))
    try:
        written = write_plots(data, output) if output is not None else []
    except OSError as exc:
        raise ValidationError(f"-o {output}: cannot write the plots: {exc.strerror or exc}") from None
    if as_json:
        emit_json({**data, "plots": [str(p) for p in written]})
        return
    totals = data["totals"]
    click.echo(f"portfolio: {len(data['projects'])} project(s), {totals['runs']} runs, "
               f"{totals['compute_hours']:.1f} compute hours, {totals['models_in_production']} model(s) in "
               f"production, {totals['open_findings']} open finding(s), {totals['flagged']} flagged")
    for project in data["projects"]:
        click.echo(f"\n{project['project']}")
        lost = f"  lost: {project['runs_lost']}" if project.get("runs_lost") else ""
        click.echo(f"  runs: {project['runs']}{lost}  compute hours: {project['compute_hours']:.2f}")
        weeks = project["runs_per_week"]
        if weeks:
            click.echo("  runs per week: " + ", ".join(f"{w}: {c}" for w, c in list(weeks.items())[-8:]))
        for model in project["models_in_production"]:
            click.echo(f"  in production: {model['model_version']} on {model['deployment']} "
                       f"review={model['review_state']} severity={model['latest_severity'] or 'no report'}")
        for rule, count in project["findings_by_rule"].items():
            click.echo(f"  finding: {rule} x{count}")
        for flagged in project["flagged"]:
            click.echo(f"  flagged: {flagged['id']} ({flagged['reason']}) -> "
                       f"{len(flagged['dependent_model_versions'])} model version(s), "
                       f"{len(flagged['dependent_deployments'])} deployment(s)")
    for path in written:
        click.echo(f"wrote {path}")
