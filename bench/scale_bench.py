"""Records/s of extraction over many repositories: single process, Ray with 1 worker and Ray with 2 workers.

    python -m bench.scale_bench [--repos 8] [--commits 300] [--workers 1,2] [--repeat 1] [--work DIR]

Builds `--repos` repositories with bench/make_history.py (or, when absent, a small git fast-import generator),
then extracts all of them (a) one after another in this process with `extract_repo_to_shard` (the local path),
(b) with `run_on_ray` on a local Ray of N CPUs for each N in --workers. Every run starts from an empty output
and clone cache. Ray's startup is timed separately and left out of records/s (a cluster is started once per
job, not per repository), and reported. Prints a markdown table: records/s, scaling efficiency against 1 worker,
and the Ray path's overhead against the single-process path.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _fast_import_history(path: Path, commits: int, seed: int) -> None:
    """A repository of `commits` commits, each changing one or two Python files (used without make_history.py)."""
    import random

    rng = random.Random(seed)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream: list[bytes] = []
    files = {f"pkg/m{i}.py": [f"def f{i}_{j}(x):\n    return x + {j}\n" for j in range(5)] for i in range(20)}
    for n in range(commits):
        stream.append(b"commit refs/heads/main\n")
        stamp = 1_700_000_000 + n * 60
        stream.append(f"committer Bench <bench@example.com> {stamp} +0000\n".encode())
        msg = f"Fix the handling of case {n} in the parser\n".encode()
        stream.append(b"data %d\n%s\n" % (len(msg), msg))
        for name in rng.sample(sorted(files), rng.choice([1, 1, 2])):
            lines = files[name]
            lines[rng.randrange(len(lines))] = f"def g{n}(x):\n    return x * {rng.randint(0, 99)}\n"
            body = "".join(lines).encode()
            stream.append(b"M 100644 inline %s\ndata %d\n%s\n" % (name.encode(), len(body), body))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)


def make_repos(work: Path, n: int, commits: int) -> list[str]:
    """`n` repositories under `work/repos`, as file:// URLs (so every engine clones them like remote ones)."""
    maker = ROOT / "bench" / "make_history.py"
    sources = []
    for i in range(n):
        path = work / "repos" / f"repo{i}"
        if not path.exists():
            if maker.exists():
                subprocess.run(
                    [sys.executable, str(maker), str(path), "--commits", str(commits), "--seed", str(i)],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
            else:
                _fast_import_history(path, commits, seed=i)
        sources.append(f"file://{path}")
    return sources


def _cpu_seconds() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_local(sources: list[str], work: Path) -> tuple[float, int, float]:
    """Seconds, records and CPU seconds (this process and its git subprocesses) for the single-process path."""
    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.shard import extract_repo_to_shard

    out, cache = work / "out-local", work / "cache-local"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    start, cpu = time.perf_counter(), _cpu_seconds()
    results = [extract_repo_to_shard(s, out, ExtractOptions(), cache) for s in sources]
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    assert all(r.status == "ok" for r in results), [r.error for r in results if r.status != "ok"]
    return seconds, sum(r.records for r in results), cpu


def run_ray(sources: list[str], work: Path, workers: int) -> tuple[float, float, int]:
    """Ray startup seconds, extraction seconds and records for a local Ray of `workers` CPUs."""
    import ray

    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.ray_engine import run_on_ray

    out, cache = work / f"out-ray{workers}", work / f"cache-ray{workers}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    start = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    # Warm the worker pool (processes spawned, extract modules imported) so the timed part measures extraction.
    warm = ray.remote(lambda: __import__("gitocto.extract.shard") and None)
    ray.get([warm.remote() for _ in range(workers)])
    startup = time.perf_counter() - start
    try:
        start = time.perf_counter()
        results = run_on_ray(sources, out, ExtractOptions(), cache, None, workers)
        seconds = time.perf_counter() - start
    finally:
        ray.shutdown()
    assert all(r.status == "ok" for r in results), [r.error for r in results if r.status != "ok"]
    return startup, seconds, sum(r.records for r in results)


def run_dedup(work: Path, engine: str, workers: int) -> tuple[float, int, int]:
    """Seconds, records in and records out of `git octo dedup` over the local run's shards."""
    from rich.console import Console

    from gitocto.dedup.command import deduplicate
    from gitocto.dedup.corpus import Settings
    from gitocto.records import read_records

    out = work / f"dedup-{engine}.parquet"
    start = time.perf_counter()
    deduplicate(
        [str(work / "out-local")], str(out), Settings(), engine=engine, workers=workers, console=Console(quiet=True)
    )
    seconds = time.perf_counter() - start
    records_in = sum(len(read_records(p)) for p in (work / "out-local").glob("*.parquet"))
    return seconds, records_in, len(read_records(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=8)
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--workers", default="1,2", help="comma-separated Ray CPU counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine; the median is reported")
    parser.add_argument("--dedup", action="store_true", help="also time `git octo dedup` (local, Ray) on the shards")
    parser.add_argument("--work", type=Path, default=None, help="keep repositories here (default: a temp dir)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="scale-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sources = make_repos(work, args.repos, args.commits)

    run_local(sources, work)  # untimed: warms the page cache and the imports for every engine alike
    local = [run_local(sources, work) for _ in range(args.repeat)]
    local_s = statistics.median(r[0] for r in local)
    records = local[0][1]
    cpu_ms = 1000 * statistics.median(r[2] for r in local) / records
    rows = [("local, 1 process", "-", local_s, records / local_s)]
    per_worker: dict[int, float] = {}
    for workers in (int(w) for w in args.workers.split(",")):
        runs = [run_ray(sources, work, workers) for _ in range(args.repeat)]
        startup = statistics.median(r[0] for r in runs)
        seconds = statistics.median(r[1] for r in runs)
        assert runs[0][2] == records, "the Ray path wrote a different number of records"
        per_worker[workers] = records / seconds
        rows.append((f"Ray, {workers} worker(s)", f"{startup:.1f}", seconds, records / seconds))

    load = os.getloadavg()[0]
    print(
        f"{args.repos} repositories x {args.commits} commits = {records} records; cpus={os.cpu_count()}, "
        f"load average at the end {load:.1f}\n"
    )
    print("| engine | Ray startup s | extract s | records/s |")
    print("|---|---|---|---|")
    for name, startup_s, seconds, rps in rows:
        print(f"| {name} | {startup_s} | {seconds:.2f} | {rps:,.0f} |")
    if 1 in per_worker:
        overhead = (records / per_worker[1]) / local_s - 1
        print(f"\nRay path overhead vs single process (1 worker, startup excluded): {100 * overhead:+.1f}%")
        for workers, rps in sorted(per_worker.items()):
            if workers > 1:
                print(f"scaling efficiency, {workers} workers: {rps / (workers * per_worker[1]):.2f}")
    print(f"single-process path: {cpu_ms:.2f} CPU ms per record (Python + git subprocesses)")
    if args.dedup:
        run_local(sources, work)
        print("\n| dedup engine | seconds (Ray startup included) | records in | records out | records/s |")
        print("|---|---|---|---|---|")
        for engine, workers in (("local", 1), ("ray", 2)):
            seconds, n_in, n_out = run_dedup(work, engine, workers)
            print(f"| {engine} ({workers} cpu) | {seconds:.2f} | {n_in} | {n_out} | {n_in / seconds:,.0f} |")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
