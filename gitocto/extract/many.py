"""Many repositories (paths or clone URLs from a file) into one Parquet shard each, locally or on Ray."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gitocto import console as out
from gitocto.errors import OctoError
from gitocto.extract.command import check_same_run, run_settings, validate_options
from gitocto.extract.forks import merge_shards
from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import STATE_DIR
from gitocto.extract.shard import RepoResult, extract_repo_to_shard, is_url, repo_key
from gitocto.extract.workers import process_pool
from gitocto.records import format_of


def read_repos_file(path: Path) -> list[str]:
    """Sources listed one per line; blank lines and lines starting with # are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise OctoError(f"{path}: cannot read the repository list ({exc.strerror})") from exc
    sources = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not sources:
        raise OctoError(f"{path}: the repository list is empty")
    return sources


def normalize_sources(sources: Sequence[str]) -> list[str]:
    """Local paths made absolute (a Ray worker runs in another directory) and each source once, first one kept
    (two tasks on one source would race on its clone and its shard); "." when there are none."""
    absolute = [s if is_url(s) else os.path.abspath(s) for s in (sources or ["."])]
    return list(dict.fromkeys(absolute))


def clone_cache() -> Path:
    """Where clones of remote sources are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gitocto" / "clones"


def extract_many(
    sources: Sequence[str],
    output: str,
    options: ExtractOptions,
    *,
    engine: str = "local",
    ray_address: str | None = None,
    cache_dir: Path | None = None,
    console: Console | None = None,
) -> int:
    """One shard per source under the directory `output`; prints failures; exit 1 when any source failed."""
    console = console or out.console()
    if output == "-" or format_of(output) is not None:
        raise OctoError("with --repos-file, -o must name a directory (one Parquet shard per repository)")
    sources = normalize_sources(sources)
    validate_options(options)
    out_dir = Path(output).absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    # Shards already there are skipped on a rerun, so they must have been made with the same options.
    check_same_run(out_dir / STATE_DIR, run_settings(options), f"{out_dir} holds shards")
    cache = (cache_dir or clone_cache()).absolute()
    if engine == "ray":
        from gitocto.extract.ray_engine import run_on_ray

        # A local Ray gets every core unless --workers says otherwise.
        workers = options.workers if options.workers > 1 else (os.cpu_count() or 1)
        results = run_on_ray(list(sources), out_dir, options, cache, ray_address, workers)
    else:
        results = _run_local(sources, out_dir, options, cache, console)
    # Forks: a commit several shards hold stays only in the first one's shard, with `repos` naming them all.
    # Runs on the driver, after every shard is complete; reads the commit column, rewrites only changed shards.
    merged = [(out_dir / f"{r.key}.parquet", r.status == "ok") for r in results if r.status in ("ok", "skipped")]
    copies = merge_shards(merged)
    if copies:
        console.print(f"{copies} records of commits that several repositories hold were merged into the first's shard")
    return report(results, console)


def _run_local(
    sources: Sequence[str], out_dir: Path, options: ExtractOptions, cache: Path, console: Console
) -> list[RepoResult]:
    with Progress(
        TextColumn("[bold]repositories"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("repos", total=len(sources))
        return run_in_processes(
            sources, out_dir, options, cache, max(1, options.workers), lambda: progress.advance(task)
        )


def run_in_processes(
    sources: Sequence[str],
    out_dir: Path,
    options: ExtractOptions,
    cache: Path,
    workers: int,
    on_result: Callable[[], None] = lambda: None,
) -> list[RepoResult]:
    """Each source in a worker process; a worker that dies (out of memory, a crash in a native library) costs
    its repository, not the run. Results in `sources` order."""
    results: dict[int, RepoResult] = {}
    todo = deque(range(len(sources)))
    while todo:
        suspects = _until_broken(sources, todo, out_dir, options, cache, workers, results, on_result)
        # A dead worker breaks the whole pool and fails every repository in flight: each is tried again alone,
        # and one whose worker dies alone too is the one that failed.
        for i in suspects:
            alone = _until_broken(sources, deque([i]), out_dir, options, cache, 1, results, on_result)
            if alone:
                results[i] = RepoResult(
                    sources[i],
                    repo_key(sources[i]),
                    "failed",
                    0,
                    "worker process died while extracting (out of memory or a crash)",
                )
                on_result()
    return [results[i] for i in range(len(sources))]


def _until_broken(
    sources: Sequence[str],
    todo: deque[int],
    out_dir: Path,
    options: ExtractOptions,
    cache: Path,
    workers: int,
    results: dict[int, RepoResult],
    on_result: Callable[[], None],
) -> list[int]:
    """Run sources from `todo` in one pool, at most `workers` at a time, until it is empty or the pool breaks;
    return the ones that were in flight when it broke (the rest stay in `todo`)."""
    # A repository can take minutes and its worker writes its own shard: on Ctrl-C stop it rather than wait.
    with process_pool(workers, terminate=True) as pool:
        running: dict[Future[RepoResult], int] = {}
        suspects: list[int] = []
        usable = True
        while running or (todo and usable):
            while usable and todo and len(running) < workers:
                try:
                    future = pool.submit(extract_repo_to_shard, sources[todo[0]], out_dir, options, cache)
                except BrokenProcessPool:
                    usable = False  # broken by a worker whose future is still in `running`
                    break
                running[future] = todo.popleft()
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                i = running.pop(future)
                try:
                    results[i] = future.result()
                except BrokenProcessPool:
                    usable = False
                    suspects.append(i)
                    continue
                on_result()
    return sorted(suspects)


def report(results: Sequence[RepoResult], console: Console) -> int:
    """Print the totals and a table of failed repositories; exit code 1 when any failed."""
    ok = [r for r in results if r.status == "ok"]
    skipped = [r for r in results if r.status == "skipped"]
    failed = [r for r in results if r.status == "failed"]
    repos = "repository" if len(ok) == 1 else "repositories"
    console.print(
        f"{sum(r.records for r in ok)} records from {len(ok)} {repos}; {len(skipped)} already "
        f"complete; {len(failed)} failed"
    )
    if failed:
        table = Table("repository", "error", title="Failed repositories")
        for r in failed:
            table.add_row(r.source, r.error or "")
        console.print(table)
        return 1
    return 0
