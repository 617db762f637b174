"""PROV-JSON export: valid for the prov package, with the relations the graph implies."""

from __future__ import annotations

import json

from prov.model import ProvDocument

from modelctx.governance.prov import export_prov
from modelctx.graph.model import Node
from modelctx.graph.store import GraphStore


def test_export_validates_and_maps_lineage(store: GraphStore, world: dict[str, Node]) -> None:
    doc = export_prov(store, world["version"].id)
    parsed = ProvDocument.deserialize(content=json.dumps(doc), format="json")
    provn = parsed.get_provn()
    assert set(doc["activity"]) == {world["run"].id}
    assert set(doc["agent"]) == {world["ana"].id}
    assert {world["version"].id, world["clean"].id, world["raw"].id, world["commit"].id, world["env"].id,
            world["feature"].id, world["model"].id} <= set(doc["entity"])
    used = {(r["prov:activity"], r["prov:entity"], r.get("prov:role")) for r in doc["used"].values()}
    assert (world["run"].id, world["clean"].id, "training") in used
    assert [(r["prov:entity"], r["prov:activity"]) for r in doc["wasGeneratedBy"].values()] == [
        (world["version"].id, world["run"].id)]
    derived = {(r["prov:generatedEntity"], r["prov:usedEntity"]) for r in doc["wasDerivedFrom"].values()}
    assert (world["clean"].id, world["raw"].id) in derived
    assert [(r["prov:activity"], r["prov:agent"]) for r in doc["wasAssociatedWith"].values()] == [
        (world["run"].id, world["ana"].id)]
    assert "wasGeneratedBy(model_version:churn/1, run:mlflow/4b1e" in provn
    assert doc["entity"][world["clean"].id]["mctx:rows"] == 11800
    # Reviews and deployments are downstream of the model version: not part of its provenance.
    assert world["review"].id not in doc["entity"]


def test_export_of_a_deployment_reaches_its_model(store: GraphStore, world: dict[str, Node]) -> None:
    doc = export_prov(store, world["deployment"].id)
    ProvDocument.deserialize(content=json.dumps(doc), format="json")
    derived = {(r["prov:generatedEntity"], r["prov:usedEntity"]) for r in doc["wasDerivedFrom"].values()}
    assert (world["deployment"].id, world["version"].id) in derived
