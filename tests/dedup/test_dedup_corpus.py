"""`git octo dedup` on one machine: exact then near duplicates across shards, outputs by suffix, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitocto.dedup.command import deduplicate
from gitocto.dedup.corpus import Settings
from gitocto.errors import OctoError
from gitocto.records import corpus_files, iter_files, read_records


def _commits(rows: list[dict[str, Any]]) -> list[str]:
    return [r["commit"] for r in rows]


def test_dedup_removes_planted_duplicates_across_shards(
    planted_corpus: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    shards, records = planted_corpus
    out = tmp_path / "out.parquet"
    console = Console(record=True, width=200)
    assert deduplicate([str(shards)], str(out), Settings(), console=console) == 0
    kept = read_records(out)
    expected = [r for r in records if r["commit"] not in ("e" * 40, "f" * 40)]
    assert _commits(kept) == _commits(expected)
    # Empty texts are kept and never compared; whole records come through unchanged.
    assert kept == expected
    text = console.export_text()
    assert "exact duplicates removed" in text and "near-duplicate clusters" in text


def test_dedup_to_a_directory_keeps_shard_names_and_formats(
    planted_corpus: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    shards, records = planted_corpus
    out = tmp_path / "deduped"
    assert deduplicate([str(shards)], str(out), Settings(), console=Console(quiet=True)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet", "b.jsonl", "c.jsonl.gz"]
    assert len(list(iter_files(corpus_files([out])))) == len(records) - 2


def test_dedup_threshold_one_keeps_near_copies(
    planted_corpus: tuple[Path, list[dict[str, Any]]], tmp_path: Path
) -> None:
    shards, records = planted_corpus
    out = tmp_path / "out.jsonl"
    assert deduplicate([str(shards)], str(out), Settings(threshold=1.0), console=Console(quiet=True)) == 0
    assert "f" * 40 in _commits(read_records(out))
    assert len(read_records(out)) == len(records) - 1


def test_dedup_bad_input_is_a_one_line_error(tmp_path: Path, planted_corpus: tuple[Path, Any]) -> None:
    shards, _ = planted_corpus
    (tmp_path / "bad.jsonl").write_text('{"new_contents": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(OctoError, match=r"bad\.jsonl:2: not a JSON record"):
        deduplicate([str(tmp_path / "bad.jsonl")], str(tmp_path / "o.jsonl"), Settings())
    with pytest.raises(OctoError, match="no such file"):
        deduplicate([str(tmp_path / "missing")], str(tmp_path / "o.jsonl"), Settings())
    with pytest.raises(OctoError, match="no record has a text field 'nope'"):
        deduplicate([str(shards)], str(tmp_path / "o.jsonl"), Settings(field="nope"))
    with pytest.raises(OctoError, match="output is one of the inputs"):
        deduplicate([str(shards / "b.jsonl")], str(shards / "b.jsonl"), Settings())
    assert not (tmp_path / "o.jsonl").exists()


def test_dedup_cli_runs_and_reports(planted_corpus: tuple[Path, Any], tmp_path: Path) -> None:
    shards, records = planted_corpus
    out = tmp_path / "out.jsonl.gz"
    proc = subprocess.run(
        [sys.executable, "-m", "gitocto", "dedup", str(shards), "-o", str(out), "--threshold", "0.5"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "near duplicates removed" in proc.stdout
    assert len(read_records(out)) == len(records) - 2
    bad = subprocess.run(
        [sys.executable, "-m", "gitocto", "dedup", str(shards), "-o", str(out), "--threshold", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().startswith("git octo: error:") and "Traceback" not in bad.stderr
