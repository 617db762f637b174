"""Token lookup latency: tokens in the store (SQLite, Neo4j) against the per-process ``tokens.db`` they replaced.

Every authenticated request looks its bearer token up once
(``api/tokens.py`` ``lookup_token``). Before tokens moved into the store, the
lookup opened ``<data_dir>/tokens.db`` with sqlite3, selected by digest and
closed it; that code is kept below, verbatim in what it does, as the baseline,
measured in the same run on the same tokens. Then the same lookups go through
``lookup_token`` on a SQLite store and, with ``--neo4j``, on a Neo4j server
(emptied first: point it at a scratch server). Ratios are latency / baseline
(below 1: faster than the old file).

    .venv/bin/python bench/token_bench.py --tokens 1000 --lookups 3000 \\
        --neo4j bolt://neo4j:modelctx-dev@127.0.0.1:7687
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from modelctx.api.tokens import SECRET_PREFIX, hash_secret, lookup_token  # noqa: E402
from modelctx.client import Client  # noqa: E402
from modelctx.config import Settings  # noqa: E402
from modelctx.graph.store import GraphStore, open_store  # noqa: E402

T0 = "2026-01-01T00:00:00+00:00"
OLD_SCHEMA = """
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, digest TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    project TEXT, created_at TEXT NOT NULL, revoked_at TEXT
);
CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
"""
OLD_SELECT = "SELECT id, name, role, project, created_at, revoked_at FROM tokens WHERE digest = ?"


def old_lookup(path: Path) -> Callable[[str], object]:
    """The lookup of the per-process token file: a connection opened and closed per request."""

    def lookup(secret: str) -> object:
        if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
            return None
        if not path.exists():
            return None
        with closing(sqlite3.connect(path, timeout=30.0, isolation_level=None)) as conn:
            row = conn.execute(OLD_SELECT, (hash_secret(secret),)).fetchone()
        return None if row is None or row[5] is not None else row

    return lookup


def secrets_for(count: int) -> list[str]:
    return [f"{SECRET_PREFIX}bench-{i:06d}-{'x' * 30}" for i in range(count)]


def fill_old(path: Path, secrets: list[str]) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(OLD_SCHEMA)
        conn.executemany("INSERT INTO tokens (name, digest, role, project, created_at) VALUES (?, ?, ?, ?, ?)",
                         [(f"t{i}", hash_secret(s), "reader", None, T0) for i, s in enumerate(secrets)])


def fill_store(store: GraphStore, secrets: list[str]) -> None:
    for i, secret in enumerate(secrets):
        store.tokens.add(f"t{i}", hash_secret(secret), "reader", None, T0)


def measure(lookup: Callable[[str], object], probes: list[str]) -> list[float]:
    for secret in probes[:50]:  # warm connections, caches and query plans, untimed
        lookup(secret)
    times = []
    for secret in probes:
        t0 = time.perf_counter()
        found = lookup(secret)
        times.append(time.perf_counter() - t0)
        assert found is not None, "a stored token was not found"
    return times


def p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=1000, help="tokens stored")
    parser.add_argument("--lookups", type=int, default=3000, help="timed lookups of random stored tokens")
    parser.add_argument("--neo4j", default=None, help="a scratch Neo4j server's URI (emptied); skipped without")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    secrets = secrets_for(args.tokens)
    probes = random.Random(args.seed).choices(secrets, k=args.lookups)
    rows: list[tuple[str, list[float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old = folder / "tokens.db"
        fill_old(old, secrets)
        rows.append(("tokens.db per process (old)", measure(old_lookup(old), probes)))
        stores = [("SQLite store", f"sqlite:///{folder / 'store.db'}")]
        if args.neo4j:
            stores.append(("Neo4j store", args.neo4j))
        for label, uri in stores:
            store = open_store(uri)
            try:
                if label.startswith("Neo4j"):
                    store.delete_all()  # type: ignore[attr-defined]
                fill_store(store, secrets)
                client = Client(store, Settings(home=folder / "home"), "bench")
                rows.append((label, measure(lambda s, c=client: lookup_token(c, s), probes)))  # type: ignore[misc]
            finally:
                store.close()
    base = statistics.median(rows[0][1])
    print(f"token lookups: {args.lookups} of {args.tokens} stored tokens (hash, read by digest, check revoked)")
    print(f"{'where':<30} {'p50 us':>9} {'p95 us':>9} {'mean us':>9} {'p50 / old':>10}")
    for label, times in rows:
        print(f"{label:<30} {p(times, 0.5) * 1e6:>9.1f} {p(times, 0.95) * 1e6:>9.1f} "
              f"{statistics.fmean(times) * 1e6:>9.1f} {statistics.median(times) / base:>9.2f}x")


if __name__ == "__main__":
    main()
