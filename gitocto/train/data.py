"""Reading training records (JSONL, JSONL.gz, Parquet), holding out an eval split and mixing datasets by weight."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gitocto.errors import OctoError

T = TypeVar("T")
SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz", ".ndjson", ".parquet")


@dataclass
class RecordFile:
    """The rows of one data file, the columns they carry, and how many lines could not be read."""

    path: Path
    rows: list[dict[str, Any]]
    columns: set[str]
    skipped: Counter[str] = field(default_factory=Counter)


def data_files(path: str | Path) -> list[Path]:
    """The data files a `--data` path names: the file itself, or every JSONL/Parquet file under a directory."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(SUFFIXES))
        if not files:
            raise OctoError(f"no .jsonl, .jsonl.gz or .parquet files under {p}")
        return files
    if not p.is_file():
        raise OctoError(f"data file not found: {p}")
    if not p.name.endswith((*SUFFIXES, ".json")):
        raise OctoError(f"{p}: unknown data format; use .jsonl, .jsonl.gz or .parquet")
    return [p]


def _jsonl_lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            yield from fh
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise OctoError(f"{path}: cannot read ({exc})") from None


def read_records(path: Path) -> RecordFile:
    """Read one file; a line that is not a JSON object is skipped and counted, an unreadable file is an error."""
    if path.name.endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a corrupt file
            raise OctoError(f"{path}: not a readable Parquet file ({exc})") from None
        return RecordFile(path, table.to_pylist(), set(table.column_names))
    rows: list[dict[str, Any]] = []
    columns: set[str] = set()
    skipped: Counter[str] = Counter()
    for line in _jsonl_lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            skipped["line is not valid JSON"] += 1
            continue
        if not isinstance(row, dict):
            skipped["line is not a JSON object"] += 1
            continue
        rows.append(row)
        columns.update(row)
    return RecordFile(path, rows, columns, skipped)


def split_eval(items: Sequence[T], fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """Hold out `fraction` of the items (at least one when fraction > 0 and there are two or more) for eval."""
    if fraction <= 0 or len(items) < 2:
        return list(items), []
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    n_eval = min(len(items) - 1, max(1, round(len(items) * fraction)))
    held = set(order[:n_eval])
    train = [x for i, x in enumerate(items) if i not in held]
    return train, [items[i] for i in sorted(held)]


def mix(groups: Sequence[Sequence[T]], weights: Sequence[float], seed: int) -> list[T]:
    """One epoch of a weighted mixture, in random order.

    The epoch has as many samples as all groups together; group i contributes round(w_i / sum(w) * total),
    taken without replacement from a shuffled copy and cycling through it again when the weight asks for more.
    """
    rng = random.Random(seed)
    total = sum(len(g) for g in groups)
    live = [(g, w) for g, w in zip(groups, weights, strict=True) if g]
    weight_sum = sum(w for _, w in live)
    out: list[T] = []
    for group, weight in live:
        want = max(1, round(weight / weight_sum * total))
        order = list(range(len(group)))
        taken = 0
        while taken < want:
            rng.shuffle(order)
            for i in order[: want - taken]:
                out.append(group[i])
            taken += min(len(order), want - taken)
    rng.shuffle(out)
    return out
