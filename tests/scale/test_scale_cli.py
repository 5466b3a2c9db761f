"""End to end through the real `git octo` binary: a repository list extracted by both engines, then stats."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitocto.records import corpus_files, read_records

pytestmark = pytest.mark.slow


def _octo(*args: str) -> subprocess.CompletedProcess[str]:
    # A wide console, so rich does not wrap long paths in its tables.
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run(
        [sys.executable, "-m", "gitocto", *args], capture_output=True, text=True, check=False, env=env
    )


@pytest.mark.xdist_group("ray")  # one Ray at a time (see tests/scale/test_scale_ray.py)
def test_repos_file_on_ray_equals_local_and_feeds_stats(make_repo: Any, tmp_path: Path) -> None:
    sources = []
    for i in range(2):
        repo = make_repo(f"r{i}")
        repo.commit("Add the parser module", {"parse.py": f"def parse(s):\n    return s.split({i})\n"})
        repo.commit("Fix splitting on commas in parse", {"parse.py": "def parse(s):\n    return s.split(',')\n"})
        repo.commit("update", {"parse.py": "def parse(s):\n    return s.split(';')\n"})
        sources.append(f"file://{repo.path}")
    sources.append(f"file://{tmp_path / 'gone'}")
    repos_file = tmp_path / "repos.txt"
    repos_file.write_text("\n".join(sources) + "\n", encoding="utf-8")
    common = ["--repos-file", str(repos_file), "--filter", "commitpack", "--license", "mit"]
    local = _octo("extract", *common, "-o", str(tmp_path / "local"))
    on_ray = _octo("extract", *common, "--engine", "ray", "--workers", "2", "-o", str(tmp_path / "ray"))
    # The clone that fails is reported and the run goes on: exit 1, both good repositories extracted.
    for proc in (local, on_ray):
        assert proc.returncode == 1, proc.stderr
        assert "1 failed" in proc.stderr and "gone" in proc.stderr and "Traceback" not in proc.stderr
    local_files = corpus_files([tmp_path / "local"])
    ray_files = corpus_files([tmp_path / "ray"])
    assert [p.name for p in local_files] == [p.name for p in ray_files] and len(ray_files) == 2
    for a, b in zip(local_files, ray_files, strict=True):
        assert read_records(a) == read_records(b)
    stats = _octo("stats", str(tmp_path / "ray"))
    assert stats.returncode == 0, stats.stderr
    assert "Python" in stats.stdout and "records removed per filter rule" in stats.stdout


def test_rerun_of_a_repos_file_with_other_options_is_refused(make_repo: Any, tmp_path: Path) -> None:
    repo = make_repo("r")
    repo.commit("Add the parser module", {"parse.py": "def parse(s):\n    return s.split()\n"})
    repo.commit("Fix splitting on commas in parse", {"parse.py": "def parse(s):\n    return s.split(',')\n"})
    repos_file = tmp_path / "repos.txt"
    repos_file.write_text(f"{repo.path}\n", encoding="utf-8")
    out = str(tmp_path / "shards")
    assert _octo("extract", "--repos-file", str(repos_file), "-o", out).returncode == 0
    # Its shard is complete, so a rerun would skip it: with other options that would keep the wrong records.
    other = _octo("extract", "--repos-file", str(repos_file), "-o", out, "--filter", "commitpackft")
    assert other.returncode == 1 and "other options" in other.stderr and "Traceback" not in other.stderr
    same = _octo("extract", "--repos-file", str(repos_file), "-o", out, "--workers", "2")
    assert same.returncode == 0 and "1 already complete" in same.stderr


def test_dedup_refuses_an_output_with_a_foreign_suffix(planted_corpus: tuple[Path, Any], tmp_path: Path) -> None:
    shards, _ = planted_corpus
    proc = _octo("dedup", str(shards), "-o", str(tmp_path / "kept.csv"))
    assert proc.returncode == 1 and "unknown output format '.csv'" in proc.stderr
    assert not (tmp_path / "kept.csv").exists()
