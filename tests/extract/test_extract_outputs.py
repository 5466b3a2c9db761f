"""Every output format loads with `datasets`; stdout is JSONL; an interrupted run resumes without loss or copies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gitocto.errors import OctoError
from gitocto.extract import walk
from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo
from tests.support.waiting import wait_until

datasets = pytest.importorskip("datasets")


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_single_file_outputs_load_in_datasets(history: Any, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    assert extract_repos([str(history.path)], str(out), ExtractOptions()) == 0
    builder = "parquet" if name.endswith(".parquet") else "json"
    ds = datasets.load_dataset(builder, data_files=str(out), cache_dir=str(tmp_path / "hf"))["train"]
    assert ds.num_rows == 7 and ds[0]["subject"] == "Remove the README"
    # No parts or temp files left: only the run's counts, kept for `git octo stats` in the hidden state directory.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [".octo-state"]
    assert [p.name for p in (tmp_path / ".octo-state").iterdir()] == [f"{name}.json"]


@pytest.mark.parametrize(("fmt", "builder"), [("parquet", "parquet"), ("jsonl", "json"), ("jsonl.gz", "json")])
def test_shard_directories_load_in_datasets(
    history: Any, tmp_path: Path, monkeypatch: Any, fmt: str, builder: str
) -> None:
    monkeypatch.setattr(walk, "CHUNK_COMMITS", 2)
    out = tmp_path / "shards"
    assert extract_repos([str(history.path)], str(out), ExtractOptions(), shard_format=fmt) == 0
    assert len(list(out.glob(f"part-*.{fmt}"))) == 3
    ds = datasets.load_dataset(builder, data_files=str(out / f"*.{fmt}"), cache_dir=str(tmp_path / "hf"))["train"]
    assert ds.num_rows == 7


def test_dash_writes_jsonl_to_stdout(history: Any) -> None:
    proc = octo("extract", str(history.path), "-o", "-", "--max-commits", "2")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["subject"] for r in records] == ["Remove the README", "Add a README"]


def test_default_repository_is_the_current_directory(history: Any, tmp_path: Path) -> None:
    proc = octo("extract", "-o", str(tmp_path / "out.jsonl"), cwd=history.path / "src")
    assert proc.returncode == 0, proc.stderr
    assert len(read_output(tmp_path / "out.jsonl")) == 7


class Crash(Exception):
    """Stands in for a kill in the middle of a run."""


@pytest.mark.parametrize("target", ["out.jsonl", "shards"])
def test_interrupted_run_resumes_without_loss_or_duplicates(
    history: Any, tmp_path: Path, monkeypatch: Any, target: str
) -> None:
    monkeypatch.setattr(walk, "CHUNK_COMMITS", 2)
    clean = tmp_path / "clean" / target
    assert extract_repos([str(history.path)], str(clean), ExtractOptions()) == 0

    out = tmp_path / "crashed" / target
    real_replace = os.replace
    calls = {"n": 0}

    def crash_on_the_third_rename(src: Any, dst: Any) -> None:
        # Shards rename part, state, part, ...; a single file renames one state file per part (its records are
        # appended first). Either way the run dies with a part's records written and its state not.
        calls["n"] += 1
        if calls["n"] == 3:
            raise Crash
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_the_third_rename)
    with pytest.raises(Crash):
        extract_repos([str(history.path)], str(out), ExtractOptions())
    monkeypatch.setattr(os, "replace", real_replace)
    assert not out.is_file()  # a single-file output appears only when complete
    assert extract_repos([str(history.path)], str(out), ExtractOptions()) == 0
    assert read_output(out) == read_output(clean)
    # Running it again changes nothing.
    assert extract_repos([str(history.path)], str(out), ExtractOptions()) == 0
    assert read_output(out) == read_output(clean)


def test_resuming_with_other_options_is_refused(history: Any, tmp_path: Path) -> None:
    out = tmp_path / "shards"
    assert extract_repos([str(history.path)], str(out), ExtractOptions(max_commits=2)) == 0
    proc = octo("extract", str(history.path), "-o", str(out), "--filter", "commitpack")
    assert proc.returncode == 1 and "other options" in proc.stderr
    assert extract_repos([str(history.path)], str(out), ExtractOptions(max_commits=2, workers=2)) == 0


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet"])
def test_rerun_of_a_complete_single_file_with_other_options_is_refused(history: Any, tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    assert extract_repos([str(history.path)], str(out), ExtractOptions()) == 0
    before = out.read_bytes()
    for extra in (["--filter", "commitpackft"], ["--rev", "HEAD~2"]):
        proc = octo("extract", str(history.path), "-o", str(out), *extra)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.startswith("git octo: error: ") and len(proc.stderr.strip().splitlines()) == 1
        assert "other options" in proc.stderr and "Traceback" not in proc.stderr
    with pytest.raises(OctoError, match="other options or repositories"):
        extract_repos([str(history.path)], str(out), ExtractOptions(max_commits=3))
    # The same run again (the number of workers does not change records) has nothing to do.
    same = octo("extract", str(history.path), "-o", str(out), "--workers", "2")
    assert same.returncode == 0 and "nothing to do" in same.stderr
    assert out.read_bytes() == before


def test_a_rejected_option_leaves_nothing_that_blocks_the_corrected_run(history: Any, tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "o.jsonl"
    bad = octo("extract", str(history.path), "-o", str(out), "--filter", "commitpack", "--skip-rule", "nope")
    assert bad.returncode == 1 and "unknown rule 'nope'" in bad.stderr
    assert list(out.parent.iterdir()) == []  # nothing written
    good = octo("extract", str(history.path), "-o", str(out), "--filter", "commitpack", "--skip-rule", "cp_single_file")
    assert good.returncode == 0, good.stderr


def test_stats_shows_the_filter_drops_of_a_single_file_output(history: Any, tmp_path: Path) -> None:
    out = tmp_path / "f.jsonl"
    assert octo("extract", str(history.path), "-o", str(out), "--filter", "commitpack").returncode == 0
    stats = octo("stats", str(out))
    assert stats.returncode == 0, stats.stderr
    assert "cp_same_path" in stats.stdout + stats.stderr


def test_licence_comes_from_the_tip_of_any_revision_form(history: Any) -> None:
    for rev in ("main", "main ^HEAD~1", "HEAD~2...main", "HEAD~2..main"):
        proc = octo("extract", str(history.path), "-o", "-", "--rev", rev)
        assert proc.returncode == 0, proc.stderr
        assert {json.loads(line)["license"] for line in proc.stdout.splitlines()} == {"mit"}, rev
    unbalanced = octo("extract", str(history.path), "-o", "-", "--rev", "HEAD'")
    assert unbalanced.returncode == 1 and "No closing quotation" in unbalanced.stderr
    assert "Traceback" not in unbalanced.stderr


def test_output_under_a_file_is_a_one_line_error(history: Any, tmp_path: Path) -> None:
    (tmp_path / "f.jsonl").write_text("{}\n")
    proc = octo("extract", str(history.path), "-o", str(tmp_path / "f.jsonl" / "x.jsonl"))
    assert proc.returncode == 1 and proc.stderr.startswith("git octo: error: ") and "not a directory" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and (tmp_path / "f.jsonl").read_text() == "{}\n"


def test_ctrl_c_with_workers_stops_cleanly_and_the_rerun_completes(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    repo = tmp_path / "hist"
    subprocess.run(
        [sys.executable, str(root / "bench" / "make_history.py"), str(repo), "--commits", "3000"],
        check=True,
        capture_output=True,
    )
    clean = tmp_path / "clean.jsonl"
    assert extract_repos([str(repo)], str(clean), ExtractOptions()) == 0
    out = tmp_path / "out.jsonl"
    # 3000 commits are 30 parts of 100. The interrupt comes once the first part is done, not after a fixed time.
    state = tmp_path / f".{out.name}.octo-parts" / ".octo-state"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitocto", "extract", str(repo), "-o", str(out), "--workers", "2"],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(lambda: proc.poll() is not None or any(state.glob("part-*.json")), "the first part", timeout_s=300)
        # Frozen while we look: if it is still running now, the interrupt below lands mid-run.
        os.killpg(proc.pid, signal.SIGSTOP)
        assert proc.poll() is None and not out.exists(), "extract finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        os.killpg(proc.pid, signal.SIGINT)  # git relays Ctrl-C to `git octo`, so one keypress can come twice
        os.killpg(proc.pid, signal.SIGCONT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130 and "Traceback" not in err and err.strip().endswith("git octo: interrupted")
    done = len(list(state.glob("part-*.json")))
    assert 1 <= done < 30 and not out.exists(), done
    rerun = octo("extract", str(repo), "-o", str(out), "--workers", "2")
    assert rerun.returncode == 0, rerun.stderr
    assert "resuming: " in rerun.stdout + rerun.stderr  # from the parts the interrupted run finished
    assert read_output(out) == read_output(clean)
