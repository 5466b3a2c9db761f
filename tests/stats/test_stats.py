"""`git octo stats`: tables from real record files, filter drops from a run summary, PNG plots."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from gitocto.stats.command import summarize


def test_stats_tables_and_plots(planted_corpus: tuple[Path, list[dict[str, Any]]], tmp_path: Path) -> None:
    shards, records = planted_corpus
    # The state file the extract writes beside each finished shard, with the run's counts.
    (shards / ".octo-state").mkdir()
    (shards / ".octo-state" / "a.json").write_text(
        json.dumps(
            {
                "records": 12,
                "counts": {"filter:message_length": 4, "filter:single_file": 2, "duplicate": 1, "records_written": 12},
            }
        ),
        encoding="utf-8",
    )
    console = Console(record=True, width=200)
    plots = tmp_path / "plots"
    assert summarize([str(shards)], str(plots), console=console) == 0
    text = console.export_text()
    n_go = sum(r["lang"] == "Go" for r in records)
    assert f"{len(records)} records from 4 repositories" in text
    assert "Go" in text and f"{n_go}" in text and "mit" in text and "apache-2.0" in text
    assert "message length (chars)" in text and "change size" in text
    assert "message_length" in text and "single_file" in text and "duplicate" in text
    assert "records_written" not in text
    names = sorted(p.name for p in plots.iterdir())
    assert names == sorted(
        ["languages.png", "licenses.png", "filter_drops.png", "message_lengths.png", "change_sizes.png"]
    )
    assert all((plots / n).read_bytes().startswith(b"\x89PNG") for n in names)


def test_stats_cli_and_bad_input(planted_corpus: tuple[Path, Any], tmp_path: Path) -> None:
    shards, _ = planted_corpus
    proc = subprocess.run(
        [sys.executable, "-m", "gitocto", "stats", str(shards / "a.parquet")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "languages" in proc.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "gitocto", "stats", str(tmp_path / "nothing.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("git octo: error:") and "Traceback" not in bad.stderr
