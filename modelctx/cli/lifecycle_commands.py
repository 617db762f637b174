"""Lifecycle commands: train from a config, serve a model version, monitor a deployment."""

from __future__ import annotations

from pathlib import Path

import click

from modelctx.cli.context import AppContext, emit_json, json_option, pass_app


@click.command("train")
@click.argument("config_path", metavar="CONFIG.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_app
def train_command(app: AppContext, config_path: Path, as_json: bool) -> None:
    """Train a scikit-learn pipeline from a config; the run and model version are recorded."""
    from modelctx.training.train import load_train_config, train_from_config

    result = train_from_config(app.client, load_train_config(config_path))
    if as_json:
        emit_json({"run": result.run_id, "model_version": result.model_version.to_json(), "metrics": result.metrics})
        return
    click.echo(f"run {result.run_id} finished")
    for key, value in result.metrics.items():
        click.echo(f"  {key}: {value:.4f}")
    props = result.model_version.properties
    click.echo(f"model version {result.model_version.id} (artifact {props.get('artifact_uri')}, {props.get('digest')})")


@click.command("serve-model")
@click.argument("ref", metavar="NAME@VERSION|NAME@ALIAS|REF")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8100, show_default=True, type=click.IntRange(1, 65535))
@click.option("--environment", default="local", show_default=True, help="Environment name recorded on the deployment.")
@click.option("--override-governance", "override_reason", metavar="REASON", default=None,
              help="Serve a version that is not approved; the decision, reason and actor are recorded.")
@pass_app
def serve_model_command(app: AppContext, ref: str, host: str, port: int, environment: str,
                        override_reason: str | None) -> None:
    """Serve an approved model version over HTTP (POST /predict) and record the deployment."""
    from modelctx.serving.server import ModelService, serve_model

    def announce(service: ModelService) -> None:
        deployment = service.deployment
        if "governance_override" in deployment.properties:
            click.echo(f"WARNING: governance overridden for {service.version.id}: {override_reason}", err=True)
        click.echo(f"serving {service.version.id} as {deployment.id}")
        click.echo(f"  POST http://{host}:{port}/predict   (prediction log: {service.log.path})")
        click.echo(f"  monitor with: modelctx monitor {deployment.id}")

    serve_model(app.client, ref, host=host, port=port, override_reason=override_reason,
                environment=environment, announce=announce)


@click.command("monitor")
@click.argument("deployment_id", metavar="REF")
@click.option("--window", default="24h", show_default=True,
              help="'all', the latest N predictions (500), or a duration (30m, 24h, 7d).")
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots of drifted features.")
@json_option
@pass_app
def monitor_command(app: AppContext, deployment_id: str, window: str, no_plots: bool, as_json: bool) -> None:
    """Compare a deployment's recent predictions with its training data; write a MonitoringReport."""
    from modelctx.graph.refs import resolve_ref
    from modelctx.monitoring.report import monitor_deployment

    deployment_id = resolve_ref(app.client.store, deployment_id).id
    outcome = monitor_deployment(app.client, deployment_id, window=window, plots=not no_plots)
    if as_json:
        emit_json(outcome.to_json())
        return
    props = outcome.report.properties
    click.echo(f"{outcome.report.id}: severity {outcome.severity} over {props.get('predictions')} predictions")
    click.echo(f"  {props.get('description')}")
    for item in outcome.drift[:10]:
        mark = "!" if item.drifted else " "
        click.echo(f"  {mark} {item.feature:<28} PSI {item.psi:6.3f}  KS {item.ks_statistic:5.3f} "
                   f"(p={item.ks_pvalue:.2g})  {item.severity}")
    for uri in outcome.plots:
        click.echo(f"  plot: {uri}")
    if outcome.insight_id:
        click.echo(f"  insight: {outcome.insight_id}")
