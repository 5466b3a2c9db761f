"""The repository's NNGen index under `.git/octo/`: built on first use, then updated from new commits only.

Two segment files: `base` (most of history) and `delta` (commits since the base was written), so that an
update after a commit rewrites a small file; the delta folds into the base once it grows past a quarter of it.
"""

from __future__ import annotations

import math
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from gitocto import console
from gitocto.git import worktree as repo
from gitocto.msg.segment import Segment, write_segment
from gitocto.msg.tokens import CommitRecord, DiffTokens, iter_history

INDEX_DIR = "octo/nn-index"
MAX_TIPS = 8
CANDIDATES = 100  # rows that share the most distinct tokens with the query get an exact cosine
POSTINGS_BUDGET = 200_000  # postings read per query; rare tokens first, the most common skipped past this


class Hit(NamedTuple):
    """A past commit close to the query: its cosine and where it lies."""

    score: float
    segment: Segment
    doc: int


class NNIndex:
    """The index segments of one repository, loaded and brought up to date with HEAD."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.segments: list[Segment] = []
        for name in ("base", "delta"):
            path = directory / name
            if path.is_file():
                try:
                    self.segments.append(Segment(path))
                except (ValueError, OSError, KeyError):
                    # A file from another version or a torn disk: rebuilt from history below.
                    self.close()
                    self.segments = []
                    break

    @property
    def tips(self) -> list[str]:
        """The commits the index was last brought up to (all their history is in it)."""
        return self.segments[-1].tips if self.segments else []

    @property
    def count(self) -> int:
        """How many commits the index holds."""
        return sum(s.count for s in self.segments)

    def close(self) -> None:
        """Unmap the segment files."""
        for seg in self.segments:
            seg.close()

    def search(self, query: DiffTokens, k: int, allowed: Callable[[str], bool] | None = None) -> list[Hit]:
        """The `k` past commits whose diffs have the highest cosine similarity to `query`."""
        q = query.bag
        q_norm = math.sqrt(sum(c * c for c in q.values()))
        if not q_norm:
            return []
        hits: list[Hit] = []
        for seg in self.segments:
            lists = sorted((seg.postings(b) for b in q), key=len)
            overlap: Counter[int] = Counter()
            read = 0
            for docs in lists:
                if read and read + len(docs) > POSTINGS_BUDGET:
                    break
                overlap.update(docs)
                read += len(docs)
            if allowed is None:
                candidates = [d for d, _ in overlap.most_common(CANDIDATES)]
            else:
                candidates = [d for d, _ in overlap.most_common() if allowed(seg.sha(d))][:CANDIDATES]
            for doc in candidates:
                toks, cnts = seg.row(doc)
                dot = sum(q.get(t, 0) * c for t, c in zip(toks, cnts, strict=True))
                hits.append(Hit(dot / (q_norm * seg.norm[doc]), seg, doc))
        # Newer rows first on ties (delta after base, lower row = newer within a segment).
        hits.sort(key=lambda h: (-h.score, -self.segments.index(h.segment), h.doc))
        return hits[:k]


def open_index(
    cwd: str, update: bool = True, progress: Callable[[str], None] | None = None, location: repo.Location | None = None
) -> NNIndex:
    """Load the index, first adding any commits reachable from HEAD that it lacks (building it if absent)."""
    where = location or repo.locate(cwd, INDEX_DIR)
    directory = where.index_dir
    index = NNIndex(directory)
    if not update:
        return index
    head = where.head
    if head is None or head in index.tips:
        return index
    known_tips = [t for t in index.tips if _exists(t, cwd)]
    have = {seg.sha(d) for seg in index.segments for d in range(seg.count)} if index.segments else set()
    if progress and not index.segments:
        progress(console.prefixed("indexing the commit history for message suggestions"))
    new = [r for r in iter_history(cwd, [head], known_tips) if r.sha not in have and r.tokens.bag]
    tips = [*known_tips, head][-MAX_TIPS:]
    base = index.segments[0] if index.segments else None
    delta = index.segments[1] if len(index.segments) > 1 else None
    old_delta = delta.records() if delta else []
    if base is None:
        _write(directory / "base", new, tips)
        (directory / "delta").unlink(missing_ok=True)  # a leftover from an index that could not be read
    elif len(old_delta) + len(new) > max(500, base.count // 4):
        _write(directory / "base", [*new, *old_delta, *base.records()], tips)
        (directory / "delta").unlink(missing_ok=True)
    else:
        _write(directory / "delta", [*new, *old_delta], tips)
    index.close()
    return NNIndex(directory)


def _write(path: Path, records: Sequence[CommitRecord], tips: Sequence[str]) -> None:
    write_segment(path, records, tips)


def _exists(sha: str, cwd: str) -> bool:
    # A tip lost to a rebase and gc cannot bound the log; it is dropped rather than failing the update.
    return (
        subprocess.run(
            ["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=cwd, capture_output=True, check=False
        ).returncode
        == 0
    )
