"""OpenLineage events shaped like Spark, dbt and Airflow emit them, built with the openlineage-python client.

A three-day history of one warehouse: a loader appends raw orders (Spark,
S3), a MERGE job folds them into ``shop.public.orders`` reading the table it
writes (Spark, a two-host MySQL namespace), a dbt model aggregates orders into
a report (Postgres), all under one Airflow DAG run (parent and root facets).
Every run's times are known, so which version each run read is known exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PRODUCER_SPARK = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/spark"
PRODUCER_DBT = "https://github.com/OpenLineage/OpenLineage/tree/1.54.0/integration/dbt"
PRODUCER_AIRFLOW = "https://github.com/apache/airflow/tree/providers-openlineage/2.0.0"
RAW = ("s3://lake", "raw/orders")
ORDERS = ("mysql://db1:3306,db2:3306", "shop.public.orders")
REPORT = ("postgres://warehouse:5432", "analytics.public.daily_revenue")
DAY0 = datetime(2025, 9, 29, 1, 0, tzinfo=UTC)
DAYS = 3


def uid(seed: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


@dataclass
class History:
    """The events, and per job the (run id, start, complete) of each of its runs."""

    events: list[Any] = field(default_factory=list)
    runs: dict[str, list[tuple[str, datetime, datetime]]] = field(default_factory=dict)


def _schema(*columns: str) -> Any:
    from openlineage.client.facet_v2 import schema_dataset

    return schema_dataset.SchemaDatasetFacet(
        fields=[schema_dataset.SchemaDatasetFacetFields(name=c, type="DECIMAL" if c == "amount" else "STRING")
                for c in columns])


def _column_lineage(source: tuple[str, str], mapping: dict[str, tuple[str, str, str | None]],
                    filter_on: str | None = None) -> Any:
    from openlineage.client.facet_v2 import column_lineage_dataset as cl

    fields = {
        out: cl.Fields(inputFields=[cl.InputField(namespace=source[0], name=source[1], field=src, transformations=[
            cl.Transformation(type=kind, subtype=subtype)])])
        for out, (src, kind, subtype) in mapping.items()
    }
    dataset = [cl.InputField(namespace=source[0], name=source[1], field=filter_on, transformations=[
        cl.Transformation(type="INDIRECT", subtype="FILTER")])] if filter_on else None
    return cl.ColumnLineageDatasetFacet(fields=fields, dataset=dataset) if dataset else cl.ColumnLineageDatasetFacet(
        fields=fields)


def _event(state: Any, at: datetime, run_id: str, job: tuple[str, str], producer: str, *, inputs: list[Any],
           outputs: list[Any], parent: tuple[str, tuple[str, str]] | None = None,
           job_facets: dict[str, Any] | None = None) -> Any:
    from openlineage.client.event_v2 import Job, Run, RunEvent
    from openlineage.client.facet_v2 import parent_run

    run_facets: dict[str, Any] = {}
    if parent is not None:
        dag_run, dag = parent
        run_facets["parent"] = parent_run.ParentRunFacet(
            run=parent_run.Run(runId=dag_run), job=parent_run.Job(namespace=dag[0], name=dag[1]),
            root=parent_run.Root(run=parent_run.RootRun(runId=dag_run),
                                 job=parent_run.RootJob(namespace=dag[0], name=dag[1])))
    return RunEvent(eventType=state, eventTime=at.isoformat(), run=Run(runId=run_id, facets=run_facets),
                    job=Job(namespace=job[0], name=job[1], facets=job_facets or {}), producer=producer,
                    inputs=inputs, outputs=outputs)


def warehouse_history() -> History:
    """Loader, MERGE and dbt runs on three days, each START and COMPLETE, under daily Airflow DAG runs."""
    from openlineage.client.event_v2 import InputDataset, OutputDataset, RunState
    from openlineage.client.facet_v2 import sql_job

    history = History()
    for day in range(DAYS):
        base = DAY0 + timedelta(days=day)
        dag_run = uid(f"dag-{day}")
        dag = ("airflow", "warehouse_daily")
        history.events += [
            _event(RunState.START, base, dag_run, dag, PRODUCER_AIRFLOW, inputs=[], outputs=[]),
            _event(RunState.COMPLETE, base + timedelta(hours=5), dag_run, dag, PRODUCER_AIRFLOW, inputs=[],
                   outputs=[]),
        ]
        orders_columns = ("order_id", "customer", "amount") + (("channel",) if day == 2 else ())
        steps = [
            ("load_raw", ("spark", "load_raw_orders"), PRODUCER_SPARK, timedelta(minutes=10), [],
             [OutputDataset(namespace=RAW[0], name=RAW[1], facets={"schema": _schema(*orders_columns)})], None),
            ("merge", ("spark", "merge_orders"), PRODUCER_SPARK, timedelta(hours=1),
             [InputDataset(namespace=RAW[0], name=RAW[1]), InputDataset(namespace=ORDERS[0], name=ORDERS[1])],
             [OutputDataset(namespace=ORDERS[0], name=ORDERS[1], facets={
                 "schema": _schema(*orders_columns),
                 "columnLineage": _column_lineage(RAW, {c: (c, "DIRECT", "IDENTITY") for c in orders_columns}),
             })], None),
            ("report", ("dbt", "analytics.daily_revenue"), PRODUCER_DBT, timedelta(hours=3),
             [InputDataset(namespace=ORDERS[0], name=ORDERS[1])],
             [OutputDataset(namespace=REPORT[0], name=REPORT[1], facets={
                 "schema": _schema("customer", "amount"),
                 "columnLineage": _column_lineage(ORDERS, {"customer": ("customer", "DIRECT", "IDENTITY"),
                                                           "amount": ("amount", "DIRECT", "AGGREGATION")},
                                                  filter_on="order_id"),
             })], {"sql": sql_job.SQLJobFacet(query=f"select customer, sum(amount) from orders -- v{min(day, 1)}")}),
        ]
        for label, job, producer, offset, inputs, outputs, facets in steps:
            run_id = uid(f"{label}-{day}")
            start, end = base + offset, base + offset + timedelta(minutes=30)
            history.runs.setdefault(label, []).append((run_id, start, end))
            for state, at in ((RunState.START, start), (RunState.COMPLETE, end)):
                history.events.append(_event(state, at, run_id, job, producer, inputs=inputs, outputs=outputs,
                                             parent=(dag_run, dag), job_facets=facets))
    return history


def event_json(event: Any) -> str:
    from openlineage.client.serde import Serde

    return str(Serde.to_json(event))
