"""A cache of tokenized samples, one entry per data file, so a second run on the same data starts at once.

An entry is keyed by the data file's path, the tokenizer (its name and a digest of its whole pipeline: vocabulary,
merges, normalizer, added tokens, chat template) and the settings that shape samples (format, seq_len,
overlong); it records the file's size and modification time, so a changed file is tokenized again and its entry
replaced. Entries live under `$XDG_CACHE_HOME/gitocto/train-samples` (`~/.cache/…` by default); deleting the
directory is always safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitocto.records import atomic_write
from gitocto.train.tokenization import Sample

VERSION = 1
MAGIC = b"gitocto-train-samples 1\n"
_INT32 = next(code for code in ("I", "L") if array(code).itemsize == 4)


@dataclass
class Entry:
    """What one data file gave: its samples, how many records it held, and why the others were skipped."""

    samples: list[Sample]
    n_records: int
    skipped: Counter[str] = field(default_factory=Counter)
    early: Counter[str] = field(default_factory=Counter)  # of the skipped: those dropped before tokenizing


def cache_root() -> Path:
    """Where entries are kept: $XDG_CACHE_HOME/gitocto/train-samples, else ~/.cache/gitocto/train-samples."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gitocto" / "train-samples"


def tokenizer_fingerprint(tokenizer: Any, spec: dict[str, Any] | None) -> str:
    """A digest of everything that decides how this tokenizer turns text into ids (and renders a chat)."""
    if spec is not None:
        pipeline: Any = spec
    else:  # a slow tokenizer: its vocabulary stands for its pipeline
        pipeline = sorted(tokenizer.get_vocab().items())
    described = {
        "class": type(tokenizer).__name__,
        "name": str(getattr(tokenizer, "name_or_path", "")),
        "pipeline": pipeline,
        "added": sorted((int(i), str(t)) for i, t in getattr(tokenizer, "added_tokens_decoder", {}).items()),
        "special": {k: str(v) for k, v in sorted(getattr(tokenizer, "special_tokens_map", {}).items())},
        "chat_template": str(getattr(tokenizer, "chat_template", None)),
        "eos": tokenizer.eos_token_id,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True, default=str).encode()).hexdigest()


def entry_path(root: Path, data_file: Path, tokenizer_digest: str, fmt: str, seq_len: int, overlong: str) -> Path:
    """The entry for this file under these settings (one per combination; a changed file replaces it)."""
    key = json.dumps([VERSION, str(data_file.resolve()), tokenizer_digest, fmt, seq_len, overlong])
    return root / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.bin"


def file_stamp(path: Path) -> list[int]:
    """The size and modification time (ns) of a data file: an entry holds only while both are unchanged."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def load(path: Path, stamp: list[int]) -> Entry | None:
    """The entry at `path` if it exists, is whole and was made from a file with this stamp; else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        if not data.startswith(MAGIC):
            return None
        end = data.index(b"\n", len(MAGIC))
        head = json.loads(data[len(MAGIC) : end])
        if head["stamp"] != stamp or head["byteorder"] != sys.byteorder:
            return None
        n = int(head["n_samples"])
        arrays = array(_INT32)
        arrays.frombytes(data[end + 1 :])
        lengths, prompts, ids = arrays[:n], arrays[n : 2 * n], arrays[2 * n :]
        if sum(lengths) != len(ids):
            return None
        samples = []
        offset = 0
        for length, n_prompt in zip(lengths, prompts, strict=True):
            samples.append(Sample(tuple(ids[offset : offset + length]), n_prompt))
            offset += length
        return Entry(samples, int(head["n_records"]), Counter(head["skipped"]), Counter(head["early"]))
    except (ValueError, KeyError, TypeError):
        return None


def save(path: Path, stamp: list[int], entry: Entry) -> str | None:
    """Write the entry atomically (a reader never sees half of one); the reason on failure, else None."""
    head = {
        "stamp": stamp,
        "byteorder": sys.byteorder,
        "n_samples": len(entry.samples),
        "n_records": entry.n_records,
        "skipped": dict(entry.skipped),
        "early": dict(entry.early),
    }
    body = array(_INT32, [len(s.ids) for s in entry.samples])
    body.extend(s.n_prompt for s in entry.samples)
    for s in entry.samples:
        body.extend(s.ids)
    try:
        with atomic_write(path) as tmp, tmp.open("wb") as fh:
            fh.write(MAGIC + json.dumps(head).encode() + b"\n")
            body.tofile(fh)
    except OSError as exc:
        return str(exc)
    return None
