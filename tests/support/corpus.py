"""Fixtures for dedup, stats and scale: a small corpus of commit records with planted duplicates, as shards.

A pytest plugin: tests/conftest.py lists it in `pytest_plugins`, so every test folder sees these fixtures.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from gitocto.records import write_records


def _program(rng: random.Random, n: int = 80) -> str:
    words = ["def", "return", "for", "in", "if", "x", "y", "total", "items", "(", ")", ":", "+", "="]
    lines = [" ".join(rng.choice(words) + str(rng.randint(0, 40)) for _ in range(8)) for _ in range(n // 8)]
    return "\n".join(lines) + "\n"


def make_records(seed: int = 0, n: int = 30) -> list[dict[str, Any]]:
    """Distinct commit records, with record 3 copied exactly and record 7 near-copied later in the list."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for i in range(n):
        records.append(
            {
                "commit": f"{i:040x}",
                "old_file": f"src/m{i}.py",
                "new_file": f"src/m{i}.py",
                "old_contents": "",
                "new_contents": _program(rng),
                "subject": f"Fix thing {i}",
                "message": f"Fix thing {i}\n\nBecause.\n",
                "lang": "Python" if i % 3 else "Go",
                "license": "mit" if i % 2 else "apache-2.0",
                "repos": f"org/r{i % 4}",
                "lines_added": i,
                "lines_removed": i % 5,
            }
        )
    return records


@pytest.fixture
def planted_corpus(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    """Three shards (Parquet, JSONL, JSONL.gz); duplicates are planted across shards. Returns (dir, records)."""
    base = make_records()
    exact = dict(base[3], commit="e" * 40)
    near = dict(base[7], commit="f" * 40, new_contents=base[7]["new_contents"] + "extra_line = 1\n")
    empty1 = dict(base[0], commit="a" * 40, new_contents="")
    empty2 = dict(base[1], commit="b" * 40, new_contents="")
    records = [*base[:12], empty1, *base[12:20], exact, empty2, *base[20:], near]
    shards = tmp_path / "shards"
    write_records(shards / "a.parquet", records[:12])
    write_records(shards / "b.jsonl", records[12:24])
    write_records(shards / "c.jsonl.gz", records[24:])
    return shards, records
