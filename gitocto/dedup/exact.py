"""Exact duplicate removal by a digest of each record's key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import TypeVar

R = TypeVar("R")


def digest(text: str) -> bytes:
    """A 16-byte digest of `text`; lone surrogates (undecodable bytes kept as str) hash losslessly too."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def exact_dedup(records: Iterable[R], key: Callable[[R], str]) -> tuple[list[R], int]:
    """Keep the first record of each distinct `key(record)`, in input order; return the kept ones and how many went."""
    # Digests rather than the keys themselves keep memory flat when keys are whole files.
    seen: set[bytes] = set()
    kept: list[R] = []
    removed = 0
    for record in records:
        d = digest(key(record))
        if d in seen:
            removed += 1
            continue
        seen.add(d)
        kept.append(record)
    return kept, removed
