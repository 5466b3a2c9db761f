"""How records are written: every format holds the same records, gzip output is plain gzip, a single Parquet file
resumes from its parts, and a closed stdout pipe ends the run quietly."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from gitocto import records as record_io
from gitocto.extract import walk
from gitocto.extract.command import extract_repos
from gitocto.extract.options import ExtractOptions
from tests.extract.extract_helpers import read_output
from tests.support.git_octo import octo
from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy(make_repo: Any) -> Any:
    """Thirty commits of a large text file with non-ASCII text: megabytes of records, several chunks and gzip
    blocks, and Parquet row groups."""
    repo = make_repo("busy")
    for i in range(30):
        body = "".join(f"línea {j} ✓ of version {i}\n" for j in range(4000))
        repo.commit(f"Version {i}: ünïcode subject", {"data/big.txt": body, "src/n.py": f"N = {i}\n"})
    return repo


def test_every_format_holds_the_same_records(busy: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(walk, "CHUNK_COMMITS", 7)
    monkeypatch.setattr(record_io, "GZIP_BLOCK", 100_000)
    monkeypatch.setattr(record_io, "ROW_GROUP_BYTES", 300_000)
    outputs = {}
    for name, fmt in (
        ("o.jsonl", ""),
        ("o.jsonl.gz", ""),
        ("o.parquet", ""),
        ("shards_p", "parquet"),
        ("shards_g", "jsonl.gz"),
    ):
        target = str(tmp_path / name)
        assert extract_repos([str(busy.path)], target, ExtractOptions(), shard_format=fmt or "parquet") == 0
        outputs[name] = read_output(tmp_path / name)
    stdout = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from gitocto.cli import main; sys.exit(main())",
            "extract",
            str(busy.path),
            "-o",
            "-",
        ],
        capture_output=True,
        check=True,
    )
    outputs["stdout"] = [json.loads(line) for line in stdout.stdout.splitlines()]
    first = outputs["o.jsonl"]
    assert len(first) == 60 and first[0]["subject"] == "Version 29: ünïcode subject"
    assert "✓" in first[0]["new_contents"]
    for name, records in outputs.items():
        assert records == first, name
    # Streamed in row groups of bounded size, not one table per file.
    assert pq.read_metadata(tmp_path / "o.parquet").num_row_groups > 5


def test_gzip_output_is_read_by_the_gzip_tool(busy: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(record_io, "GZIP_BLOCK", 100_000)  # many members, compressed in parallel
    out = tmp_path / "o.jsonl.gz"
    assert extract_repos([str(busy.path)], str(out), ExtractOptions()) == 0
    assert extract_repos([str(busy.path)], str(tmp_path / "o.jsonl"), ExtractOptions()) == 0
    gunzip = shutil.which("gzip")
    assert gunzip is not None
    plain = subprocess.run([gunzip, "-dc", str(out)], capture_output=True, check=True).stdout
    assert plain == (tmp_path / "o.jsonl").read_bytes()
    assert gzip.decompress(out.read_bytes()) == plain


def test_interrupted_single_parquet_file_resumes_from_its_parts(busy: Any, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(walk, "CHUNK_COMMITS", 4)
    clean = tmp_path / "clean.parquet"
    assert extract_repos([str(busy.path)], str(clean), ExtractOptions()) == 0
    out = tmp_path / "o.parquet"
    real_replace = os.replace
    calls = {"n": 0}

    class Crash(Exception):
        pass

    def crash_on_the_fifth_rename(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 5:
            raise Crash
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_on_the_fifth_rename)
    with pytest.raises(Crash):
        extract_repos([str(busy.path)], str(out), ExtractOptions())
    monkeypatch.setattr(os, "replace", real_replace)
    assert not out.exists()
    # The failed run closed what it had streamed into a segment, which the rerun joins with its own; nothing else.
    parts = tmp_path / ".o.parquet.octo-parts"
    assert [p.name for p in parts.iterdir() if p.name != ".octo-state"] == ["segment-00000.parquet"]
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert extract_repos([str(busy.path)], str(out), ExtractOptions()) == 0
    assert read_output(out) == read_output(clean)


@pytest.mark.parametrize("name", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_single_file_killed_outright_resumes_without_loss_or_duplicates(tmp_path: Path, name: str) -> None:
    repo = tmp_path / "hist"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_history.py"), str(repo), "--commits", "3000"],
        check=True,
        capture_output=True,
    )
    out = tmp_path / name
    state = tmp_path / f".{name}.octo-parts" / ".octo-state"
    cmd = [sys.executable, "-m", "gitocto", "extract", str(repo), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        # 3000 commits are 30 parts: killed once the first is finished, with no chance to tidy up.
        wait_until(lambda: proc.poll() is not None or any(state.glob("part-*.json")), "the first part", timeout_s=300)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL and not out.exists(), "extract finished before it was killed"
    rerun = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    clean = tmp_path / f"clean.{name.split('.', 1)[1]}"
    assert extract_repos([str(repo)], str(clean), ExtractOptions()) == 0
    assert read_output(out) == read_output(clean)
    assert not (tmp_path / f".{name}.octo-parts").exists()


@pytest.mark.parametrize(("name", "part"), [("out.jsonl", "part-00000.jsonl"), ("out.parquet", "part-00000.arrow")])
def test_parts_left_by_an_earlier_version_are_kept_and_named(busy: Any, tmp_path: Path, name: str, part: str) -> None:
    parts = tmp_path / f".{name}.octo-parts"
    (parts / ".octo-state").mkdir(parents=True)
    (parts / part).write_bytes(b"an earlier gitocto's part")
    (parts / ".octo-state" / f"{part}.json").write_text('{"repo": "r", "commits": [], "keys": [], "counts": {}}')
    proc = octo("extract", str(busy.path), "-o", str(tmp_path / name))
    assert proc.returncode == 1 and proc.stderr.startswith("git octo: error: "), proc.stderr
    assert "earlier gitocto" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert (parts / part).read_bytes() == b"an earlier gitocto's part" and not (tmp_path / name).exists()


def test_stdout_into_a_closed_pipe_ends_quietly(busy: Any) -> None:
    octo = [sys.executable, "-c", "import sys; from gitocto.cli import main; sys.exit(main())"]
    proc = subprocess.Popen(
        [*octo, "extract", str(busy.path), "-o", "-"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does: megabytes are still to come
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert first.startswith(b'{"commit":') and err == ""
    # The same through a real shell pipeline.
    shell = subprocess.run(
        [
            "bash",
            "-c",
            'set -o pipefail; "$@" | head -c 100 >/dev/null',
            "sh",
            *octo,
            "extract",
            str(busy.path),
            "-o",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0 and shell.stderr == ""
