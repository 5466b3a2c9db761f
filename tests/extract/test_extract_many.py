"""Many repositories in one run: the list as given (duplicates once, "." by default, absolute paths for Ray), and
a worker that dies costing only its own repository, with what it left behind removed by the rerun."""

from __future__ import annotations

import io
import multiprocessing
import os
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitocto.errors import OctoError
from gitocto.extract.many import extract_many, read_repos_file
from gitocto.extract.options import ExtractOptions
from gitocto.extract.shard import repo_key
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo


def _repo(make_repo: Any, name: str) -> Any:
    repo = make_repo(name)
    # Contents of its own, so that repositories made alike are not forks holding the same commits.
    repo.commit("Add the parser module", {"parse.py": f"# {name}\ndef parse(s):\n    return s.split()\n"})
    repo.commit("Fix splitting on commas in parse", {"parse.py": "def parse(s):\n    return s.split(',')\n"})
    return repo


def _quiet() -> tuple[Console, io.StringIO]:
    text = io.StringIO()
    return Console(file=text, width=400), text


@pytest.fixture
def ray_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What `extract_many` hands the Ray engine, recorded instead of run."""
    from gitocto.extract import ray_engine

    calls: list[tuple[Any, ...]] = []

    def record(*args: Any, **kwargs: Any) -> list[Any]:
        calls.append(args)
        return []

    monkeypatch.setattr(ray_engine, "run_on_ray", record)
    return calls


def test_ray_gets_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ray_calls: list[tuple[Any, ...]]
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "https://example.com/org/repo.git"
    console, _ = _quiet()
    assert (
        extract_many(
            ["r0", "./sub/../r1", url],
            "shards",
            ExtractOptions(),
            engine="ray",
            cache_dir=Path("cache"),
            console=console,
        )
        == 0
    )
    [(sources, out_dir, _, cache, *_)] = ray_calls
    # A worker of a cluster runs in another directory: relative paths would name other places there.
    assert sources == [str(tmp_path / "r0"), str(tmp_path / "r1"), url]
    assert out_dir == tmp_path / "shards" and out_dir.is_absolute() and out_dir.is_dir()
    assert cache == tmp_path / "cache" and cache.is_absolute()


def test_no_repository_means_the_current_one_and_an_empty_list_is_an_error(
    make_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ray_calls: list[tuple[Any, ...]]
) -> None:
    repo = _repo(make_repo, "here")
    monkeypatch.chdir(repo.path)
    console, _ = _quiet()
    assert extract_many([], str(tmp_path / "shards"), ExtractOptions(), engine="ray", console=console) == 0
    assert ray_calls[0][0] == [os.getcwd()]
    listing = tmp_path / "repos.txt"
    listing.write_text("# nothing yet\n\n", encoding="utf-8")
    with pytest.raises(OctoError, match="the repository list is empty"):
        read_repos_file(listing)
    proc = octo("extract", "--repos-file", str(listing), "-o", str(tmp_path / "out"), cwd=repo.path)
    assert proc.returncode == 1 and "the repository list is empty" in proc.stderr and "Traceback" not in proc.stderr


def test_a_repository_listed_twice_is_extracted_once(
    make_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(make_repo, "twice")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "shards"
    console, text = _quiet()
    sources = [str(repo.path), "twice", f"{repo.path}/", "./twice"]
    assert extract_many(sources, str(out), ExtractOptions(workers=2), console=console) == 0
    assert "2 records from 1 repository; 0 already complete; 0 failed" in text.getvalue()
    assert [p.name for p in out.glob("*.parquet")] == [f"{repo_key(str(repo.path))}.parquet"]


def test_a_worker_that_dies_fails_only_its_repository_and_the_rerun_cleans_up(
    make_repo: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the workers inherit the patched os.replace only when forked")
    repos = [_repo(make_repo, f"r{i}") for i in range(4)]
    victim = repo_key(str(repos[1].path))
    real_replace = os.replace

    def replace_or_die(src: Any, dst: Any) -> None:
        # The victim's worker dies for real (no exception, no clean-up) after writing its shard's bytes.
        if str(dst).endswith(f"{victim}.parquet"):
            os._exit(1)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_or_die)
    out = tmp_path / "shards"
    sources = [str(r.path) for r in repos]
    console, text = _quiet()
    assert extract_many(sources, str(out), ExtractOptions(workers=2), console=console) == 1
    report = text.getvalue()
    assert "6 records from 3 repositories; 0 already complete; 1 failed" in report
    assert "worker process died" in report and str(repos[1].path) in report
    assert sorted(p.name for p in out.glob("*.parquet")) == sorted(
        f"{repo_key(s)}.parquet" for s in sources if repo_key(s) != victim
    )
    # What the dead worker wrote is left under a temporary name only, which no reader takes for a shard.
    assert [p.name.split(".tmp-")[0] for p in out.glob(".*.tmp-*")] == [f".{victim}.parquet"]

    monkeypatch.setattr(os, "replace", real_replace)
    (out / ".another-key.parquet.tmp-1").write_bytes(b"another task's")
    console, text = _quiet()
    assert extract_many(sources, str(out), ExtractOptions(workers=2), console=console) == 0
    assert "2 records from 1 repository; 3 already complete; 0 failed" in text.getvalue()
    assert len(read_output(out / f"{victim}.parquet")) == 2
    # The rerun removed the victim's leftovers, and only those of the repositories it extracted.
    assert [p.name for p in out.glob(".*.tmp-*")] == [".another-key.parquet.tmp-1"]
