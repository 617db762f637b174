"""The model server: ``modelctx serve-model NAME@VERSION|NAME@ALIAS``.

Start-up order is the safety argument: resolve the version, ask the
governance gate, load the artifact checking its digest, and only then record
the Deployment — a refused or tampered model never appears as deployed.
Shutdown marks the deployment retired.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# fastapi at module level: FastAPI resolves the endpoints' annotations (Request) from these globals.
from fastapi import Body, FastAPI, Request, Response

from modelctx.errors import ValidationError
from modelctx.graph.model import Node
from modelctx.serving.deployment import prediction_log_path, record_deployment, retire_deployment
from modelctx.serving.predictions import PredictionLog, now_utc
from modelctx.training.tracking import json_value

if TYPE_CHECKING:
    from modelctx.client import Client


@dataclass
class ModelService:
    """A loaded, approved model version behind one deployment, logging what it predicts."""

    client: Client
    version: Node
    deployment: Node
    model: Any
    features: list[str]
    log: PredictionLog

    def predict(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Predict for feature dicts; each prediction gets an id and is logged."""
        import pandas as pd

        if not rows:
            raise ValidationError("no instances to predict")
        for i, row in enumerate(rows):
            if not isinstance(row, dict):
                raise ValidationError(f"instance {i}: expected an object of feature values")
            missing = [f for f in self.features if f not in row]
            if missing:
                raise ValidationError(f"instance {i}: missing feature(s) {', '.join(map(repr, missing[:5]))}"
                                      + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
        columns = self.features or list(rows[0])
        frame = pd.DataFrame(rows, columns=columns)  # extra keys in a row are left out by ``columns``
        try:
            outputs = self.model.predict(frame)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"the model could not predict on this input: {exc}") from None
        at = now_utc()
        results = []
        logged = []
        for row, output in zip(rows, outputs, strict=True):
            pid = uuid.uuid4().hex
            value = json_value(output, "prediction")
            results.append({"id": pid, "prediction": value})
            logged.append((pid, at, {c: row[c] for c in columns}, value))
        self.log.append_predictions(logged)
        return results

    def label(self, prediction_id: str, label: Any) -> None:
        self.log.append_label(prediction_id, json_value(label, "label"), now_utc())

    def close(self, *, retire: bool = True) -> None:
        self.log.close()
        if retire:
            retire_deployment(self.client, self.deployment.id)


def open_service(
    client: Client,
    ref: str,
    *,
    endpoint: str | None = None,
    environment: str = "local",
    override_reason: str | None = None,
) -> ModelService:
    """Resolve ``ref``, pass the governance gate, load the verified artifact, record the deployment."""
    from modelctx.serving.gate import require_approval
    from modelctx.training.artifacts import load_artifact
    from modelctx.training.registry import resolve_model_version

    version = resolve_model_version(client.store, ref)
    if override_reason is None:  # asked before loading: a refused model is never even read
        require_approval(client.store, version.id)
    model = load_artifact(str(version.properties.get("artifact_uri", "")), version.properties.get("digest"))
    deployment = record_deployment(client, version, environment=environment, endpoint=endpoint,
                                   override_reason=override_reason)
    features = list((version.properties.get("signature") or {}).get("inputs") or [])
    log = PredictionLog(prediction_log_path(client, deployment.id))
    return ModelService(client, version, deployment, model, features, log)


def create_model_app(service: ModelService, *, retire_on_shutdown: bool = True) -> FastAPI:
    """The prediction API: ``POST /predict``, ``POST /predictions/{id}/label``, ``GET /health``."""
    from modelctx.api.errors import install_error_handlers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close(retire=retire_on_shutdown)

    props = service.version.properties
    app = FastAPI(title=f"modelctx model server: {props.get('name', service.version.id)}", lifespan=lifespan)
    install_error_handlers(app)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "model_version": service.version.id, "deployment": service.deployment.id,
                "features": service.features}

    # async with a CPU-bound body on purpose: a thread hop would add more latency than predict() costs.
    # The body is parsed and the answer serialised by hand: FastAPI's encoders cost more than the model.
    @app.post("/predict", response_class=Response, openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"type": "object", "properties": {
            "features": {"type": "object", "description": "Feature values of one instance."},
            "instances": {"type": "array", "items": {"type": "object"}, "description": "Several instances."},
        }}}}}})
    async def predict(request: Request) -> Response:
        """Body ``{"features": {...}}`` for one prediction or ``{"instances": [{...}, ...]}`` for many."""
        started = time.perf_counter()
        try:
            body = json.loads(await request.body())
        except ValueError:
            raise ValidationError("request body is not JSON") from None
        if not isinstance(body, dict):
            raise ValidationError("request body must be a JSON object")
        if "instances" in body:
            rows = body["instances"]
            if not isinstance(rows, list):
                raise ValidationError("'instances' must be a list of objects")
            answer = {"deployment": service.deployment.id, "predictions": service.predict(rows)}
        elif "features" in body:
            answer = {"deployment": service.deployment.id, **service.predict([body["features"]])[0]}
        else:
            raise ValidationError("request body needs 'features' (one object) or 'instances' (a list)")
        content = json.dumps(answer, separators=(",", ":"))
        # Server-Timing tells a client how much of its latency was the model server's own work.
        spent = (time.perf_counter() - started) * 1000
        return Response(content, media_type="application/json", headers={"server-timing": f"app;dur={spent:.3f}"})

    @app.post("/predictions/{prediction_id}/label")
    async def label(prediction_id: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """Body ``{"label": <true outcome>}``: monitoring uses it to measure accuracy."""
        if "label" not in body:
            raise ValidationError("request body needs 'label'")
        service.label(prediction_id, body["label"])
        return {"id": prediction_id, "label": body["label"]}

    return app


def serve_model(
    client: Client,
    ref: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8100,
    override_reason: str | None = None,
    environment: str = "local",
    announce: Callable[[ModelService], None] | None = None,
) -> None:
    """Run the model server until interrupted; the deployment is retired on the way out."""
    from modelctx.listening import bind_listener, run_uvicorn

    sock = bind_listener(host, port)  # before the deployment is recorded: a taken port records nothing
    try:
        service = open_service(client, ref, endpoint=f"http://{host}:{port}/predict", environment=environment,
                               override_reason=override_reason)
        try:
            if announce is not None:
                announce(service)
            run_uvicorn(create_model_app(service), sock)
        finally:
            service.close()
    finally:
        sock.close()  # also when the gate refuses the version
