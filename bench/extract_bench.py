"""Records/s of `git octo extract` against PyDriller and two floors every tool pays, on one repository.

    python bench/extract_bench.py REPO [--max-commits N] [--pydriller-max-commits N] [--repeats 3] [--profile]

Over the same non-merge commits (the newest N reachable from HEAD) it times, median of --repeats:
  gitocto (1 worker)     the extraction with one worker, written to a Parquet file (no filters)
  gitocto (all cores)    the same with --workers = cores
  PyDriller              the same records (before, message, after, change kind, line counts) built with PyDriller
  git log -p             `git log -p` over the same commits, output thrown away (a floor: git's own diffs)
  blob floor             `git cat-file --batch` reading exactly the old and new blobs the records hold
and prints each one's records/s and gitocto's speed-up over PyDriller. --profile adds a cProfile summary of the
one-worker run (time in git's processes shows up as waits on their pipes).
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
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from gitocto.extract.command import extract_command
from gitocto.extract.options import ExtractOptions
from gitocto.git.streams import NULL_SHA, log_raw


def median_seconds(fn: Callable[[], object], repeats: int) -> float:
    """The median wall time of `repeats` calls of `fn`."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def commits_of(repo: Path, n: int) -> list[str]:
    """The newest `n` non-merge commits reachable from HEAD."""
    out = subprocess.run(["git", "-C", str(repo), "rev-list", "--no-merges", f"--max-count={n}", "HEAD"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def run_gitocto(repo: Path, n: int, workers: int) -> int:
    """Extract into a fresh Parquet file; return the number of records."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.parquet"
        console = Console(file=io.StringIO())
        extract_command([str(repo)], str(out), ExtractOptions(max_commits=n, workers=workers), console=console)
        import pyarrow.parquet as pq

        return int(pq.read_metadata(out).num_rows)


def run_pydriller(repo: Path, n: int) -> int:
    """The same records written the way most research code does it, with PyDriller."""
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
                records.append({
                    "commit": commit.hash, "old_file": mf.old_path, "new_file": mf.new_path,
                    "old_contents": mf.source_code_before, "new_contents": mf.source_code, "message": commit.msg,
                    "change_type": mf.change_type.name, "lines_added": mf.added_lines,
                    "lines_removed": mf.deleted_lines, "files_changed": len(files),
                    "author_date": commit.author_date.isoformat(),
                })
            except (ValueError, KeyError):
                continue
    return len(records)


def run_git_log_p(repo: Path, n: int) -> None:
    """`git log -p` over the same commits, output discarded."""
    subprocess.run(["git", "-C", str(repo), "log", "-p", "--no-merges", f"--max-count={n}", "HEAD"],
                   stdout=subprocess.DEVNULL, check=True)


def blob_list(repo: Path, commits: list[str]) -> bytes:
    """The old and new blob ids of every regular-file change in `commits`, one per line (not timed)."""
    git_dir = Path(subprocess.run(["git", "-C", str(repo), "rev-parse", "--absolute-git-dir"], capture_output=True,
                                  text=True, check=True).stdout.strip())
    shas = []
    for commit in log_raw(git_dir, commits):
        for c in commit.changes:
            if "160000" in (c.old_mode, c.new_mode) or "120000" in (c.old_mode, c.new_mode):
                continue
            shas += [s for s in (c.old_sha, c.new_sha) if s != NULL_SHA]
    return "".join(f"{s}\n" for s in shas).encode()


def run_blob_floor(repo: Path, shas: bytes) -> None:
    """`git cat-file --batch` over exactly those blobs, output discarded."""
    subprocess.run(["git", "-C", str(repo), "cat-file", "--batch"], input=shas, stdout=subprocess.DEVNULL, check=True)


def profile_summary(repo: Path, n: int, top: int = 15) -> str:
    """cProfile of the one-worker extraction: the functions with the most own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_gitocto(repo, n, 1)
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(top)
    return buf.getvalue()


def main() -> int:
    """Run every measurement and print the table and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo", type=Path)
    parser.add_argument("--max-commits", type=int, default=1_000_000, help="Newest N non-merge commits.")
    parser.add_argument("--pydriller-max-commits", type=int, default=None,
                        help="Fewer commits for PyDriller (it is slow); its rate is still records/s.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="Workers for the all-cores run.")
    parser.add_argument("--profile", action="store_true", help="Print a cProfile summary of the one-worker run.")
    args = parser.parse_args()

    commits = commits_of(args.repo, args.max_commits)
    n = len(commits)
    pd_n = min(n, args.pydriller_max_commits or n)
    records = run_gitocto(args.repo, n, 1)
    pd_records = run_pydriller(args.repo, pd_n)
    shas = blob_list(args.repo, commits)
    rows = [
        ("gitocto (1 worker)", n, records, median_seconds(lambda: run_gitocto(args.repo, n, 1), args.repeats)),
        (f"gitocto ({args.workers} workers)", n, records,
         median_seconds(lambda: run_gitocto(args.repo, n, args.workers), args.repeats)),
        ("PyDriller", pd_n, pd_records, median_seconds(lambda: run_pydriller(args.repo, pd_n), args.repeats)),
        ("git log -p (floor)", n, records, median_seconds(lambda: run_git_log_p(args.repo, n), args.repeats)),
        ("git cat-file --batch blobs (floor)", n, records,
         median_seconds(lambda: run_blob_floor(args.repo, shas), args.repeats)),
    ]
    print(f"repository: {args.repo}  non-merge commits: {n}  records: {records}  cores: {os.cpu_count()}  "
          f"median of {args.repeats}")
    print(f"| {'engine':38} | commits | records | seconds | records/s |")
    print(f"|{'-' * 40}|---------|---------|---------|-----------|")
    rates = {}
    for name, commits_n, recs, seconds in rows:
        rates[name] = recs / seconds
        print(f"| {name:38} | {commits_n:7} | {recs:7} | {seconds:7.2f} | {recs / seconds:9.0f} |")
    pd_rate = rates["PyDriller"]
    print(f"speed-up over PyDriller: 1 worker {rates['gitocto (1 worker)'] / pd_rate:.1f}x, "
          f"{args.workers} workers {rates[rows[1][0]] / pd_rate:.1f}x")
    print(f"1 worker vs git log -p floor: {rates['gitocto (1 worker)'] / rates['git log -p (floor)']:.2f}x the rate")
    if args.profile:
        print(profile_summary(args.repo, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
