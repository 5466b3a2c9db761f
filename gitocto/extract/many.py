"""Many repositories (paths or clone URLs from a file) into one Parquet shard each, locally or on Ray."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gitocto.errors import OctoError
from gitocto.extract.command import check_same_run, run_settings, validate_options
from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import STATE_DIR, format_of
from gitocto.extract.shard import RepoResult, extract_repo_to_shard
from gitocto.extract.workers import process_pool


def read_repos_file(path: Path) -> list[str]:
    """Sources listed one per line; blank lines and lines starting with # are ignored."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise OctoError(f"{path}: cannot read the repository list ({exc.strerror})") from exc
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def clone_cache() -> Path:
    """Where clones of remote sources are kept between runs."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gitocto" / "clones"


def extract_many(sources: Sequence[str], output: str, options: ExtractOptions, *, engine: str = "local",
                 ray_address: str | None = None, cache_dir: Path | None = None,
                 console: Console | None = None) -> int:
    """One shard per source under the directory `output`; prints failures; exit 1 when any source failed."""
    console = console or Console(stderr=True)
    if output == "-" or format_of(output) is not None:
        raise OctoError("with --repos-file, -o must name a directory (one Parquet shard per repository)")
    if not sources:
        raise OctoError("the repository list is empty")
    validate_options(options)
    out_dir = Path(output)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Shards already there are skipped on a rerun, so they must have been made with the same options.
    check_same_run(out_dir / STATE_DIR, run_settings(options), f"{out_dir} holds shards")
    cache = cache_dir or clone_cache()
    if engine == "ray":
        from gitocto.scale.ray_engine import run_on_ray

        # A local Ray gets every core unless --workers says otherwise.
        workers = options.workers if options.workers > 1 else (os.cpu_count() or 1)
        results = run_on_ray(list(sources), out_dir, options, cache, ray_address, workers)
    else:
        results = _run_local(sources, out_dir, options, cache, console)
    return report(results, console)


def _run_local(sources: Sequence[str], out_dir: Path, options: ExtractOptions, cache: Path,
               console: Console) -> list[RepoResult]:
    results: list[RepoResult] = []
    with Progress(TextColumn("[bold]repositories"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("repos", total=len(sources))
        if options.workers <= 1:
            for source in sources:
                results.append(extract_repo_to_shard(source, out_dir, options, cache))
                progress.advance(task)
        else:
            # A repository can take minutes and its worker writes its own shard: stop it rather than wait.
            with process_pool(options.workers, terminate=True) as pool:
                n = len(sources)
                for result in pool.map(extract_repo_to_shard, sources, [out_dir] * n, [options] * n, [cache] * n):
                    results.append(result)
                    progress.advance(task)
    return results


def report(results: Sequence[RepoResult], console: Console) -> int:
    """Print the totals and a table of failed repositories; exit code 1 when any failed."""
    ok = [r for r in results if r.status == "ok"]
    skipped = [r for r in results if r.status == "skipped"]
    failed = [r for r in results if r.status == "failed"]
    console.print(f"{sum(r.records for r in ok)} records from {len(ok)} repositories; {len(skipped)} already "
                  f"complete; {len(failed)} failed")
    if failed:
        table = Table("repository", "error", title="Failed repositories")
        for r in failed:
            table.add_row(r.source, r.error or "")
        console.print(table)
        return 1
    return 0
