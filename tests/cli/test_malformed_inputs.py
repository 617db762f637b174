"""Malformed input to any command: one ``error:`` line, the error class's exit code, nothing written.

Each case runs ``python -m modelctx`` as a real process in a fresh
MODELCTX_HOME against one SQLite store holding a small world, and asserts: the
exit code (the class's code from ``modelctx/errors.py``; 2 for command lines
click cannot parse, ``modelctx/cli/context.py``), exactly one stderr line
starting ``error:`` holding the message's key part, no traceback anywhere, an
empty stdout, the store's counts and change log unchanged, no file added next
to it, every input file byte for byte as it was, and nothing created in the
home folder.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelctx.graph.store import open_store
from tests.contract.graphs import lineage_world


@dataclass(frozen=True)
class Case:
    """One malformed invocation; ``{in}`` is the inputs folder, ``{store}`` the store URI."""

    args: tuple[str, ...]
    code: int
    message: str

    @property
    def name(self) -> str:
        return " ".join(self.args)[:90]


def case(code: int, message: str, *args: str) -> Case:
    return Case(tuple(args), code, message)


LOL = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))
REVIEW = ("- {{model: churn, version: 1, reviewer: ana@example.org, verdict: approved, "
          "reviewed_at: '2024-05-02T09:30:00Z', comment: {comment}}}\n")

CASES: list[Case] = [
    # ingest dataset: encodings, parse errors, all or nothing, options
    case(6, "dataset: {in}/latin.csv: byte 13 (line 2): 0xe9 is not UTF-8 text", "ingest", "dataset",
         "{in}/latin.csv", "--name", "people"),
    case(6, "pass its encoding with --encoding", "ingest", "dataset", "{in}/latin.tsv", "--name", "people"),
    case(6, "{in}/latin.jsonl: byte 27 (line 2): 0xe9 is not UTF-8 text", "ingest", "dataset", "{in}/latin.jsonl",
         "--name", "people"),
    case(6, "0x81 is not cp1252 text", "ingest", "dataset", "{in}/cp1252.csv", "--name", "people",
         "--encoding", "cp1252"),
    case(4, "--encoding: unknown text encoding 'klingon'", "ingest", "dataset", "{in}/good.csv", "--name", "g",
         "--encoding", "klingon"),
    case(4, "--encoding: 'base64' is not a text encoding", "ingest", "dataset", "{in}/good.csv", "--name", "g",
         "--encoding", "base64"),
    case(6, "ragged.csv: line 3: CSV parse error: Expected 2 columns, got 1", "ingest", "dataset",
         "{in}/ragged.csv", "--name", "r"),
    case(6, "empty.csv: cannot parse as ','-separated text: Empty CSV file", "ingest", "dataset", "{in}/empty.csv",
         "--name", "e"),
    case(6, "not.parquet: cannot read as Parquet", "ingest", "dataset", "{in}/not.parquet", "--name", "p"),
    case(6, "broken.jsonl: line 2: invalid JSON line", "ingest", "dataset", "{in}/broken.jsonl", "--name", "j"),
    case(6, "array.jsonl: line 1: invalid JSON line", "ingest", "dataset", "{in}/array.jsonl", "--name", "j"),
    case(6, "sheet.xlsx: unknown format '.xlsx'", "ingest", "dataset", "{in}/sheet.xlsx", "--name", "x"),
    case(6, "nothing: no data files", "ingest", "dataset", "{in}/nothing", "--name", "x"),
    # a folder whose second version fails: not even the Dataset node or the first version is written
    case(6, "versions/runs_v2.csv: line 4", "ingest", "dataset", "{in}/versions", "--name", "runs"),
    case(6, "--derived-from dataset_version:nope/0: no such dataset version", "ingest", "dataset",
         "{in}/good.csv", "--name", "g", "--derived-from", "dataset_version:nope/0"),
    case(4, "--description-file {in}/latin.md: byte 3 (line 1): 0xe9 is not UTF-8 text", "ingest", "dataset",
         "{in}/good.csv", "--name", "g", "--description-file", "{in}/latin.md"),
    case(4, "give --description or --description-file, not both", "ingest", "dataset", "{in}/good.csv",
         "--name", "g", "--description", "x", "--description-file", "{in}/good.md"),
    case(2, "Missing option '--name'", "ingest", "dataset", "{in}/good.csv"),
    case(2, "does not exist", "ingest", "dataset", "{in}/missing.csv", "--name", "m"),
    # ingest features: YAML and JSON limits, syntax, schema, references
    case(6, "lol.yaml: line 5, column 8: aliases repeat more than 10000 values in all", "ingest", "features",
         "{in}/lol.yaml"),
    case(6, "deep.yaml: line 1, column 129: nested deeper than 64 levels", "ingest", "features", "{in}/deep.yaml"),
    case(6, "deep.json: nested deeper than 64 levels", "ingest", "features", "{in}/deep.json"),
    case(6, "recursive.yaml: line 1, column 15: alias *a is inside the value it names", "ingest", "features",
         "{in}/recursive.yaml"),
    case(6, "python.yaml: line 1, column 11: invalid YAML: could not determine a constructor", "ingest",
         "features", "{in}/python.yaml"),
    case(6, "syntax.yaml: line 2, column 1: invalid YAML: expected ',' or ']'", "ingest", "features",
         "{in}/syntax.yaml"),
    case(6, "features.yaml, record 0 (line 2), field 'dtype': missing required field", "ingest", "features",
         "{in}/features.yaml"),
    case(6, "unknown dataset 'orders'", "ingest", "features", "{in}/orders-features.yaml"),
    case(6, "bigint.json: invalid JSON: Exceeds the limit (4300 digits)", "ingest", "features", "{in}/bigint.json"),
    case(6, "huge.yaml: larger than 32 MB", "ingest", "features", "{in}/huge.yaml"),
    # ingest reviews and deployments
    case(6, "lol.yaml: line 5, column 8: aliases repeat", "ingest", "reviews", "{in}/lol.yaml"),
    case(6, "latin.yaml: byte 12 (line 1): 0xe9 is not UTF-8 text", "ingest", "reviews", "{in}/latin.yaml"),
    case(6, "model version model_version:churn/9 is not in the graph", "ingest", "reviews", "{in}/unknown.yaml"),
    # record 0 is fine, record 1 breaks a graph rule: the file is all or nothing
    case(6, "lone surrogate (not valid Unicode) (nothing was written)", "ingest", "reviews",
         "{in}/surrogate.yaml", "--create-missing"),
    case(6, "when.yaml, record 0 (line 1), field 'reviewed_at': 'yesterday' is not an ISO 8601 time", "ingest",
         "reviews", "{in}/when.yaml"),
    case(6, "field 'retired_at': 2024-01-01T00:00:00 is before deployed_at 2024-06-01T00:00:00", "ingest",
         "deployments", "{in}/retired.json", "--create-missing"),
    case(6, "broken.json: line 1, column 2: invalid JSON", "ingest", "deployments", "{in}/broken.json"),
    case(6, "utf16.json: line 1, column 2: invalid JSON: Expecting value", "ingest", "deployments", "{in}/utf16.json"),
    # ingest git
    case(6, "not a git repository", "ingest", "git", "{in}/nothing"),
    case(6, "unknown revision given as --since: 'no-such-tag'", "ingest", "git", "{in}/repo", "--since",
         "no-such-tag"),
    case(2, "is a file", "ingest", "git", "{in}/good.csv"),
    # ingest mlflow: refused, and the file or folder left as it was
    case(6, "is an SQLite database but not an MLflow tracking store (no 'experiments' or 'alembic_version'",
         "ingest", "mlflow", "--tracking-uri", "sqlite:///{in}/other.db"),
    case(6, "junk.db is not an SQLite database", "ingest", "mlflow", "--tracking-uri", "sqlite:///{in}/junk.db"),
    case(6, "does not exist (no file", "ingest", "mlflow", "--tracking-uri", "sqlite:///{in}/absent.db"),
    case(6, "is not an MLflow file store", "ingest", "mlflow", "--tracking-uri", "file://{in}/nothing"),
    case(6, "unsupported URI 'ftp://example.org'", "ingest", "mlflow", "--tracking-uri", "ftp://example.org"),
    case(2, "Missing option '--tracking-uri'", "ingest", "mlflow"),
    # ingest openlineage
    case(6, "events.jsonl:1: line 1, column 22: invalid JSON", "ingest", "openlineage", "{in}/events.jsonl"),
    case(6, "latin-events.jsonl: byte 43 (line 1): 0xe9 is not UTF-8 text", "ingest", "openlineage",
         "{in}/latin-events.jsonl"),
    case(6, "deep-events.jsonl:1: nested deeper than", "ingest", "openlineage", "{in}/deep-events.jsonl"),
    case(6, "notevent.jsonl:1: field 'eventType'", "ingest", "openlineage", "{in}/notevent.jsonl"),
    # train
    case(4, "lol.yaml: line 5, column 8: aliases repeat", "train", "{in}/lol.yaml"),
    case(4, "latin.yaml: byte 12 (line 1): 0xe9 is not UTF-8 text", "train", "{in}/latin.yaml"),
    case(4, "a training config is a mapping of settings", "train", "{in}/list.yaml"),
    case(4, "field 'model': Field required", "train", "{in}/train-partial.yaml"),
    case(6, "dataset: {in}/train-latin.csv: byte 7 (line 2): 0xe9 is not UTF-8 text; convert it to UTF-8 "
         "(from Latin-1, for example: iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8)", "train", "{in}/train-latin.yaml"),
    case(6, "ragged.csv: line 3: CSV parse error: Expected 2 columns, got 1", "train", "{in}/train-ragged.yaml"),
    case(4, "must be a scikit-learn class path", "train", "{in}/train-os.yaml"),
    case(4, "metric 'happiness': not a scikit-learn scorer name", "train", "{in}/train-metric.yaml"),
    case(4, "good.csv: no target column 'label'", "train", "{in}/train-target.yaml"),
    # policy check, audit, portfolio
    case(4, "lol.yaml: line 5, column 8: aliases repeat", "policy", "check", "--rules", "{in}/lol.yaml"),
    case(4, "rules.nonsense: unknown rule", "policy", "check", "--rules", "{in}/rules-unknown.yaml"),
    case(4, "latin.yaml: byte 12 (line 1): 0xe9 is not UTF-8 text", "portfolio", "--rules", "{in}/latin.yaml"),
    case(2, "does not exist", "policy", "check", "--rules", "{in}/missing.yaml"),
    case(3, "no node with id 'model_version:nope/1'", "audit", "model_version:nope/1"),
    case(4, "--as-of: 'last tuesday' is not an ISO 8601 time", "audit", "model_version:churn/1", "--as-of",
         "last tuesday"),
    case(4, "--format pdf needs -o FILE.pdf", "audit", "model_version:churn/1", "--format", "pdf"),
    case(4, "audit reports cover model_version and dataset_version nodes, not dataset", "audit", "dataset:raw"),
    case(4, "deep.yaml: line 1, column 129: nested deeper", "audit", "model_version:churn/1", "--rules",
         "{in}/deep.yaml"),
    case(4, "-o {in}/absent/report.md: cannot write: No such file or directory", "audit", "model_version:churn/1",
         "-o", "{in}/absent/report.md"),
    case(4, "-o {in}/absent/prov.json: cannot write: No such file or directory", "export", "prov",
         "model_version:churn/1", "-o", "{in}/absent/prov.json"),
    case(4, "-o {in}/good.csv/plots: cannot write the plots: Not a directory", "portfolio", "-o",
         "{in}/good.csv/plots"),
    # search (its options are checked before any model loads), nodes, show, lineage
    case(4, "--since: 'soon' is not an ISO 8601 time", "search", "churn", "--since", "soon"),
    case(2, "Invalid value for '--limit': 0 is not in the range 1<=x<=200", "search", "churn", "--limit", "0"),
    case(2, "Invalid value for '--mode': 'psychic'", "search", "churn", "--mode", "psychic"),
    case(4, "unknown node kind 'modle'", "nodes", "--kind", "modle"),
    case(4, "--where 'status': expected KEY=VALUE", "nodes", "--kind", "run", "--where", "status"),
    case(4, "outside the 64-bit integer range", "nodes", "--kind", "run", "--where", f"rows={2**70}"),
    case(4, "the value nests too deeply to read", "nodes", "--kind", "run", "--where", "x=" + "[" * 50_000),
    case(2, "Invalid value for '--limit': -1", "nodes", "--kind", "run", "--limit", "-1"),
    case(3, "no node with id 'model:nope'", "show", "model:nope"),
    case(4, "--as-of: 'then' is not an ISO 8601 time", "show", "model:churn", "--as-of", "then"),
    case(2, "Missing argument 'REF'", "show"),
    case(2, "Invalid value for '--depth': -1 is not in the range x>=0", "lineage", "model_version:churn/1",
         "--depth", "-1"),
    case(2, "Invalid value for '--depth': 'deep'", "lineage", "model_version:churn/1", "--depth", "deep"),
    case(4, "unknown edge type 'FRIEND_OF'", "lineage", "model_version:churn/1", "--edge-type", "FRIEND_OF"),
    case(3, "no node with id 'nope'", "impact", "nope"),
    # governance writes that must not happen
    case(3, "no node with id 'dataset:nope'", "flag", "dataset:nope", "--reason", "bad"),
    case(4, "a flag needs a reason (--reason)", "flag", "dataset:raw"),
    case(3, "no node with id 'nope'", "note", "nope", "text"),
    # tokens
    case(2, "Invalid value for '--role': 'god'", "token", "create", "--name", "ci", "--role", "god"),
    case(4, "token name must be 1 to 200 characters", "token", "create", "--name", " ", "--role", "reader"),
    case(3, "no active token named 'nobody'", "token", "revoke", "nobody"),
    # copy and store URIs
    case(5, "is not empty; copy into a new, empty store", "copy", "--to", "{store}"),
    case(9, "unknown store URI 'mongodb://x'", "copy", "--to", "mongodb://x"),
    case(9, "unknown store URI 'mongodb://x'", "--store", "mongodb://x", "stats"),
    case(9, "needs a file path", "--store", "sqlite://", "stats"),
    case(9, "unknown option(s) ['cache']", "--store", "{store}?cache=big", "stats"),
    case(8, "not a usable modelctx SQLite store", "--store", "sqlite:///{in}/junk.db", "stats"),
    case(7, "Neo4j is not reachable", "--store", "neo4j://neo4j:pw@127.0.0.1:1", "stats"),
    case(2, "No such command 'stat'", "stat"),
    case(2, "No such option '--verbose'", "--verbose", "stats"),
    case(2, "No such command 'sql'", "ingest", "sql"),
]


def _write_inputs(folder: Path) -> None:
    """Every malformed file the table names, written as a person or a tool would have."""
    folder.mkdir()
    (folder / "good.csv").write_text("a,b\n1,x\n2,y\n")
    (folder / "good.md").write_text("A description.\n")
    (folder / "latin.csv").write_bytes("name,city\nJos\u00e9,Paris\n".encode("latin-1"))
    (folder / "latin.tsv").write_bytes("name\tcity\nJos\u00e9\tParis\n".encode("latin-1"))
    (folder / "latin.jsonl").write_bytes('{"name": "a"}\n{"name": "Jos\u00e9"}\n'.encode("latin-1"))
    (folder / "cp1252.csv").write_bytes(b"name\nok\nbad \x81 byte\n")
    (folder / "latin.md").write_bytes("Caf\u00e9\n".encode("latin-1"))
    (folder / "ragged.csv").write_text("a,b\n1,2\n3\n")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "not.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "broken.jsonl").write_text('{"a": 1}\n{"a": \n')
    (folder / "array.jsonl").write_text("[1, 2]\n")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04 not a data file modelctx reads")
    (folder / "nothing").mkdir()
    versions = folder / "versions"
    versions.mkdir()
    (versions / "runs_v1.csv").write_text("a,b\n1,2\n")
    (versions / "runs_v2.csv").write_text("a,b\n1,2\n3,4\n5,6,7\n")
    (folder / "lol.yaml").write_text(LOL)
    (folder / "deep.yaml").write_text("- " * 100 + "x\n")
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (folder / "recursive.yaml").write_text("features: &a [*a]\n")
    (folder / "python.yaml").write_text("features: !!python/object/apply:os.system [id]\n")
    (folder / "syntax.yaml").write_text("features: [1, 2\n")
    (folder / "features.yaml").write_text(
        "features:\n  - name: age\n    group: people\n    source: {dataset: raw, columns: [age]}\n")
    (folder / "orders-features.yaml").write_text(
        "features:\n  - {name: total, group: orders, dtype: float, source: {dataset: orders, columns: [total]}}\n")
    (folder / "bigint.json").write_text('{"features": ' + "9" * 5000 + "}")
    with (folder / "huge.yaml").open("wb") as handle:
        handle.truncate((32 << 20) + 1)  # sparse: 32 MB of nothing, one byte over the limit
    (folder / "latin.yaml").write_bytes("- model: caf\u00e9\n".encode("latin-1"))
    (folder / "unknown.yaml").write_text(REVIEW.format(comment="ok").replace("version: 1", "version: 9"))
    (folder / "surrogate.yaml").write_text(
        REVIEW.format(comment="fine").replace("churn", "fresh")
        + REVIEW.format(comment='"\\ud800"').replace("churn", "fresh").replace("09:30", "10:30"))
    (folder / "when.yaml").write_text(REVIEW.format(comment="ok").replace("'2024-05-02T09:30:00Z'", "yesterday"))
    (folder / "retired.json").write_text(
        '[{"model": "churn", "version": 7, "environment": "prod", "endpoint": "https://x", "deployed_by": "ana",'
        ' "deployed_at": "2024-06-01T00:00:00", "retired_at": "2024-01-01T00:00:00"}]')
    (folder / "broken.json").write_text("[")
    (folder / "utf16.json").write_bytes("[\u00e9".encode("utf-16"))
    repo = folder / "repo"
    repo.mkdir()
    git_env = {**os.environ, "GIT_AUTHOR_NAME": "Ana", "GIT_AUTHOR_EMAIL": "ana@example.org",
               "GIT_COMMITTER_NAME": "Ana", "GIT_COMMITTER_EMAIL": "ana@example.org"}
    for command in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "first"]):
        subprocess.run(["git", *command], cwd=repo, env=git_env, check=True, capture_output=True, timeout=30)
    other = sqlite3.connect(folder / "other.db")
    other.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    other.commit()
    other.close()
    (folder / "junk.db").write_bytes(b"this is not a database" * 100)
    (folder / "events.jsonl").write_text('{"eventType": "START"\n')
    (folder / "notevent.jsonl").write_text('{"run": {}}\n')
    latin = '{"eventType": "START", "job": {"name": "caf\u00e9"}}\n'
    (folder / "latin-events.jsonl").write_bytes(latin.encode("latin-1"))
    (folder / "deep-events.jsonl").write_text('{"run": ' + "[" * 5000 + "]" * 5000 + "}\n")
    (folder / "list.yaml").write_text("- model: churn\n")
    (folder / "train-partial.yaml").write_text("dataset: good.csv\ntarget: b\n")
    (folder / "train-latin.csv").write_bytes("a,b\nJos\u00e9,1\n".encode("latin-1"))
    train = "model: m\ntarget: b\nestimator: {{class: {cls}}}\ndataset: {data}\n"
    (folder / "train-latin.yaml").write_text(
        train.format(cls="sklearn.dummy.DummyClassifier", data="train-latin.csv"))
    (folder / "train-ragged.yaml").write_text(train.format(cls="sklearn.dummy.DummyClassifier", data="ragged.csv"))
    (folder / "train-os.yaml").write_text(train.format(cls="os.system", data="good.csv"))
    (folder / "train-metric.yaml").write_text(
        train.format(cls="sklearn.dummy.DummyClassifier", data="good.csv") + "metrics: [happiness]\n")
    (folder / "train-target.yaml").write_text(
        train.format(cls="sklearn.dummy.DummyClassifier", data="good.csv").replace("target: b", "target: label"))
    (folder / "rules-unknown.yaml").write_text("rules:\n  nonsense: {}\n")


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _store_state(uri: str, folder: Path) -> tuple[object, ...]:
    store = open_store(uri)
    try:
        state = (store.counts(), store.last_seq())
    finally:
        store.close()
    files = sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm", "-journal")))
    return (*state, files)


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("malformed")
    inputs = root / "in"
    _write_inputs(inputs)
    store_folder = root / "store"
    store_folder.mkdir()
    uri = f"sqlite:///{store_folder / 'g.db'}"
    store = open_store(uri)
    nodes, edges, _ = lineage_world()
    store.write(nodes, edges)
    store.close()
    yield inputs, uri


def _fill(text: str, inputs: Path, uri: str) -> str:
    return text.replace("{in}", str(inputs)).replace("{store}", uri)


def test_the_table_has_forty_cases_or_more() -> None:
    assert len(CASES) >= 40
    assert len({c.args for c in CASES}) == len(CASES)


@pytest.mark.timeout(120)
def test_malformed_inputs_are_one_line_with_their_exit_code_and_write_nothing(
    table: tuple[Path, str], tmp_path: Path
) -> None:
    inputs, uri = table
    store_folder = Path(uri.removeprefix("sqlite:///")).parent
    files_before = _digests(inputs)
    problems: list[str] = []
    for number, item in enumerate(CASES):
        home = tmp_path / f"home-{number}"
        env = {**os.environ, "MODELCTX_HOME": str(home)}
        env.pop("MODELCTX_STORE", None)
        store_args = [] if "--store" in item.args else ["--store", uri]
        args = [_fill(a, inputs, uri) for a in item.args]
        before = _store_state(uri, store_folder)
        done = subprocess.run([sys.executable, "-m", "modelctx", *store_args, *args], capture_output=True, text=True,
                              env=env, cwd=inputs, timeout=60, check=False)
        lines = done.stderr.splitlines()
        message = _fill(item.message, inputs, uri)
        found = []
        if done.returncode != item.code:
            found.append(f"exit {done.returncode}, expected {item.code}")
        if "Traceback" in done.stderr or "Traceback" in done.stdout:
            found.append("a traceback")
        if len(lines) != 1 or not lines[0].startswith("error: ") or message not in lines[0]:
            found.append(f"stderr is not one 'error: …{message}…' line")
        if done.stdout:
            found.append(f"stdout: {done.stdout[:200]!r}")
        if _store_state(uri, store_folder) != before:
            found.append("the store changed")
        if _digests(inputs) != files_before:
            found.append("an input file changed")
        if home.exists() and any(home.iterdir()):
            found.append(f"home holds {sorted(p.name for p in home.iterdir())}")
        if found:
            problems.append(f"{item.name}: {'; '.join(found)}; stderr: {done.stderr[-600:]!r}")
    assert not problems, "\n".join(problems)


def test_mlflow_refusal_leaves_the_database_byte_identical(table: tuple[Path, str], tmp_path: Path) -> None:
    """The measured failure: MLflow created ~70 tables in any SQLite file it was pointed at."""
    inputs, uri = table
    target = tmp_path / "app.db"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO users (name) VALUES ('ana')")
    conn.commit()
    conn.close()
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    env = {**os.environ, "MODELCTX_HOME": str(tmp_path / "home")}
    env.pop("MODELCTX_STORE", None)
    done = subprocess.run([sys.executable, "-m", "modelctx", "--store", uri, "ingest", "mlflow", "--tracking-uri",
                           f"sqlite:///{target}"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert done.returncode == 6, done.stderr
    assert done.stderr == (f"error: MLflow tracking store sqlite:///{target}: {target} is an SQLite database but not "
                           "an MLflow tracking store (no 'experiments' or 'alembic_version' table); nothing was read "
                           "or written\n")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
    check = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)
    try:
        assert [r[0] for r in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["users"]
    finally:
        check.close()
