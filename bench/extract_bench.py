"""Records/s of `git octo extract` on real repositories against PyDriller and two floors every tool pays.

    python -m bench.extract_bench REPO [REPO ...] [--max-commits N] [--pydriller-max-commits N] [--repeats 3]
                                  [--workers 1] [--profile]

For each repository, over the newest N non-merge commits reachable from HEAD, it measures (our runs: median of
--repeats, each a fresh `git octo extract` process, so imports and the final join count; PyDriller: once):
  .jsonl / .parquet / .jsonl.gz   `git octo extract -o out.<ext> --workers W`, with its peak RSS
  PyDriller                       the same (before, message, after) triples, change kind and line counts, built
                                  with PyDriller in a process of its own (its import not counted), over
                                  --pydriller-max-commits
  git log -p (floor)              `git log -p` over the same commits, output thrown away: git's own diffs
  blob floor                      `git cat-file --batch` reading exactly the old and new blobs the records hold
and prints each one's records/s with its ratio to PyDriller measured in the same run. Then a split of one
sequential one-worker pass into walk (git log + cat-file reads), build (records from blobs, dedup), encode (JSONL
lines / Arrow table) and write (file writes / Parquet encoding and compression), each timed on its own.
--profile adds a cProfile summary (own time) of one in-process extraction to .jsonl.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pyarrow.parquet as pq

from gitocto.extract import walk
from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import ParquetStream, to_tables
from gitocto.extract.pipeline import dedup_key
from gitocto.git.streams import NULL_SHA, BlobReader, log_raw
from gitocto.records import gzip_members, json_lines

T = TypeVar("T")
KINDS = ("jsonl", "parquet", "jsonl.gz")


def commits_of(repo: Path, n: int) -> list[str]:
    """The newest `n` non-merge commits reachable from HEAD."""
    out = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--no-merges", f"--max-count={n}", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def run_octo(repo: Path, n: int, kind: str, workers: int) -> tuple[float, float, int]:
    """`git octo extract` into a fresh `out.<kind>`: (seconds, peak RSS in MB, records)."""
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        out = Path(tmp) / f"out.{kind}"
        cmd = [
            sys.executable,
            "-c",
            "import sys; from gitocto.cli import main; sys.exit(main())",
            "extract",
            str(repo),
            "-o",
            str(out),
            "--max-commits",
            str(n),
            "--workers",
            str(workers),
        ]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed with {proc.returncode}")
        if kind == "parquet":
            records = int(pq.read_metadata(out).num_rows)
        else:
            import gzip

            opener = gzip.open if kind.endswith(".gz") else open
            with opener(out, "rb") as fh:
                records = sum(1 for _ in fh)
        return seconds, usage.ru_maxrss / 1024, records


def run_pydriller(repo: Path, n: int) -> int:
    """The same triples built the way most research code does it, with PyDriller; the number of records."""
    from pydriller import Repository

    records = []
    for i, commit in enumerate(Repository(str(repo), only_no_merge=True, order="reverse").traverse_commits()):
        if i >= n:
            break
        try:
            files = commit.modified_files
        except (ValueError, KeyError):  # submodule entries make PyDriller fail unless guarded
            continue
        for mf in files:
            try:
                records.append(
                    {
                        "commit": commit.hash,
                        "old_file": mf.old_path,
                        "new_file": mf.new_path,
                        "old_contents": mf.source_code_before,
                        "new_contents": mf.source_code,
                        "message": commit.msg,
                        "change_type": mf.change_type.name,
                        "lines_added": mf.added_lines,
                        "lines_removed": mf.deleted_lines,
                        "files_changed": len(files),
                        "author_date": commit.author_date.isoformat(),
                    }
                )
            except (ValueError, KeyError):
                continue
    return len(records)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def git_dir_of(repo: Path) -> Path:
    return Path(
        subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"], capture_output=True, text=True, check=True
        ).stdout.strip()
    )


def blob_list(repo: Path, commits: list[str]) -> bytes:
    """The old and new blob ids of every regular-file change in `commits`, one per line (not timed)."""
    shas = []
    for commit in log_raw(git_dir_of(repo), commits):
        for c in commit.changes:
            if "160000" in (c.old_mode, c.new_mode) or "120000" in (c.old_mode, c.new_mode):
                continue
            shas += [s for s in (c.old_sha, c.new_sha) if s != NULL_SHA]
    return "".join(f"{s}\n" for s in shas).encode()


def run_git_log_p(repo: Path, n: int) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "log", "-p", "--no-merges", f"--max-count={n}", "HEAD"],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def run_blob_floor(repo: Path, shas: bytes) -> None:
    subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=shas, stdout=subprocess.DEVNULL, check=True)


def iter_timed(items: Iterator[T], t: dict[str, float], key: str) -> Iterator[T]:
    """`items`, adding the time each one takes to produce to `t[key]`."""
    while True:
        start = time.perf_counter()
        item = next(items, None)
        t[key] += time.perf_counter() - start
        if item is None:
            return
        yield item


def split(repo: Path, n: int) -> dict[str, float]:
    """One sequential one-worker pass, each stage timed on its own (no overlap, unlike the real run)."""
    ctx, commits = walk.prepare(repo, ExtractOptions(max_commits=n))
    t = dict.fromkeys(
        ("walk: git log", "walk: blob reads", "build", "encode JSONL", "write JSONL", "encode Arrow", "write Parquet"),
        0.0,
    )
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        stream = ParquetStream(Path(tmp) / "s.parquet", walk.COLUMNS)
        with open(Path(tmp) / "s.jsonl", "wb", buffering=1 << 20) as jsonl:
            logs = walk.chunk_logs(ctx, walk.chunks(commits))  # one git log for the run, as the tool reads it
            for chunk in walk.chunks(commits):
                start = time.perf_counter()
                raw = next(logs)
                t["walk: git log"] += time.perf_counter() - start
                if isinstance(raw, Exception):
                    continue
                shas = list(
                    dict.fromkeys(s for c in raw for ch in c.changes for s in (ch.old_sha, ch.new_sha) if s != NULL_SHA)
                )
                start = time.perf_counter()
                with BlobReader(ctx.git_dir, max_size=ctx.max_file_size) as reader:
                    for _ in reader.read(shas):
                        pass
                blob_seconds = time.perf_counter() - start
                t["walk: blob reads"] += blob_seconds
                # extract_chunk reads the blobs again (now from the OS cache): its time less the read above.
                start = time.perf_counter()
                records = walk.extract_chunk(ctx, chunk, raw).records
                for r in records:
                    dedup_key(r)
                t["build"] += max(0.0, time.perf_counter() - start - blob_seconds)
                start = time.perf_counter()
                lines = list(json_lines(records))
                t["encode JSONL"] += time.perf_counter() - start
                start = time.perf_counter()
                jsonl.writelines(lines)
                t["write JSONL"] += time.perf_counter() - start
                del lines
                for table in iter_timed(to_tables(records, walk.COLUMNS), t, "encode Arrow"):
                    start = time.perf_counter()
                    stream.write_table(table)
                    t["write Parquet"] += time.perf_counter() - start
            start = time.perf_counter()
            jsonl.flush()
            t["write JSONL"] += time.perf_counter() - start
        start = time.perf_counter()
        stream.finish()
        t["write Parquet"] += time.perf_counter() - start
        start = time.perf_counter()
        with open(Path(tmp) / "s.jsonl", "rb") as fh, open(Path(tmp) / "s.jsonl.gz", "wb") as out:
            out.writelines(gzip_members(iter(fh.readline, b"")))
        t["gzip (1 thread)"] = time.perf_counter() - start
    return t


def profile_summary(repo: Path, n: int, top: int = 12) -> str:
    """cProfile (own time) of one in-process extraction to .jsonl; the writer thread's time is not in it."""
    from rich.console import Console

    from gitocto.extract.command import extract_repos

    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        profiler.enable()
        extract_repos(
            [str(repo)], str(Path(tmp) / "p.jsonl"), ExtractOptions(max_commits=n), console=Console(file=io.StringIO())
        )
        profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def bench_repo(repo: Path, args: argparse.Namespace) -> None:
    commits = commits_of(repo, args.max_commits)
    n = len(commits)
    pd_n = min(n, args.pydriller_max_commits or n)
    print(
        f"\n## {repo.name}: {n} non-merge commits (PyDriller: {pd_n}), {args.workers} worker(s), "
        f"median of {args.repeats}, load before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rows: list[tuple[str, int, int, float, str]] = []
    # In a process of its own: its records would otherwise stay in this one's heap, and every process started
    # from a large parent starts out with the parent's pages counted in its peak RSS.
    out = subprocess.run(
        [sys.executable, __file__, "--pydriller-only", str(repo), "--max-commits", str(pd_n)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pd_records, pd_seconds = int(out[0]), float(out[1])
    rows.append(("PyDriller", pd_n, pd_records, pd_seconds, ""))
    records = 0
    for kind in KINDS:
        runs = [run_octo(repo, n, kind, args.workers) for _ in range(args.repeats)]
        records = runs[0][2]
        rows.append(
            (
                f"git octo extract -o out.{kind}",
                n,
                records,
                statistics.median(r[0] for r in runs),
                f"{max(r[1] for r in runs):.0f}",
            )
        )
    shas = blob_list(repo, commits)
    rows.append(
        (
            "git log -p (floor)",
            n,
            records,
            statistics.median(timed(lambda: run_git_log_p(repo, n)) for _ in range(args.repeats)),
            "",
        )
    )
    rows.append(
        (
            "git cat-file --batch blobs (floor)",
            n,
            records,
            statistics.median(timed(lambda: run_blob_floor(repo, shas)) for _ in range(args.repeats)),
            "",
        )
    )
    pd_rate = pd_records / rows[0][3]
    print("| engine | commits | records | seconds | records/s | × PyDriller | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, commits_n, recs, seconds, rss in rows:
        rate = recs / seconds
        print(f"| {name} | {commits_n} | {recs} | {seconds:.2f} | {rate:.0f} | {rate / pd_rate:.1f} | {rss} |")
    jsonl_s, gz_s = rows[1][3], rows[3][3]
    print(
        f".jsonl.gz / .jsonl time: {gz_s / jsonl_s:.2f}×;  .jsonl vs git log -p floor: "
        f"{rows[4][3] / jsonl_s:.2f}× its rate;  load after: {os.getloadavg()[0]:.1f}"
    )
    stages = split(repo, n)
    total = sum(v for k, v in stages.items() if not k.startswith("gzip"))
    print(
        "split of one sequential pass (s): "
        + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
        + f"; sum {total:.2f}",
        flush=True,
    )
    if args.profile:
        print(profile_summary(repo, n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repos", type=Path, nargs="+")
    parser.add_argument("--max-commits", type=int, default=1_000_000, help="Newest N non-merge commits.")
    parser.add_argument(
        "--pydriller-max-commits",
        type=int,
        default=None,
        help="Fewer commits for PyDriller (it is slow); its rate is still records/s.",
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="Print a cProfile summary of one extraction.")
    parser.add_argument("--pydriller-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pydriller_only:
        import pydriller  # noqa: F401  (imported before the clock starts, as in-process code would be)

        start = time.perf_counter()
        records = run_pydriller(args.repos[0], args.max_commits)
        print(records, time.perf_counter() - start)
        return 0
    print(f"cores: {os.cpu_count()}  load: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for repo in args.repos:
        bench_repo(repo, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
