"""Near-duplicate removal with MinHash signatures and LSH (datasketch), clusters kept by their first member.

Shingles are n-grams of tokens (runs of word characters, or single punctuation marks), so reformatting
whitespace does not hide a copy. Records whose text has no tokens are kept and never compared: there is
nothing to compare (a deleted file's empty new contents, say).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from gitocto.errors import OctoError

R = TypeVar("R")

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SCHEME = "affine32"
# A signature of an empty shingle set: every slot still at the scheme's maximum hash.
_EMPTY = np.uint32(0xFFFFFFFF)
_POLY = np.uint64(0x9E3779B97F4A7C15)
_TOKEN_CACHE_SIZE = 1 << 20
_TOKEN_HASHES: dict[str, int] = {}


@dataclass(frozen=True)
class DuplicateExample:
    """One removed record and the record kept in its place, as indices into the input, with their similarity."""

    kept: int
    removed: int
    similarity: float


@dataclass
class DedupReport:
    """What near-dedup did: clusters with more than one member, records removed, and a few examples."""

    clusters: int = 0
    removed: int = 0
    examples: list[DuplicateExample] = field(default_factory=list)


def _datasketch() -> Any:
    """The datasketch module, which is in the scale extra only (imported here, not with this module)."""
    try:
        import datasketch
    except ImportError:
        raise OctoError("near-dedup needs datasketch: pip install 'gitocto[scale]'") from None
    return datasketch


def _token_hash(token: str) -> int:
    value = _TOKEN_HASHES.get(token)
    if value is None:
        if len(_TOKEN_HASHES) >= _TOKEN_CACHE_SIZE:
            _TOKEN_HASHES.clear()
        raw = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        value = _TOKEN_HASHES[token] = int.from_bytes(raw, "little")
    return value


def shingle_hashes(text: str, size: int = 5) -> np.ndarray:
    """32-bit hashes of the `size`-token n-grams of `text` (one n-gram of all tokens when there are fewer).

    Each distinct token is hashed once (cached) and n-grams are combined with a polynomial over those hashes
    in numpy: hashing every shingle string in Python was most of the cost of a signature.
    """
    tokens = _TOKEN.findall(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    # dict.get through map() stays in C for tokens seen before, which is nearly all of them in code.
    cached = list(map(_TOKEN_HASHES.get, tokens))
    if None in cached:
        cached = [h if h is not None else _token_hash(t) for h, t in zip(cached, tokens, strict=True)]
    hashes = np.array(cached, dtype=np.uint64)
    size = min(size, len(tokens))
    n = len(tokens) - size + 1
    combined = hashes[:n].copy()
    for k in range(1, size):
        combined = combined * _POLY + hashes[k : k + n]  # wraps modulo 2**64, as intended
    folded = np.asarray((combined ^ (combined >> np.uint64(32))) & np.uint64(0xFFFFFFFF), dtype=np.uint32)
    return np.unique(folded)  # a set: code repeats many n-grams, and each costs a row of permutations


def _identity(value: int) -> int:
    return value


def signatures(texts: Iterable[str], num_perm: int = 128, shingle: int = 5, seed: int = 1) -> np.ndarray:
    """MinHash signatures of `texts` as an (n, num_perm) uint32 array; the same on every machine for one seed."""
    sets = (shingle_hashes(text, shingle).tolist() for text in texts)
    # The shingle hashes are already 32-bit integers: datasketch's identity hashfunc skips re-hashing them.
    minhash = _datasketch().MinHash
    minhashes = minhash.generator(sets, num_perm=num_perm, seed=seed, scheme=_SCHEME, hashfunc=_identity)
    rows = [m.hashvalues for m in minhashes]
    if not rows:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return np.asarray(np.stack(rows), dtype=np.uint32)


def cluster(
    sigs: np.ndarray, threshold: float = 0.5, seed: int = 1, max_examples: int = 5
) -> tuple[np.ndarray, DedupReport]:
    """Group rows whose estimated Jaccard similarity reaches `threshold`; return a keep mask and the report.

    LSH proposes candidate pairs, each pair is checked against the threshold on the full signatures, and
    the checked pairs are joined into clusters (union-find) whose first row by position is kept. The result
    depends only on the signatures, so any engine that computes them gives the same answer.
    """
    n, num_perm = sigs.shape
    keep = np.ones(n, dtype=bool)
    report = DedupReport()
    if n < 2:
        return keep, report
    datasketch = _datasketch()
    lean = datasketch.LeanMinHash
    active = [i for i in range(n) if not bool(np.all(sigs[i] == _EMPTY))]
    try:
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm)
    except ValueError:
        # Thresholds near 1 optimise to a single band, which datasketch refuses; two bands still find every
        # pair that similar, and each pair is checked on the full signatures below.
        lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=num_perm, params=(2, num_perm // 2))
    for i in active:
        lsh.insert(i, lean(seed=seed, hashvalues=sigs[i], scheme=_SCHEME), check_duplication=False)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in active:
        for j in lsh.query(lean(seed=seed, hashvalues=sigs[i], scheme=_SCHEME)):
            if j <= i:
                continue
            if float(np.mean(sigs[i] == sigs[j])) < threshold:
                continue
            a, b = find(i), find(j)
            if a != b:
                # The smaller index is the root, so each cluster's root is its first record.
                parent[max(a, b)] = min(a, b)
    roots: set[int] = set()
    for i in active:
        root = find(i)
        if root == i:
            continue
        keep[i] = False
        roots.add(root)
        report.removed += 1
        if len(report.examples) < max_examples:
            report.examples.append(DuplicateExample(root, i, float(np.mean(sigs[root] == sigs[i]))))
    report.clusters = len(roots)
    return keep, report


def near_dedup(
    records: Sequence[R],
    key: Callable[[R], str],
    threshold: float = 0.5,
    num_perm: int = 128,
    shingle: int = 5,
    seed: int = 1,
) -> tuple[list[R], DedupReport]:
    """Drop near-duplicates of `key(record)` (token-shingle Jaccard >= threshold), keeping each cluster's first."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    sigs = signatures((key(r) for r in records), num_perm=num_perm, shingle=shingle, seed=seed)
    keep, report = cluster(sigs, threshold=threshold, seed=seed)
    return [r for r, k in zip(records, keep, strict=True) if k], report
