"""``modelctx verify`` and ``modelctx checkpoint`` from a real process: exit 10 naming the place, one stderr line.

Each tampering is done with sqlite3 on the store's file, as someone with the
file (but not modelctx) would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from modelctx.graph.changelog import GENESIS_HASH, Change, make_change
from modelctx.graph.model import Node, NodeKind
from modelctx.graph.store import GraphStore, open_store
from tests.backends import BackendHarness, SqliteTamperer
from tests.contract.graphs import lineage_world

KEY = "cli-test-signing-key-do-not-print-0123456789"
REVIEW = "review:rv1"


def _cli(*args: str, cwd: Path, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELCTX_HOME": str(cwd / "home")}
    env.pop("MODELCTX_STORE", None)
    env.pop("MODELCTX_SIGNING_KEY", None)
    if key is not None:
        env["MODELCTX_SIGNING_KEY"] = key
    return subprocess.run([sys.executable, "-m", "modelctx", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120, check=False)


def _fails(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    """Exit ``code``, exactly one stderr line ``error: <message>``, no traceback anywhere."""
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    assert (done.returncode, done.stderr.splitlines()) == (code, [f"error: {message}"])


@pytest.fixture
def uri(tmp_path: Path) -> str:
    """Entry 1: the nodes (the review says "rejected"); 2: the edges; 3-5: a note each."""
    uri = f"sqlite:///{tmp_path / 'g.db'}"
    store = open_store(uri)
    nodes, edges, _ = lineage_world()
    store.write([Node(x.id, x.kind, {"verdict": "rejected"}) if x.id == REVIEW else x for x in nodes], [])
    store.write([], edges)
    for i in range(1, 4):
        store.upsert_nodes([Node(f"insight:note-{i}", NodeKind.INSIGHT, {"text": f"note {i}"})])
    store.close()
    return uri


def _tamperer(uri: str) -> SqliteTamperer:
    return SqliteTamperer(uri.split("://", 1)[1][1:])


def test_an_untampered_store_verifies_with_its_tables(uri: str, tmp_path: Path) -> None:
    done = _cli("--store", uri, "verify", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("change log intact: 5 entries, head ")
    assert lines[1] == "tables match the change log: 18 nodes, 17 edges"
    data = json.loads(_cli("--store", uri, "verify", "--json", cwd=tmp_path).stdout)
    assert data["ok"] is True and data["tables"]["nodes"] == 18 and data["problem"] is None


TAMPERINGS: list[tuple[str, Callable[[SqliteTamperer], None], str]] = [
    ("property", lambda t: t.set_property(REVIEW, "verdict", "approved"),
     'node review:rv1 has property \'verdict\' = "approved" in the tables but "rejected" in the change log '
     "(last written by entry 1)"),
    ("node deleted", lambda t: t.delete_node("insight:note-2"),
     "node insight:note-2 is missing from the tables (last written by entry 4)"),
    ("node inserted", lambda t: t.insert_node(Node("review:forged", NodeKind.REVIEW, {"verdict": "approved"})),
     "node review:forged is in the tables but in no change-log entry"),
    ("edge deleted", lambda t: t.delete_edge("commit:abc123", "IN_REPO", "code_repo:git@example.org/churn"),
     "edge commit:abc123 -IN_REPO-> code_repo:git@example.org/churn is missing from the tables (last written by "
     "entry 2); 3 differences in all"),
    ("adjacency blanked", lambda t: t.blank_index("commit:abc123"),
     "adjacency of node commit:abc123 lacks the IN_REPO edge to code_repo:git@example.org/churn in its up array "
     "(last written by entry 2)"),
]


@pytest.mark.parametrize(("tamper", "place"), [(t[1], t[2]) for t in TAMPERINGS], ids=[t[0] for t in TAMPERINGS])
def test_each_table_tampering_exits_10_naming_the_place(
    uri: str, tmp_path: Path, tamper: Callable[[SqliteTamperer], None], place: str
) -> None:
    tamper(_tamperer(uri))
    done = _cli("--store", uri, "verify", cwd=tmp_path)
    _fails(done, 10, f"tables differ from the change log: {place}")
    assert done.stdout == ""
    as_json = _cli("--store", uri, "verify", "--json", cwd=tmp_path)
    _fails(as_json, 10, f"tables differ from the change log: {place}")
    data = json.loads(as_json.stdout)
    assert data["ok"] is False and data["first_bad_seq"] is None
    assert data["problem"] == f"tables differ from the change log: {place}"
    # The hash chain alone is intact: only the tables show it.
    chain_only = _cli("--store", uri, "verify", "--no-tables", cwd=tmp_path)
    assert chain_only.returncode == 0 and chain_only.stdout.startswith("change log intact: 5 entries")


def _checkpoint(uri: str, tmp_path: Path, name: str, key: str | None = None) -> tuple[Path, dict[str, object]]:
    path = tmp_path / name
    done = _cli("--store", uri, "checkpoint", "-o", str(path), cwd=tmp_path, key=key)
    assert (done.returncode, done.stderr) == (0, "")
    signed = "signed" if key else "unsigned: set MODELCTX_SIGNING_KEY to sign"
    assert done.stdout == f"checkpoint of {uri} at entry 5 ({signed}) written to {path}\n"
    data = json.loads(path.read_text())
    assert (data["format"], data["store"], data["seq"]) == ("modelctx-checkpoint/1", uri, 5)
    assert ("hmac" in data) is (key is not None)
    return path, data


@pytest.mark.parametrize("deleted", [1, 3, 5])
def test_a_checkpoint_catches_deleted_log_entries(uri: str, tmp_path: Path, deleted: int) -> None:
    path, data = _checkpoint(uri, tmp_path, "cp.json")
    done = _cli("--store", uri, "verify", "--checkpoint", str(path), cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.splitlines()[-1] == (f"checkpoint {path} (unsigned, taken {data['at']}): entry 5 is in the log "
                                            "with the hash it recorded")
    _tamperer(uri).delete_log_after(5 - deleted)
    removed = "entry 5 was" if deleted == 1 else f"entries {6 - deleted}-5 were"
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(path), cwd=tmp_path), 10,
           f"checkpoint {path} (taken {data['at']}): the change log ends at entry {5 - deleted}, before the "
           f"checkpoint's entry 5: {removed} removed (and any after)")


def _rewrite_history(uri: str) -> str:
    """Entry 1 made to say "approved", every hash after it recomputed, the table made to agree; the new head."""
    tamperer = _tamperer(uri)
    rewritten: list[Change] = []
    prev = GENESIS_HASH
    for change in tamperer.read_log():
        payload = change.payload
        for record in payload.get("nodes", ()):
            if record["id"] == REVIEW:
                record["properties"]["verdict"] = "approved"
        rewritten.append(make_change(change.seq, change.at, change.actor, change.op, payload, prev))
        prev = rewritten[-1].hash
    tamperer.replace_log(rewritten)
    tamperer.set_property(REVIEW, "verdict", "approved")
    return prev


def test_a_rewritten_log_against_unsigned_and_signed_checkpoints(uri: str, tmp_path: Path) -> None:
    plain, plain_data = _checkpoint(uri, tmp_path, "plain.json")
    signed, signed_data = _checkpoint(uri, tmp_path, "signed.json", key=KEY)
    head = _rewrite_history(uri)
    assert _cli("--store", uri, "verify", cwd=tmp_path).returncode == 0  # chain and tables agree with each other
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(plain), cwd=tmp_path), 10,
           f"checkpoint {plain} (taken {plain_data['at']}): entry 5 no longer has the hash the checkpoint recorded "
           f"({str(plain_data['hash'])[:16]}…, now {head[:16]}…): the log up to it was rewritten")
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(signed), cwd=tmp_path, key=KEY), 10,
           f"checkpoint {signed} (taken {signed_data['at']}): entry 5 no longer has the hash the checkpoint "
           f"recorded ({str(signed_data['hash'])[:16]}…, now {head[:16]}…): the log up to it was rewritten")
    # The rewriter forges the checkpoints to match: the unsigned one now passes, the signed one cannot.
    plain.write_text(json.dumps({**plain_data, "hash": head}))
    assert _cli("--store", uri, "verify", "--checkpoint", str(plain), cwd=tmp_path).returncode == 0
    signed.write_text(json.dumps({**signed_data, "hash": head}))
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(signed), cwd=tmp_path, key=KEY), 10,
           f"checkpoint {signed} (taken {signed_data['at']}): its signature does not match: the checkpoint was "
           "altered, or signed with another key than MODELCTX_SIGNING_KEY")
    # With the key set, an unsigned checkpoint is refused: anyone could have written it.
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(plain), cwd=tmp_path, key=KEY), 10,
           f"checkpoint {plain} (taken {plain_data['at']}): it is not signed, but MODELCTX_SIGNING_KEY is set: an "
           "unsigned checkpoint proves nothing against a rewritten log (unset the key to check it)")
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(signed), cwd=tmp_path), 9,
           f"checkpoint {signed} is signed: set MODELCTX_SIGNING_KEY to the key it was signed with")


def test_the_signing_key_is_never_shown(uri: str, tmp_path: Path) -> None:
    path, _ = _checkpoint(uri, tmp_path, "signed.json", key=KEY)
    runs = [
        _cli("--store", uri, "checkpoint", "--json", cwd=tmp_path, key=KEY),
        _cli("--store", uri, "verify", "--json", "--checkpoint", str(path), cwd=tmp_path, key=KEY),
        _cli("--store", uri, "verify", "--checkpoint", str(path), cwd=tmp_path, key=KEY + "-other"),
    ]
    assert [r.returncode for r in runs] == [0, 0, 10]
    for done in runs:
        assert KEY not in done.stdout and KEY not in done.stderr
    assert KEY not in path.read_text()
    short = _cli("--store", uri, "checkpoint", cwd=tmp_path, key="short-key")
    _fails(short, 9, "MODELCTX_SIGNING_KEY is too short to sign with: use at least 16 bytes (32 random bytes "
                     "recommended, e.g. the output of `openssl rand -hex 32`)")
    _fails(_cli("--store", uri, "checkpoint", cwd=tmp_path, key="  "), 9,
           "MODELCTX_SIGNING_KEY is set but empty; unset it to work without signatures")


def test_a_filed_audit_report_is_a_checkpoint(uri: str, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = _cli("--store", uri, "audit", "model_version:churn/1", "--format", "json", "-o", str(report),
                cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["verification"]["head"] == {"seq": 5, "hash": data["checkpoint"]["hash"]}
    assert _cli("--store", uri, "verify", "--checkpoint", str(report), cwd=tmp_path).returncode == 0
    _tamperer(uri).delete_log_after(2)
    _fails(_cli("--store", uri, "verify", "--checkpoint", str(report), cwd=tmp_path), 10,
           f"checkpoint {report} (taken {data['checkpoint']['at']}): the change log ends at entry 2, before the "
           "checkpoint's entry 5: entries 3-5 were removed (and any after)")


def test_checkpoint_files_that_are_not_checkpoints(uri: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "modelctx-checkpoint/1", "seq": -1, "hash": "0" * 64,
                                 "at": "2026-01-01T00:00:00Z"}))
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"format": "modelctx-checkpoint/1", "seq": 1, "hash": "0" * 64,
                                 "at": "2026-01-01T00:00:00Z", "note": "x"}))
    cases = [
        (junk, f"{junk} is not a modelctx checkpoint: not JSON (take one with `modelctx checkpoint -o FILE`, or "
               "give an audit report written with --format json)"),
        (wrong, f"{wrong}: checkpoint field 'seq' must be a whole number, zero or more"),
        (extra, f"{extra}: unknown checkpoint field(s) note"),
        (tmp_path / "missing.json", f"cannot read the checkpoint {tmp_path / 'missing.json'}: No such file or "
                                    "directory"),
    ]
    for path, message in cases:
        _fails(_cli("--store", uri, "verify", "--checkpoint", str(path), cwd=tmp_path), 4, message)


def test_verify_names_a_tampered_property_on_every_backend(
    store: GraphStore, backend: BackendHarness, tmp_path: Path
) -> None:
    """The same exit, line and place from a real process, whichever backend holds the store."""
    nodes, edges, _ = lineage_world()
    store.write([Node(x.id, x.kind, {"verdict": "rejected"}) if x.id == REVIEW else x for x in nodes], [])
    store.write([], edges)
    uri = backend.uri(tmp_path)
    assert _cli("--store", uri, "verify", cwd=tmp_path).returncode == 0
    backend.tamperer(store).set_property(REVIEW, "verdict", "approved")
    done = _cli("--store", uri, "verify", cwd=tmp_path)
    _fails(done, 10, 'tables differ from the change log: node review:rv1 has property \'verdict\' = "approved" in '
                     'the tables but "rejected" in the change log (last written by entry 1)')
    assert done.stdout == ""
