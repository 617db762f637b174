"""Human ids in the CLI and the API, on the demo world (issue 16 item 9): ``show tumour-classifier@2`` and the rest."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from modelctx.api.app import create_app
from modelctx.api.tokens import create_token
from modelctx.cli import main
from modelctx.client import Client
from modelctx.config import Settings
from modelctx.demo.world import build_demo_world
from modelctx.graph.model import NodeKind

V2 = "model_version:tumour-classifier/2"


def _forms(client: Client) -> dict[str, str]:
    """Each human form and the id it must resolve to, read from the demo world as built."""
    store = client.store
    [commit] = store.find_nodes(NodeKind.COMMIT, limit=1)
    datasets = {n.properties["name"]: n.id for n in store.find_nodes(NodeKind.DATASET_VERSION, {"dataset": "wine"})}
    return {
        "tumour-classifier@2": V2,
        "tumour-classifier@production": V2,
        "tumour-classifier@candidate": "model_version:tumour-classifier/3",
        "tumour-classifier": "model_version:tumour-classifier/3",
        "wine@2": datasets["wine@2"],
        "model:wine-cultivar": "model:wine-cultivar",
        "model_version:tumour-classifier/2": V2,
        commit.id.partition(":")[2][:10]: commit.id,
        "deployment:wine-cultivar/": store.find_nodes(NodeKind.DEPLOYMENT, {"project": "winery"})[0].id,
    }


def test_cli_commands_take_every_human_form(client: Client, store_uri: str, tmp_path: Path) -> None:
    build_demo_world(client)
    runner = CliRunner()
    for ref, expected in _forms(client).items():
        result = runner.invoke(main, ["--store", store_uri, "show", ref, "--json"])
        assert result.exit_code == 0, (ref, result.output)
        assert json.loads(result.stdout)["id"] == expected, ref

    lineage = runner.invoke(main, ["--store", store_uri, "lineage", "tumour-classifier@2", "--depth", "1", "--json"])
    assert lineage.exit_code == 0, lineage.output
    assert V2 in {n["id"] for n in json.loads(lineage.stdout)["nodes"]}
    impact = runner.invoke(main, ["--store", store_uri, "impact", "tumour-classifier@production", "--json"])
    assert impact.exit_code == 0 and json.loads(impact.stdout)["node"]["id"] == V2
    note = runner.invoke(main, ["--store", store_uri, "note", "tumour-classifier@2", "checked by hand", "--json"])
    assert note.exit_code == 0 and json.loads(note.stdout)["about"] == V2
    prov = runner.invoke(main, ["--store", store_uri, "export", "prov", "tumour-classifier@2"])
    assert prov.exit_code == 0 and "tumour-classifier/2" in prov.stdout
    audit = runner.invoke(main, ["--store", store_uri, "audit", "tumour-classifier@2", "--format", "json"])
    assert json.loads(audit.stdout)["subject"]["id"] == V2, audit.output

    typo = runner.invoke(main, ["--store", store_uri, "show", "tumour-classifer@2"])
    assert typo.exit_code == 3
    assert typo.stderr.startswith("error: no node with id 'tumour-classifer@2'; did you mean: tumour-classifier@2")
    ambiguous = runner.invoke(main, ["--store", store_uri, "show", "model_version:tumour"])
    assert ambiguous.exit_code == 4
    assert ambiguous.stderr == (
        "error: node reference 'model_version:tumour' is ambiguous: it matches model_version:tumour-classifier/1, "
        "model_version:tumour-classifier/2, model_version:tumour-classifier/3; give more of the id\n")


def test_api_routes_take_every_human_form_and_scoped_tokens_resolve_only_their_view(
    client: Client, tmp_path: Path
) -> None:
    build_demo_world(client)
    forms = _forms(client)
    with TestClient(create_app(client), base_url="http://127.0.0.1") as http:
        for ref, expected in forms.items():
            response = http.get(f"/api/v1/nodes/{ref}")
            assert response.status_code == 200, (ref, response.text)
            assert response.json()["id"] == expected
        assert http.get("/api/v1/lineage/tumour-classifier@2", params={"depth": 1}).json()["root"] == V2
        assert http.get("/api/v1/impact/tumour-classifier@production").json()["node"]["id"] == V2
        assert http.get("/api/v1/context/tumour-classifier@2").json()["node"]["id"] == V2
        assert http.get("/api/v1/audit/tumour-classifier@2").json()["subject"]["id"] == V2
        missing = http.get("/api/v1/nodes/tumour-classifer@2")
        assert missing.status_code == 404
        assert missing.json()["detail"].startswith(
            "no node with id 'tumour-classifer@2'; did you mean: tumour-classifier@2")
        assert missing.json()["suggestions"][0] == "tumour-classifier@2"  # a list the page can link
        ambiguous = http.get("/api/v1/nodes/model_version:tumour")
        assert ambiguous.status_code == 422
        assert ambiguous.json()["error"] == "ValidationError"
        assert ambiguous.json()["candidates"] == [f"model_version:tumour-classifier/{n}" for n in (1, 2, 3)]
        noted = http.post("/api/v1/notes", json={"node_id": "tumour-classifier@2", "text": "looked at it"})
        assert noted.status_code == 201 and noted.json()["about"] == V2

    app = create_app(Client(client.store, Settings(home=tmp_path / "tokens"), "user:test"), require_tokens=True)
    with TestClient(app) as secure:
        winery = {"Authorization": f"Bearer {create_token(app.state.client, 'w', 'reader', 'winery')[1]}"}
        # oncology's versions are not winery's: each form is a 404 like a missing id, never a 422 or a suggestion.
        for ref in ("tumour-classifier@2", "tumour-classifier", "model_version:tumour", V2):
            response = secure.get(f"/api/v1/nodes/{ref}", headers=winery)
            assert response.status_code == 404, (ref, response.text)
            assert "tumour-classifier/" not in response.json()["detail"].replace(ref, "")
        # winery's own, and shared things, resolve; a prefix that oncology shares is unique in winery's view.
        assert secure.get("/api/v1/nodes/wine-cultivar@2", headers=winery).json()["id"] == (
            "model_version:wine-cultivar/2")
        assert secure.get("/api/v1/nodes/deployment:", headers=winery).json()["id"] == forms[
            "deployment:wine-cultivar/"]
