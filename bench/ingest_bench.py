"""Benchmarks for the git and dataset ingestors, each against a baseline measured in the same run.

- git: a synthetic repository (made with ``git fast-import``) ingested into a
  fresh SQLite store, against the time ``git log --numstat`` takes to print the
  same history. Target: ingest < 3x baseline.
- dataset: a synthetic CSV ingested (digest + statistics + write) in a child
  process whose peak resident memory is measured, against a plain streamed
  SHA-256 of the same file. Targets: peak RSS < 500 MB, >= 100 MB/s.

    .venv/bin/python bench/ingest_bench.py                       # 10,000 commits, 256 MB CSV
    .venv/bin/python bench/ingest_bench.py --csv-mb 2048         # the 2 GB target size
    .venv/bin/python bench/ingest_bench.py --skip-git --csv-mb 64

Prints one JSON document; nothing here is a test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


def make_repo(path: Path, commits: int, files: int) -> None:
    """A linear history of ``commits`` commits by 20 authors, each changing 1-3 of ``files`` files."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=GIT_ENV)
    proc = subprocess.Popen(["git", "-C", str(path), "fast-import", "--quiet"], stdin=subprocess.PIPE, env=GIT_ENV)
    assert proc.stdin is not None
    contents = [[f"line {j} of file {i}\n" for j in range(20)] for i in range(files)]
    for n in range(1, commits + 1):
        author = n % 20
        message = f"Change {n}: adjust module {n % files}\n\nDetails of change {n}.\n".encode()
        out = [
            b"commit refs/heads/main\n",
            b"mark :%d\n" % n,
            b"author Dev %d <dev%d@example.com> %d +0000\n" % (author, author, 1_600_000_000 + n * 60),
            b"committer Dev %d <dev%d@example.com> %d +0000\n" % (author, author, 1_600_000_000 + n * 60),
            b"data %d\n" % len(message), message,
        ]
        if n > 1:
            out.append(b"from :%d\n" % (n - 1))
        for k in range(1 + n % 3):
            index = (n * 7 + k * 13) % files
            lines = contents[index]
            lines[(n + k) % len(lines)] = f"line changed in commit {n}\n"
            if n % 5 == 0:
                lines.append(f"appended in {n}\n")
            data = "".join(lines).encode()
            out.append(b"M 100644 inline src/mod_%d.py\ndata %d\n" % (index, len(data)))
            out.append(data + b"\n")
        proc.stdin.write(b"".join(out))
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "-C", str(path), "checkout", "-q", "main"], check=True, env=GIT_ENV)


def bench_git(workdir: Path, commits: int, files: int) -> dict[str, object]:
    from modelctx.graph.store import open_store
    from modelctx.ingest.git import GitConfig, GitIngestor
    from modelctx.ingest.lookup import EmptyLookup
    from modelctx.ingest.runner import run_ingest

    repo = workdir / "repo"
    started = time.perf_counter()
    make_repo(repo, commits, files)
    made = time.perf_counter() - started

    def git_log() -> float:
        t0 = time.perf_counter()
        proc = subprocess.Popen(["git", "-C", str(repo), "log", "--numstat"], stdout=subprocess.PIPE, env=GIT_ENV)
        assert proc.stdout is not None
        while proc.stdout.read(1 << 20):
            pass
        proc.wait()
        return time.perf_counter() - t0

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def measure(action: Callable[[], object]) -> tuple[float, float]:
        """Wall and CPU seconds (this process plus git) of one run."""
        c0, t0 = cpu(), time.perf_counter()
        action()
        return time.perf_counter() - t0, cpu() - c0

    def ingest_fresh(round_: int) -> object:
        store = open_store(f"sqlite:///{workdir / f'git-{round_}.db'}")
        try:
            return run_ingest(store, GitIngestor(GitConfig(path=repo), store))
        finally:
            store.close()

    git_log()  # warm the object cache for both sides alike
    rounds: dict[str, list[tuple[float, float]]] = {"git_log": [], "parse_only": [], "ingest": []}
    for round_ in range(3):  # interleaved, so that load from other processes hits all three alike
        rounds["git_log"].append(measure(git_log))
        rounds["parse_only"].append(measure(
            lambda: run_ingest(None, GitIngestor(GitConfig(path=repo), EmptyLookup()), dry_run=True)))
        rounds["ingest"].append(measure(lambda round_=round_: ingest_fresh(round_)))  # type: ignore[misc]
    best = {name: (min(w for w, _ in runs), min(c for _, c in runs)) for name, runs in rounds.items()}
    store = open_store(f"sqlite:///{workdir / 'git-0.db'}")
    try:
        rerun_wall, _ = measure(lambda: run_ingest(store, GitIngestor(GitConfig(path=repo), store)))
        counts = store.counts()
    finally:
        store.close()
    base_wall, base_cpu = best["git_log"]
    return {
        "commits": commits,
        "repo_build_seconds": round(made, 2),
        "git_log_numstat": {"wall_s": round(base_wall, 3), "cpu_s": round(base_cpu, 3)},
        "parse_only": {"wall_s": round(best["parse_only"][0], 3), "cpu_s": round(best["parse_only"][1], 3)},
        "ingest_sqlite": {"wall_s": round(best["ingest"][0], 3), "cpu_s": round(best["ingest"][1], 3)},
        "no_op_rerun_wall_s": round(rerun_wall, 3),
        "ratio_ingest_vs_git_log_wall": round(best["ingest"][0] / base_wall, 2),
        "ratio_ingest_vs_git_log_cpu": round(best["ingest"][1] / base_cpu, 2),
        "ratio_parse_only_vs_git_log_wall": round(best["parse_only"][0] / base_wall, 2),
        "target_ratio": 3.0,
        "stored": counts,
    }


