"""A Marquez-compatible read API (subset): what a Marquez client or web UI reads, over the caller's view.

Routes follow Marquez's published API (``spec/openapi.yml`` of the Marquez
repository): ``GET /api/v1/lineage?nodeId=…&depth=N``, ``/namespaces``,
``/namespaces/{ns}/jobs``, ``/namespaces/{ns}/datasets`` and
``/namespaces/{ns}/jobs/{job}/runs``, and one job or dataset
(``/namespaces/{ns}/jobs/{job}``, ``/namespaces/{ns}/datasets/{dataset}``), which
Marquez's web UI opens; the answers are built by
``interop/marquez.py``. Namespaces such as ``s3://bucket`` are sent
URL-encoded and may hold ``/`` once decoded, hence the ``path`` parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from modelctx.api.deps import Access, json_response, read_access, request_limits
from modelctx.api.work import run_bounded
from modelctx.budget import Budget
from modelctx.interop import marquez

router = APIRouter(tags=["marquez"])

Limit = Annotated[int, Query(ge=0, le=marquez.MAX_LIMIT, description="Results to return from offset")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Position of the first result")]


async def _bounded(request: Request, what: str, work: Callable[[], dict[str, Any]]) -> Response:
    budget = Budget(request_limits(request).request_seconds)
    answer = await run_bounded(request, work, budget, what)
    return json_response(answer)


@router.get("/lineage", summary="Marquez lineage graph of a dataset or job (nodeId=dataset:NS:NAME|job:NS:NAME)")
async def get_marquez_lineage(
    request: Request, access: Annotated[Access, Depends(read_access)],
    nodeId: Annotated[str, Query(min_length=1, max_length=2000)],  # noqa: N803 - Marquez's parameter name
    depth: Annotated[int, Query(ge=0, le=100)] = 20,
) -> Response:
    return await _bounded(request, f"lineage of {nodeId}", lambda: marquez.lineage_graph(access.store, nodeId, depth))


@router.get("/namespaces", summary="Marquez namespaces (of OpenLineage jobs and datasets)")
async def get_namespaces(
    request: Request, access: Annotated[Access, Depends(read_access)], limit: Limit = 100, offset: Offset = 0,
) -> Response:
    return await _bounded(request, "namespaces", lambda: marquez.namespaces(access.store, limit=limit, offset=offset))


@router.get("/namespaces/{namespace:path}/jobs/{job:path}/runs", summary="Marquez runs of a job, latest first")
async def get_job_runs(
    namespace: str, job: str, request: Request, access: Annotated[Access, Depends(read_access)],
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    return await _bounded(request, f"runs of {namespace}/{job}",
                          lambda: marquez.job_runs(access.store, namespace, job, limit=limit, offset=offset))


@router.get("/namespaces/{namespace:path}/jobs/{job:path}", summary="Marquez job, with its latest runs")
async def get_job(namespace: str, job: str, request: Request,
                  access: Annotated[Access, Depends(read_access)]) -> Response:
    return await _bounded(request, f"job {namespace}/{job}", lambda: marquez.job(access.store, namespace, job))


@router.get("/namespaces/{namespace:path}/datasets/{dataset:path}", summary="Marquez dataset")
async def get_dataset(namespace: str, dataset: str, request: Request,
                      access: Annotated[Access, Depends(read_access)]) -> Response:
    return await _bounded(request, f"dataset {namespace}/{dataset}",
                          lambda: marquez.dataset(access.store, namespace, dataset))


@router.get("/namespaces/{namespace:path}/jobs", summary="Marquez jobs of a namespace")
async def get_jobs(
    namespace: str, request: Request, access: Annotated[Access, Depends(read_access)],
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    return await _bounded(request, f"jobs of {namespace}",
                          lambda: marquez.jobs(access.store, namespace, limit=limit, offset=offset))


@router.get("/namespaces/{namespace:path}/datasets", summary="Marquez datasets of a namespace")
async def get_datasets(
    namespace: str, request: Request, access: Annotated[Access, Depends(read_access)],
    limit: Limit = 100, offset: Offset = 0,
) -> Response:
    return await _bounded(request, f"datasets of {namespace}",
                          lambda: marquez.datasets(access.store, namespace, limit=limit, offset=offset))
