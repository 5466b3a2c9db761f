"""The Ray engine on one module-scoped local Ray (2 CPUs): extract records equal the local path's, resume,
a killed worker leaves no partial shard (and a rerun removes its leftovers), broken sources are reported,
dedup on Ray equals local dedup."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitocto.dedup.command import deduplicate
from gitocto.dedup.corpus import Settings
from gitocto.records import corpus_files, read_records
from gitocto.scale.runtime import start_local_ray

ray = pytest.importorskip("ray")

# Every test that starts Ray runs on one xdist worker (pyproject: --dist loadgroup): a Ray cluster is a dozen
# processes, and two of them at once crowd two cores.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]


@pytest.fixture(scope="module", autouse=True)
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One local Ray for the module; its workers inherit an isolated git environment from this process."""
    home = tmp_path_factory.mktemp("ray-home")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "Ada Tester",
            "GIT_AUTHOR_EMAIL": "ada@example.com",
            "GIT_COMMITTER_NAME": "Ada Tester",
            "GIT_COMMITTER_EMAIL": "ada@example.com",
            "RAY_USAGE_STATS_ENABLED": "0",
            "XDG_CACHE_HOME": str(home / ".cache"),
        }.items():
            mp.setenv(key, value)
        start_local_ray(2)  # with its own token: Ray keeps one in HOME, which this module changes
        try:
            yield
        finally:
            ray.shutdown()


def _repos(make_repo: Any, n: int) -> list[Any]:
    repos = []
    for i in range(n):
        repo = make_repo(f"r{i}")
        repo.commit("Add the module", {"pkg/mod.py": f"def f():\n    return {i}\n", "LICENSE": "MIT License\n"})
        repo.commit("Fix the return value", {"pkg/mod.py": f"def f():\n    return {i + 1}\n"})
        repo.commit("Add a helper for tests", {"pkg/util.go": f"package pkg\n\nfunc G() int {{ return {i} }}\n"})
        repos.append(repo)
    return repos


def test_dedup_on_ray_equals_local(planted_corpus: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    shards, _ = planted_corpus
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert deduplicate([str(shards)], str(local), Settings(), console=Console(quiet=True)) == 0
    assert deduplicate([str(shards)], str(on_ray), Settings(), engine="ray", console=Console(quiet=True)) == 0
    assert read_records(on_ray) == read_records(local)
    assert len(read_records(local)) < sum(len(read_records(p)) for p in shards.iterdir())


def test_ray_extract_equals_local_and_resumes(make_repo: Any, tmp_path: Path) -> None:
    shard = pytest.importorskip("gitocto.extract.shard")
    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.ray_engine import run_on_ray

    sources = [f"file://{r.path}" for r in _repos(make_repo, 2)]
    options = ExtractOptions()
    local_out, ray_out = tmp_path / "local", tmp_path / "ray"
    local = [shard.extract_repo_to_shard(s, local_out, options, tmp_path / "cache-local") for s in sources]
    seen: list[Any] = []
    results = run_on_ray(sources, ray_out, options, tmp_path / "cache-ray", None, 2, on_result=seen.append)
    assert [r.status for r in results] == ["ok", "ok"]
    assert [r.source for r in results] == sources
    assert sorted(r.key for r in seen) == sorted(r.key for r in results)
    assert [r.key for r in results] == [r.key for r in local]
    for r in results:
        records = read_records(ray_out / f"{r.key}.parquet")
        assert records and records == read_records(local_out / f"{r.key}.parquet")
        assert r.records == len(records)
    # A rerun skips every complete shard and leaves it as it was.
    before = {p.name: p.stat().st_mtime_ns for p in ray_out.glob("*.parquet")}
    again = run_on_ray(sources, ray_out, options, tmp_path / "cache-ray", None, 2)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert {p.name: p.stat().st_mtime_ns for p in ray_out.glob("*.parquet")} == before


def test_killed_worker_leaves_no_partial_shard_and_run_continues(make_repo: Any, tmp_path: Path) -> None:
    pytest.importorskip("gitocto.extract.shard")
    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.ray_engine import run_on_ray

    repos = _repos(make_repo, 2)
    victim = f"file://{repos[0].path}"
    sources = [victim, f"file://{repos[1].path}"]

    def dies_before_the_rename(source: str, out_dir: Path, options: Any, cache_dir: Path) -> Any:
        import os as worker_os

        from gitocto.extract.shard import extract_repo_to_shard

        if source == victim:
            real_replace = worker_os.replace

            # The worker is killed after the shard's bytes are written, before they are renamed into place.
            def replace_or_die(src: Any, dst: Any, **kwargs: Any) -> None:
                if str(dst).endswith(".parquet"):
                    worker_os._exit(1)
                real_replace(src, dst, **kwargs)

            worker_os.replace = replace_or_die
        return extract_repo_to_shard(source, out_dir, options, cache_dir)

    out = tmp_path / "out"
    options = ExtractOptions()
    results = run_on_ray(sources, out, options, tmp_path / "cache", None, 2, max_retries=1, task=dies_before_the_rename)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "worker" in (results[0].error or "")
    assert [p.name for p in out.glob("*.parquet")] == [f"{results[1].key}.parquet"]
    # The dead worker's bytes are still there under a temporary name, which no reader takes for a shard.
    assert any(p.name.startswith(f".{results[0].key}.parquet.tmp") for p in out.iterdir())
    assert corpus_files([out]) == [out / f"{results[1].key}.parquet"]
    # The rerun does the victim from scratch, removing what its dead worker left, and skips the finished one.
    again = run_on_ray(sources, out, options, tmp_path / "cache", None, 2)
    assert [r.status for r in again] == ["ok", "skipped"]
    assert read_records(out / f"{again[0].key}.parquet")
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name]


def test_failed_clone_and_broken_repo_are_reported(make_repo: Any, tmp_path: Path) -> None:
    pytest.importorskip("gitocto.extract.shard")
    from gitocto.extract.options import ExtractOptions
    from gitocto.extract.ray_engine import run_on_ray

    good = _repos(make_repo, 1)[0]
    broken = tmp_path / "broken"
    (broken / ".git").mkdir(parents=True)
    (broken / ".git" / "HEAD").write_text("garbage\n", encoding="utf-8")
    sources = [f"file://{tmp_path / 'no-such-repo'}", str(broken), f"file://{good.path}"]
    results = run_on_ray(sources, tmp_path / "out", ExtractOptions(), tmp_path / "cache", None, 2)
    assert [r.status for r in results] == ["failed", "failed", "ok"]
    assert all(r.error for r in results[:2])
    assert len(list((tmp_path / "out").glob("*.parquet"))) == 1
