"""Messages a user reads: numbers agree with their nouns, and piped output is not cut at 80 columns."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from gitocto.stats.collect import collect
from gitocto.stats.command import print_stats


def test_one_repository_is_singular() -> None:
    from rich.console import Console

    rows = [{"repos": "octo/one", "lang": "Python", "message": "Fix"} for _ in range(3)]
    console = Console(record=True, width=200)
    print_stats(collect(rows), None, console)
    text = console.export_text()
    assert "3 records from 1 repository\n" in text and "repositories" not in text.splitlines()[0]
    console = Console(record=True, width=200)
    print_stats(collect([*rows[:1], {**rows[0], "repos": "octo/two"}]), None, console)
    assert "2 records from 2 repositories" in console.export_text()


def test_piped_messages_keep_long_lines_whole(repo: Any, tmp_path: Path) -> None:
    repo.commit("Add a module", {"a.py": "x = 1\n"})
    repo.commit("Change the module", {"a.py": "x = 2\n"})
    deep = tmp_path / ("a-directory-name-long-enough-to-pass-eighty-columns-" * 2) / "commits.jsonl"
    proc = subprocess.run(
        ["git", "octo", "extract", str(repo.path), "-o", str(deep)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    summary = [line for line in proc.stderr.splitlines() if "written to" in line]
    assert summary and str(deep) in summary[0], proc.stderr
