"""Counts and distributions over commit records, gathered in one pass."""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Column names as the extract writes them, with the CommitPack spelling where it differs.
_ADDED = ("lines_added", "added", "additions")
_REMOVED = ("lines_removed", "removed", "deletions")
_KIND = ("change_type", "change_kind", "kind")
_LICENSE = ("license", "licence")


def _first(row: Mapping[str, object], names: tuple[str, ...]) -> object:
    for name in names:
        if name in row:
            return row[name]
    return None


@dataclass
class CorpusStats:
    """Per-corpus counts: languages, licences, change kinds, repositories, and per-record sizes."""

    records: int = 0
    languages: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    change_kinds: Counter[str] = field(default_factory=Counter)
    repos: Counter[str] = field(default_factory=Counter)
    message_chars: array[int] = field(default_factory=lambda: array("q"))
    subject_chars: array[int] = field(default_factory=lambda: array("q"))
    change_lines: array[int] = field(default_factory=lambda: array("q"))

    def add(self, row: Mapping[str, object]) -> None:
        """Count one record (an extracted one, or any with CommitPack's or similar column names)."""
        self.records += 1
        self.languages[str(row.get("lang") or "unknown")] += 1
        self.licenses[str(_first(row, _LICENSE) or "unknown")] += 1
        kind = _first(row, _KIND)
        if kind is not None:
            self.change_kinds[str(kind)] += 1
        repo = row.get("repos")
        if repo:
            self.repos[str(repo)] += 1
        message = row.get("message")
        if isinstance(message, str):
            self.message_chars.append(len(message))
        subject = row.get("subject")
        if isinstance(subject, str):
            self.subject_chars.append(len(subject))
        added, removed = _first(row, _ADDED), _first(row, _REMOVED)
        if isinstance(added, int) and isinstance(removed, int):
            self.change_lines.append(added + removed)


def collect(records: Iterable[Mapping[str, object]]) -> CorpusStats:
    """Statistics of every record in `records`."""
    stats = CorpusStats()
    for row in records:
        stats.add(row)
    return stats


def distribution(values: array[int]) -> dict[str, float]:
    """Count, mean and quantiles (p10, p50, p90, p99) and max of `values`; empty when there are none."""
    if not values:
        return {}
    import numpy as np

    data = np.frombuffer(values, dtype=np.int64)
    p10, p50, p90, p99 = np.percentile(data, [10, 50, 90, 99])
    return {
        "count": float(data.size),
        "mean": float(data.mean()),
        "min": float(data.min()),
        "p10": float(p10),
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
        "max": float(data.max()),
    }