def make_csv(path: Path, megabytes: int) -> int:
    """A CSV of about ``megabytes`` MB: 6 float, 2 int, 1 low- and 1 high-cardinality string column."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(7)
    rows = 200_000
    categories = np.array(["north", "south", "east", "west", "central"])
    target = megabytes << 20
    written = 0
    start = 0
    with pacsv.CSVWriter(str(path), pa.schema([
        *(pa.field(f"x{i}", pa.float64()) for i in range(6)),
        pa.field("count", pa.int64()), pa.field("label", pa.int64()),
        pa.field("region", pa.string()), pa.field("customer", pa.string()),
    ])) as writer:
        while written < target:
            ids = np.arange(start, start + rows)
            table = pa.table({
                **{f"x{i}": rng.normal(i, 1 + i, rows).round(4) for i in range(6)},
                "count": rng.integers(0, 1000, rows),
                "label": rng.integers(0, 2, rows),
                "region": categories[rng.integers(0, len(categories), rows)],
                "customer": pa.array(np.char.add("cust-", ids.astype(str))),
            })
            writer.write_table(table)
            start += rows
            written = path.stat().st_size
    return path.stat().st_size


def child_ingest_csv(path: str, db: str) -> None:
    """Run in a child process so that its peak RSS is the ingest's own."""
    import pyarrow  # noqa: F401  - imported before timing, as a CLI run has paid for it before reading

    from modelctx.graph.store import open_store
    from modelctx.ingest.dataset import DatasetConfig, DatasetIngestor
    from modelctx.ingest.runner import run_ingest

    store = open_store(f"sqlite:///{db}")
    t0, c0 = time.perf_counter(), time.process_time()
    report = run_ingest(store, DatasetIngestor(DatasetConfig(path=Path(path), name="bench"), store))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    store.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": peak_kb / 1024,
                      "nodes": report.write.nodes_created}))


def bench_csv(workdir: Path, megabytes: int) -> dict[str, object]:
    path = workdir / "big.csv"
    t0 = time.perf_counter()
    size = make_csv(path, megabytes)
    made = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 << 20):
            digest.update(block)
    sha_seconds, sha_cpu = time.perf_counter() - t0, time.process_time() - c0
    done = subprocess.run(
        [sys.executable, __file__, "--child-csv", str(path), str(workdir / "csv.db")],
        capture_output=True, text=True, check=True,
    )
    child = json.loads(done.stdout.strip().splitlines()[-1])
    mb = size / (1 << 20)
    return {
        "csv_mb": round(mb, 1),
        "csv_build_seconds": round(made, 1),
        "sha256_only_seconds": round(sha_seconds, 2),
        "sha256_only_mb_per_s": round(mb / sha_seconds, 1),
        "ingest_seconds": round(child["seconds"], 2),
        "ingest_mb_per_s": round(mb / child["seconds"], 1),
        "ratio_ingest_vs_sha256_time": round(child["seconds"] / sha_seconds, 2),
        "sha256_only_cpu_seconds": round(sha_cpu, 2),
        "ingest_cpu_seconds": round(child["cpu_seconds"], 2),
        "ingest_mb_per_cpu_second": round(mb / child["cpu_seconds"], 1),
        "ratio_ingest_vs_sha256_cpu": round(child["cpu_seconds"] / sha_cpu, 2),
        "peak_rss_mb": round(child["peak_rss_mb"], 1),
        "target_mb_per_s": 100,
        "target_peak_rss_mb": 500,
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-csv":
        child_ingest_csv(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=10_000, help="commits in the synthetic repository")
    parser.add_argument("--files", type=int, default=200, help="files in the synthetic repository")
    parser.add_argument("--csv-mb", type=int, default=256, help="size of the synthetic CSV in MB (target: 2048)")
    parser.add_argument("--skip-git", action="store_true", help="skip the git benchmark")
    parser.add_argument("--skip-csv", action="store_true", help="skip the CSV benchmark")
    parser.add_argument("--workdir", type=Path, default=None, help="keep inputs here instead of a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ingest-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results: dict[str, object] = {}
        if not args.skip_git:
            results["git"] = bench_git(workdir, args.commits, args.files)
        if not args.skip_csv:
            results["csv"] = bench_csv(workdir, args.csv_mb)
        results["load_average_1m_at_end"] = round(os.getloadavg()[0], 1)
        results["cpus"] = os.cpu_count()
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
