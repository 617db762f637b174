"""Portfolio numbers on a small graph."""

from __future__ import annotations

from datetime import UTC, datetime

from modelctx.governance.flags import flag_node
from modelctx.governance.portfolio import build_portfolio, portfolio_plots
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore
from tests.governance.world import n

FRESH = datetime(2026, 1, 22, tzinfo=UTC)


def test_portfolio_numbers(store: GraphStore, world: dict[str, Node]) -> None:
    store.write([
        # same ISO week as the world's run (2026-W03), 30 minutes
        n(NodeKind.RUN, "mlflow", "r2", project="churn", started_at="2026-01-13T08:00:00+00:00",
          ended_at="2026-01-13T08:30:00+00:00"),
        # another project, epoch milliseconds as MLflow stores them (Sunday 2026-02-01 10:00): 1 hour
        n(NodeKind.RUN, "mlflow", "r3", project="fraud", started_at=1769940000000, ended_at=1769943600000),
        # still running: counted, no compute hours
        n(NodeKind.RUN, "mlflow", "r4", project="fraud", started_at="2026-02-02T00:00:00+00:00"),
    ], [])
    flag_node(store, world["raw"].id, "bad export", actor="user:carol")
    data = build_portfolio(store, now=FRESH)
    projects = {p["project"]: p for p in data["projects"]}
    churn, fraud = projects["churn"], projects["fraud"]
    assert churn["runs"] == 2 and churn["compute_hours"] == 3.0
    assert churn["runs_per_week"] == {"2026-W03": 2}
    assert fraud["runs"] == 2 and fraud["compute_hours"] == 1.0
    assert fraud["runs_per_week"] == {"2026-W05": 1, "2026-W06": 1}  # Sunday 1 Feb, Monday 2 Feb
    assert churn["models_in_production"] == [{
        "deployment": world["deployment"].id, "model_version": world["version"].id, "name": "churn v1",
        "environment": "prod", "review_state": "approved", "latest_severity": "medium",
        "latest_report": world["report"].id,
    }]
    assert churn["findings_by_rule"] == {"trained_on_flagged_data": 2}
    [flagged] = churn["flagged"]
    assert flagged["dependent_model_versions"] == [world["version"].id]
    assert flagged["dependent_deployments"] == [world["deployment"].id]
    assert data["totals"] == {"runs": 4, "compute_hours": 4.0, "models_in_production": 1, "open_findings": 2,
                              "flagged": 1}
    plots = portfolio_plots(data)
    assert set(plots) == {"activity.png", "models_by_state.png"}
    assert all(png.startswith(b"\x89PNG") for png in plots.values())
