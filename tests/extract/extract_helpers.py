"""Helpers for the extract tests: read any output format back, and run the real `git octo` binary.

A module of its own, not conftest, so that importing it cannot pick up another directory's conftest.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq


def read_output(path: Path) -> list[dict[str, Any]]:
    """Records of a .jsonl, .jsonl.gz or .parquet file, or of every part in a shard directory, in order."""
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.name.startswith("part-"))
        return [r for part in parts for r in read_output(part)]
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def octo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `git octo ARGS` as the user would (the installed console script, through git)."""
    return subprocess.run(["git", "octo", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})
