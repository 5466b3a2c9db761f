"""One file of the NNGen index: commits' token bags as rows and as posting lists, memory-mapped for a fast start.

Layout: an 8-byte magic, a little-endian u32 header length, a JSON header (commit count, tips, and where each
array lies), then the arrays, 8-byte aligned. Nothing is parsed at load time except the header.
"""

from __future__ import annotations

import json
import math
import mmap
import struct
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gitocto.msg.tokens import BUCKETS, CommitRecord

MAGIC = b"OCTONN1\n"
VERSION = 2  # bumped whenever tokenisation or layout changes: an older file is rebuilt, never misread
MAX_COUNT = 65535


class Segment:
    """A read-only view of one index file."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as fh:
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if self._mm[:8] != MAGIC:
            raise ValueError(f"{path} is not a gitocto index file")
        (size,) = struct.unpack_from("<I", self._mm, 8)
        self.header: dict[str, Any] = json.loads(self._mm[12 : 12 + size])
        if (
            self.header.get("version") != VERSION
            or self.header.get("byteorder") != sys.byteorder
            or self.header.get("buckets") != BUCKETS
        ):
            raise ValueError(f"{path} was written for another machine or version")
        self.count: int = self.header["count"]
        self.tips: list[str] = self.header["tips"]
        view = memoryview(self._mm)
        self._views: dict[str, memoryview] = {}
        for name, (offset, code, length) in self.header["arrays"].items():
            raw = view[offset : offset + length]
            self._views[name] = raw if code == "B" else raw.cast(code)
        self.post_ptr = self._views["post_ptr"]
        self.post_doc = self._views["post_doc"]
        self.post_cnt = self._views["post_cnt"]
        self.row_ptr = self._views["row_ptr"]
        self.row_tok = self._views["row_tok"]
        self.row_cnt = self._views["row_cnt"]
        self.norm = self._views["norm"]

    def sha(self, doc: int) -> str:
        """The commit sha of row `doc`."""
        return bytes(self._views["shas"][doc * 20 : doc * 20 + 20]).hex()

    def subject(self, doc: int) -> str:
        """The commit subject of row `doc`."""
        off = self._views["subj_off"]
        return bytes(self._views["subj"][off[doc] : off[doc + 1]]).decode("utf-8", "replace")

    def sequence(self, doc: int) -> list[str]:
        """The first diff tokens of row `doc`, in order (for the BLEU re-rank)."""
        off = self._views["seq_off"]
        return bytes(self._views["seq"][off[doc] : off[doc + 1]]).decode("utf-8", "replace").split()

    def row(self, doc: int) -> tuple[memoryview, memoryview]:
        """Bucket ids and counts of row `doc`."""
        a, b = self.row_ptr[doc], self.row_ptr[doc + 1]
        return self.row_tok[a:b], self.row_cnt[a:b]

    def postings(self, bucket: int) -> memoryview:
        """Rows that contain `bucket`."""
        return self.post_doc[self.post_ptr[bucket] : self.post_ptr[bucket + 1]]

    def records(self) -> list[CommitRecord]:
        """Every row back as a record (for merging segments); bags keep their hashed buckets."""
        from gitocto.msg.tokens import DiffTokens

        out = []
        for doc in range(self.count):
            toks, cnts = self.row(doc)
            bag = dict(zip(toks.tolist(), cnts.tolist(), strict=True))
            out.append(CommitRecord(self.sha(doc), self.subject(doc), DiffTokens(bag, self.sequence(doc))))
        return out

    def close(self) -> None:
        """Release the mapping (views must not be used after)."""
        for v in self._views.values():
            v.release()
        self.post_ptr = self.post_doc = self.post_cnt = self.row_ptr = self.row_tok = self.row_cnt = memoryview(b"")
        self._views.clear()
        try:
            self._mm.close()
        except BufferError:  # a view still exported elsewhere; the OS unmaps at exit
            pass


def write_segment(path: Path, records: Sequence[CommitRecord], tips: Sequence[str]) -> None:
    """Write `records` (row order kept) to `path` atomically."""
    from gitocto.records import atomic_write  # only writers pay for it; a warm `git octo msg` never writes

    shas = bytearray()
    subj = bytearray()
    subj_off = array("Q", [0])
    seq = bytearray()
    seq_off = array("Q", [0])
    row_ptr = array("Q", [0])
    row_tok = array("I")
    row_cnt = array("H")
    norm = array("d")
    keys: list[int] = []
    for doc, rec in enumerate(records):
        shas += bytes.fromhex(rec.sha)
        subj += rec.subject.encode("utf-8")
        subj_off.append(len(subj))
        seq += " ".join(rec.tokens.sequence).encode("utf-8")
        seq_off.append(len(seq))
        items = sorted(rec.tokens.bag.items())
        for tok, cnt in items:
            c = min(cnt, MAX_COUNT)
            row_tok.append(tok)
            row_cnt.append(c)
            # One int per posting, sorted once: bucket, then row, then count.
            keys.append((tok << 48) | (doc << 16) | c)
        row_ptr.append(len(row_tok))
        norm.append(math.sqrt(sum(min(c, MAX_COUNT) ** 2 for _, c in items)))
    keys.sort()
    post_doc = array("I", ((k >> 16) & 0xFFFFFFFF for k in keys))
    post_cnt = array("H", (k & 0xFFFF for k in keys))
    post_ptr = array("I", [0]) * (BUCKETS + 1)
    for k in keys:
        post_ptr[(k >> 48) + 1] += 1
    total = 0
    for i in range(BUCKETS + 1):
        total += post_ptr[i]
        post_ptr[i] = total
    arrays: dict[str, tuple[str, bytes]] = {
        "shas": ("B", bytes(shas)),
        "subj": ("B", bytes(subj)),
        "subj_off": ("Q", subj_off.tobytes()),
        "seq": ("B", bytes(seq)),
        "seq_off": ("Q", seq_off.tobytes()),
        "row_ptr": ("Q", row_ptr.tobytes()),
        "row_tok": ("I", row_tok.tobytes()),
        "row_cnt": ("H", row_cnt.tobytes()),
        "norm": ("d", norm.tobytes()),
        "post_ptr": ("I", post_ptr.tobytes()),
        "post_doc": ("I", post_doc.tobytes()),
        "post_cnt": ("H", post_cnt.tobytes()),
    }
    # The header holds the offsets, which depend on the header's own size: lay out with a generous fixed width.
    layout: dict[str, list[Any]] = {}
    header = {
        "version": VERSION,
        "byteorder": sys.byteorder,
        "buckets": BUCKETS,
        "count": len(records),
        "tips": list(tips),
        "arrays": layout,
    }
    probe = json.dumps({**header, "arrays": {n: [10**15, c, 10**15] for n, (c, _) in arrays.items()}})
    offset = _align(12 + len(probe) + 64)
    for name, (code, data) in arrays.items():
        layout[name] = [offset, code, len(data)]
        offset = _align(offset + len(data))
    head = json.dumps(header).encode("utf-8")
    _remove_stale_temps(path)
    with atomic_write(path) as tmp, tmp.open("wb") as fh:
        fh.write(MAGIC + struct.pack("<I", len(head)) + head)
        for name, (_, data) in arrays.items():
            fh.seek(layout[name][0])
            fh.write(data)
        fh.truncate(offset)


def _remove_stale_temps(path: Path, age_s: float = 600.0) -> None:
    """Temp files left by a writer that was cut short (a hook leaves at its deadline with os._exit)."""
    import time

    for tmp in path.parent.glob(f".{path.name}.tmp-*"):
        try:
            if time.time() - tmp.stat().st_mtime > age_s:
                tmp.unlink()
        except OSError:
            pass


def _align(n: int) -> int:
    return (n + 7) & ~7
