"""Forks: a commit that several repositories of one run hold gives one record per changed file, whose `repos`
names all of them, in a plain multi-repository run and with --repos-file (merged across shards, resumably)."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitocto.extract.many import extract_many
from gitocto.extract.options import ExtractOptions
from gitocto.extract.shard import repo_key
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo


def _forks(make_repo: Any) -> tuple[Any, Any]:
    upstream = make_repo("geo")
    upstream.git("remote", "add", "origin", "https://github.com/octo/geo.git")
    upstream.commit("Add the area helper", {"geo.py": "def area(w, h):\n    return w * h\n"})
    upstream.commit(
        "Fix negative sizes in the area helper", {"geo.py": "def area(w, h):\n    return abs(w) * abs(h)\n"}
    )
    fork = make_repo("geo-fork")
    fork.git("fetch", "-q", str(upstream.path), "main")
    fork.git("reset", "-q", "--hard", "FETCH_HEAD")
    fork.git("remote", "add", "origin", "git@github.com:someone/geo.git")
    fork.commit(
        "Add a perimeter helper",
        {"geo.py": "def area(w, h):\n    return abs(w) * abs(h)\n\ndef perimeter(w, h):\n    return 2 * (w + h)\n"},
    )
    upstream.commit(
        "Add a docstring to the area helper",
        {"geo.py": 'def area(w, h):\n    """Area."""\n    return abs(w) * abs(h)\n'},
    )
    return upstream, fork


def _by_subject(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in records:
        out.setdefault(r["subject"], []).append(r["repos"])
    return out


EXPECTED = {
    "Add the area helper": ["octo/geo,someone/geo"],
    "Fix negative sizes in the area helper": ["octo/geo,someone/geo"],
    "Add a docstring to the area helper": ["octo/geo"],
    "Add a perimeter helper": ["someone/geo"],
}


def test_one_run_over_forks_names_every_holder_once(make_repo: Any, tmp_path: Path) -> None:
    upstream, fork = _forks(make_repo)
    out = tmp_path / "both.jsonl"
    proc = octo("extract", str(upstream.path), str(fork.path), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert _by_subject(read_output(out)) == EXPECTED
    # The order given decides the order of the names and which repository a shared commit is read from.
    proc = octo("extract", str(fork.path), str(upstream.path), "-o", "-")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert _by_subject(records)["Add the area helper"] == ["someone/geo,octo/geo"]
    # Alone, each repository names only itself.
    alone = octo("extract", str(fork.path), "-o", "-")
    assert {json.loads(line)["repos"] for line in alone.stdout.splitlines()} == {"someone/geo"}


def test_repos_file_merges_forks_across_shards_and_stays_resumable(make_repo: Any, tmp_path: Path) -> None:
    upstream, fork = _forks(make_repo)
    out = tmp_path / "shards"
    console = Console(file=io.StringIO(), width=300)
    sources = [str(upstream.path), str(fork.path)]
    assert extract_many(sources, str(out), ExtractOptions(), cache_dir=tmp_path / "cache", console=console) == 0
    up_shard, fork_shard = (out / f"{repo_key(s)}.parquet" for s in sources)

    def check() -> None:
        assert _by_subject(read_output(up_shard)) == {k: v for k, v in EXPECTED.items() if "perimeter" not in k}
        assert _by_subject(read_output(fork_shard)) == {"Add a perimeter helper": ["someone/geo"]}

    check()
    before = (up_shard.read_bytes(), fork_shard.read_bytes())
    # A rerun finds both shards complete and merged: nothing changes.
    assert extract_many(sources, str(out), ExtractOptions(), cache_dir=tmp_path / "cache", console=console) == 0
    assert (up_shard.read_bytes(), fork_shard.read_bytes()) == before
    # Either shard extracted again (after a crash, or removed by hand) is merged the same way.
    for shard in (fork_shard, up_shard):
        shard.unlink()
        assert extract_many(sources, str(out), ExtractOptions(), cache_dir=tmp_path / "cache", console=console) == 0
        check()
    marker = out / ".octo-state" / f"{fork_shard.stem}.json"
    done = json.loads(marker.read_text(encoding="utf-8"))
    assert done["records"] == 1 and Counter(done["counts"])["fork_copies"] == 2


@pytest.mark.slow
@pytest.mark.xdist_group("ray")  # one Ray at a time (see tests/scale/test_scale_ray.py)
def test_repos_file_on_ray_merges_forks_as_locally(make_repo: Any, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    upstream, fork = _forks(make_repo)
    sources = [str(upstream.path), str(fork.path)]
    console = Console(file=io.StringIO(), width=300)
    for engine in ("local", "ray"):
        assert (
            extract_many(
                sources,
                str(tmp_path / engine),
                ExtractOptions(workers=2),
                engine=engine,
                cache_dir=tmp_path / "cache",
                console=console,
            )
            == 0
        )
    for source in sources:
        name = f"{repo_key(source)}.parquet"
        assert read_output(tmp_path / "ray" / name) == read_output(tmp_path / "local" / name)
    assert _by_subject(read_output(tmp_path / "ray" / f"{repo_key(sources[0])}.parquet"))["Add the area helper"] == [
        "octo/geo,someone/geo"
    ]
