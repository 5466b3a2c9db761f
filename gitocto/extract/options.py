"""What an extraction run selects, filters and writes: one frozen value shared by every engine."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MAX_FILE_SIZE = 1_000_000
FILTERS = ("commitpack", "commitpackft", "commitpackft-strict")


@dataclass(frozen=True)
class ExtractOptions:
    """Revision selection, filters and limits of one `git octo extract` run (picklable, so Ray workers get it)."""

    rev: str | None = None
    since: str | None = None
    until: str | None = None
    max_commits: int | None = None
    include_merges: bool = False
    filter: str | None = None
    skip_rules: frozenset[str] = field(default_factory=frozenset)
    tokenizer: str | None = None
    license: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    seed: int = 0
    workers: int = 1
