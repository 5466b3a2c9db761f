"""Helpers for the extract tests: read any output format back (`git octo` itself runs through tests.support)."""

from __future__ import annotations

import gzip
import json
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
