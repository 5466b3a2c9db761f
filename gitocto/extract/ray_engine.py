"""Extraction of many repositories on Ray: one task per repository, shards written by the workers.

Each task runs the same `extract_repo_to_shard` as the local engine, so the records are identical; the
shard is renamed into place only when complete, so a worker that dies mid-repository leaves nothing that a
rerun would mistake for done, and Ray retries the task on another worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitocto.scale.runtime import cluster_cpus, ray_session

if TYPE_CHECKING:
    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.shard import RepoResult

RepoTask = Callable[[str, Path, "ExtractOptions", Path], "RepoResult"]

# Tasks in flight per cluster CPU: enough to keep every worker busy while results stream back, few enough that
# the driver never holds a million pending references.
_IN_FLIGHT_PER_CPU = 2


def _crashed(source: str, exc: BaseException) -> RepoResult:
    from gitocto.extract import shard

    # The extract names shards; without its key function, the last path component names the repository.
    key_of = getattr(shard, "repo_key", None)
    key = key_of(source) if callable(key_of) else source.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    return shard.RepoResult(
        source=source,
        key=key,
        status="failed",
        records=0,
        error=f"worker lost while extracting ({type(exc).__name__}); retries exhausted",
        counts={},
    )


def iter_on_ray(
    sources: Sequence[str],
    out_dir: Path,
    options: ExtractOptions,
    cache_dir: Path,
    *,
    max_retries: int = 2,
    task: RepoTask | None = None,
) -> Iterator[tuple[int, RepoResult]]:
    """Run one task per source on the connected Ray cluster; yield (index in `sources`, result) as each finishes."""
    import ray
    from ray.exceptions import RayError

    if task is None:
        from gitocto.extract.shard import extract_repo_to_shard

        task = extract_repo_to_shard
    # retry_exceptions=False: extract_repo_to_shard reports a broken repository as a result, so only a lost
    # worker (killed, out of memory, node gone) is worth another try.
    remote: Any = ray.remote(num_cpus=1, max_retries=max_retries, retry_exceptions=False)(task)
    window = _IN_FLIGHT_PER_CPU * cluster_cpus()
    pending: dict[Any, int] = {}
    next_index = 0
    try:
        while pending or next_index < len(sources):
            while next_index < len(sources) and len(pending) < window:
                ref = remote.remote(sources[next_index], out_dir, options, cache_dir)
                pending[ref] = next_index
                next_index += 1
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except RayError as exc:
                    result = _crashed(sources[index], exc)
                yield index, result
    finally:
        # Ctrl-C or an error in the caller: stop the rest; their shards were never renamed into place.
        for ref in pending:
            ray.cancel(ref, force=True)


def run_on_ray(
    sources: Sequence[str],
    out_dir: Path,
    options: ExtractOptions,
    cache_dir: Path,
    address: str | None,
    workers: int,
    *,
    on_result: Callable[[RepoResult], None] | None = None,
    max_retries: int = 2,
    task: RepoTask | None = None,
) -> list[RepoResult]:
    """Extract every source into `out_dir/<repo_key>.parquet` on Ray; results in `sources` order.

    `address` None starts a local Ray with `workers` CPUs in-process; otherwise it names a running cluster
    (`ray://host:10001` or `auto`). `on_result` is called in the driver as each repository finishes (progress).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    results: list[RepoResult | None] = [None] * len(sources)
    with ray_session(address, workers):
        for index, result in iter_on_ray(sources, out_dir, options, cache_dir, max_retries=max_retries, task=task):
            results[index] = result
            if on_result is not None:
                on_result(result)
    return [r for r in results if r is not None]
