"""Reading training records (JSONL, JSONL.gz, Parquet), holding out an eval split and mixing datasets by weight."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gitocto import records
from gitocto.errors import OctoError
from gitocto.records import NAMES, format_of, record_files

T = TypeVar("T")


@dataclass
class RecordFile:
    """The rows of one data file, the columns they carry, and how many lines could not be read."""

    path: Path
    rows: list[dict[str, Any]]
    columns: set[str]
    skipped: Counter[str] = field(default_factory=Counter)


def data_files(path: str | Path) -> list[Path]:
    """The data files a `--data` path names: the file itself, or every record file under a directory."""
    p = Path(path)
    if p.is_dir():
        files = record_files(p)
        if not files:
            raise OctoError(f"no {NAMES} files under {p}")
        return files
    if not p.is_file():
        raise OctoError(f"data file not found: {p}")
    if format_of(p) is None:
        raise OctoError(f"{p}: unknown data format; use {NAMES}")
    return [p]


def read_records(path: Path) -> RecordFile:
    """Read one file; a line that is not a JSON object is skipped and counted (one broken line of a large crawl
    costs that line, not the run, and the count is reported), an unreadable file is an error."""
    skipped: Counter[str] = Counter()
    rows = records.read_records(path, skipped)
    columns: set[str] = set()
    for row in rows:
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
