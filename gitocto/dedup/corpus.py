"""Corpus-wide dedup: exact then near duplicates of one text field across every shard, on one machine or Ray.

Signatures are computed per shard (in this process, or as Ray tasks); the decision is made once, in shard
and row order, from the signatures alone, so both engines remove exactly the same records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gitocto.dedup.exact import digest
from gitocto.dedup.minhash import DedupReport, DuplicateExample, cluster, signatures
from gitocto.errors import OctoError
from gitocto.records import read_records


@dataclass(frozen=True)
class Settings:
    """What is compared and how: the text field, the Jaccard threshold and the MinHash parameters."""

    field: str = "new_contents"
    threshold: float = 0.5
    num_perm: int = 128
    shingle: int = 5
    seed: int = 1


@dataclass
class ShardFeatures:
    """Per row of one shard: the digest of its text (None when the text is empty) and its MinHash signature."""

    rows: int
    missing: int
    digests: list[bytes | None]
    sigs: np.ndarray


@dataclass
class CorpusReport:
    """The outcome of a corpus-wide dedup run."""

    records_in: int = 0
    missing_field: int = 0
    exact_removed: int = 0
    near: DedupReport = field(default_factory=DedupReport)
    records_out: int = 0


def _text(row: Mapping[str, object], name: str) -> str | None:
    value = row.get(name)
    return value if isinstance(value, str) else None


def shard_features(path: Path, settings: Settings) -> ShardFeatures:
    """Digests and signatures of `settings.field` for every row of the shard at `path`."""
    rows = read_records(path)
    texts = [_text(row, settings.field) for row in rows]
    return ShardFeatures(
        rows=len(rows),
        missing=sum(t is None for t in texts),
        digests=[digest(t) if t and t.strip() else None for t in texts],
        sigs=signatures((t or "" for t in texts), settings.num_perm, settings.shingle, settings.seed),
    )


def decide(shards: Sequence[ShardFeatures], settings: Settings) -> tuple[list[np.ndarray], CorpusReport]:
    """Keep masks per shard: exact duplicates first, then near-duplicate clusters keep their first row."""
    report = CorpusReport(records_in=sum(s.rows for s in shards), missing_field=sum(s.missing for s in shards))
    keep = np.ones(report.records_in, dtype=bool)
    seen: set[bytes] = set()
    candidates: list[int] = []
    position = 0
    for shard in shards:
        for d in shard.digests:
            if d is not None:
                if d in seen:
                    keep[position] = False
                    report.exact_removed += 1
                else:
                    seen.add(d)
                    candidates.append(position)
            position += 1
    if candidates:
        all_sigs = np.concatenate([s.sigs for s in shards]) if len(shards) > 1 else shards[0].sigs
        near_keep, near = cluster(all_sigs[candidates], settings.threshold, settings.seed)
        keep[np.asarray(candidates)[~near_keep]] = False
        near.examples = [
            DuplicateExample(candidates[e.kept], candidates[e.removed], e.similarity) for e in near.examples
        ]
        report.near = near
    report.records_out = int(keep.sum())
    masks: list[np.ndarray] = []
    start = 0
    for shard in shards:
        masks.append(keep[start : start + shard.rows])
        start += shard.rows
    return masks, report


def local_features(files: Sequence[Path], settings: Settings) -> Iterator[ShardFeatures]:
    """Shard features computed one shard after another in this process."""
    for path in files:
        yield shard_features(path, settings)


def ray_features(files: Sequence[Path], settings: Settings) -> Iterator[ShardFeatures]:
    """Shard features computed as Ray tasks (one per shard), yielded in shard order."""
    import ray
    from ray.exceptions import RayTaskError

    from gitocto.scale.runtime import cluster_cpus

    remote: Any = ray.remote(num_cpus=1, max_retries=2)(shard_features)
    window = 2 * cluster_cpus()
    refs: list[Any] = []
    submitted = 0
    for path in files:
        # A bounded window keeps at most a few shards' signatures in the object store at once.
        while submitted < len(files) and len(refs) < window:
            refs.append(remote.remote(files[submitted], settings))
            submitted += 1
        try:
            yield ray.get(refs.pop(0))
        except RayTaskError as exc:
            cause = exc.cause
            if isinstance(cause, OctoError):
                raise OctoError(str(cause)) from None
            raise OctoError(f"{path}: {type(cause).__name__}: {cause}") from None
