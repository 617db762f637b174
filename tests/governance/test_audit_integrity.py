"""Audit reports say when the tables differ from the log, and carry the log's head as a checkpoint."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from modelctx.cli import main
from modelctx.governance.audit import build_report
from modelctx.governance.render import render_report
from modelctx.graph.checkpoint import Checkpoint, SigningKey
from modelctx.graph.model import Node
from modelctx.graph.scoped import ScopedGraphStore
from modelctx.graph.store import GraphStore
from tests.backends import BackendHarness
from tests.governance.world import governed_world

KEY = "governance-test-signing-key-0123456789"
TAMPERED = ('tables differ from the change log: node review:rv-1 has property \'verdict\' = "approved" in the '
            'tables but "rejected" in the change log (last written by entry 1)')


def _rejected_world(store: GraphStore) -> dict[str, Node]:
    """The governed world whose review rejected the version (entry 1 writes everything)."""
    nodes, edges, names = governed_world()
    review = names["review"]
    rejected = Node(review.id, review.kind, {**review.properties, "verdict": "rejected"})
    store.write([rejected if n.id == review.id else n for n in nodes], edges, actor="user:ana")
    return names


def test_an_approval_forged_in_the_table_is_reported_beside_the_approval(
    store: GraphStore, backend: BackendHarness, tmp_path: Path
) -> None:
    names = _rejected_world(store)
    backend.tamperer(store).set_property(names["review"].id, "verdict", "approved")
    report = build_report(store, names["version"].id)
    # The report is built from the tables, which now say approved — and says they do not match the log.
    assert report["approval"]["approved"] is True
    verification = report["verification"]
    assert (verification["ok"], verification["first_bad_seq"], verification["summary"]) == (False, None, TAMPERED)
    assert verification["tables"]["differences"] == 1
    assert TAMPERED in render_report(report, "md").decode()
    page = render_report(report, "html").decode()
    assert "<a href='/nodes/review%3Arv-1' title='review:rv-1'><code>review:rv-1</code></a>" in page
    assert TAMPERED in html.unescape(re.sub(r"<[^>]+>", "", page))  # the id is a link to its node page
    pdf = "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_report(report, "pdf"))).pages)
    assert "tables differ from the change log" in pdf and "review:rv-1" in pdf
    uri = backend.uri(tmp_path)
    result = CliRunner().invoke(main, ["--store", uri, "audit", names["version"].id, "--format", "json"])
    assert result.exit_code == 10 and result.stderr == f"error: {TAMPERED}\n"


def test_a_scoped_report_says_the_tables_differ_without_naming_the_place(
    store: GraphStore, backend: BackendHarness
) -> None:
    names = _rejected_world(store)
    backend.tamperer(store).set_property(names["review"].id, "verdict", "approved")
    report = build_report(ScopedGraphStore(store, "churn"), names["version"].id)
    assert report["verification"]["summary"] == (
        "tables differ from the change log: the first difference is a node last written by entry 1; the places are "
        "not shown in the view of project 'churn'")
    assert report["verification"]["tables"]["first_difference"] == {"record": "node", "seq": 1, "place": None}


def test_a_report_prints_the_head_and_is_a_checkpoint(
    store: GraphStore, world: dict[str, Node], monkeypatch: pytest.MonkeyPatch
) -> None:
    head = store.verify()
    at = datetime(2026, 5, 1, 12, tzinfo=UTC)
    report = build_report(store, world["version"].id, now=at)
    assert report["verification"]["head"] == {"seq": head.last_seq, "hash": head.head_hash}
    assert report["checkpoint"] == {"format": "modelctx-checkpoint/1", "store": store.uri, "seq": head.last_seq,
                                    "hash": head.head_hash, "at": "2026-05-01T12:00:00+00:00"}
    markdown = render_report(report, "md").decode()
    assert f"Head of the change log: entry {head.last_seq}, hash {head.head_hash}" in markdown
    assert '"format": "modelctx-checkpoint/1"' in markdown
    checkpoint = Checkpoint.from_json(report, "report.json")
    assert store.verify_integrity(checkpoint=checkpoint).ok
    # Signed with the key of whoever ran it; the digest covers neither the time nor the signature.
    monkeypatch.setenv("MODELCTX_SIGNING_KEY", KEY)
    signed = build_report(store, world["version"].id, now=datetime(2026, 5, 2, tzinfo=UTC))
    assert signed["digest"] == report["digest"] and len(signed["checkpoint"]["hmac"]) == 64
    assert store.verify_integrity(checkpoint=Checkpoint.from_json(signed, "signed.json"), key=SigningKey(KEY)).ok


def test_a_report_of_a_broken_chain_carries_no_checkpoint(store: GraphStore, backend: BackendHarness) -> None:
    names = _rejected_world(store)
    backend.tamper_change(store, 1)
    report = build_report(store, names["version"].id)
    assert report["checkpoint"] is None and report["verification"]["summary"].startswith("change log BROKEN at entry 1")
