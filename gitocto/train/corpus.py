"""The training corpus: every data source read, rendered, tokenized (or taken from the cache) and split."""

from __future__ import annotations

import hashlib
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitocto.errors import OctoError
from gitocto.train import samplecache
from gitocto.train.config import TrainConfig
from gitocto.train.data import data_files, mix, read_records, split_eval
from gitocto.train.formats import record_kind
from gitocto.train.packing import micro_batches
from gitocto.train.progress import Progress
from gitocto.train.tokenization import Sample, backend_spec, build_samples, max_token_chars


@dataclass
class LoadStats:
    """How the samples were obtained: files tokenized and files taken from the cache, their bytes and seconds."""

    tokenized_files: int = 0
    tokenized_bytes: int = 0
    tokenized_s: float = 0.0
    cached_files: int = 0
    cached_bytes: int = 0
    cached_s: float = 0.0
    cache_errors: list[str] = field(default_factory=list)


@dataclass
class Corpus:
    """Training samples per source (mixed by weight each epoch), held-out eval samples, and what was skipped."""

    groups: list[list[Sample]]
    weights: list[float]
    eval_samples: list[Sample]
    skipped: Counter[str] = field(default_factory=Counter)
    n_records: int = 0
    early: Counter[str] = field(default_factory=Counter)  # of the skipped: dropped by length before tokenizing
    stats: LoadStats = field(default_factory=LoadStats)

    def fingerprint(self, config: TrainConfig) -> str:
        """A digest of the samples and of the settings that decide the batch order, checked on resume."""
        h = hashlib.sha256()
        h.update(repr((config.seq_len, config.packing, config.seed, config.batch_size, self.weights)).encode())
        for group in self.groups:
            h.update(len(group).to_bytes(8, "little"))
            for s in group:
                h.update(s.n_prompt.to_bytes(4, "little"))
                h.update(array("q", s.ids).tobytes())
        return h.hexdigest()[:16]

    def epoch(self, epoch: int, config: TrainConfig) -> list[list[list[Sample]]]:
        """The micro-batches of one epoch, in a fixed order given the seed and the epoch number."""
        samples = mix(self.groups, self.weights, seed=config.seed * 100_003 + epoch)
        return micro_batches(samples, config.batch_size, config.seq_len, config.packing)


def formats_used(config: TrainConfig) -> set[str]:
    """Every format some data source is rendered in."""
    return {source.format or config.format for source in config.data}


@dataclass
class _Tokenizing:
    """What every file of a run is tokenized with."""

    tokenizer: Any
    config: TrainConfig
    bound: int | None
    digest: str
    show_progress: bool


def _tokenize_file(path: Path, fmt: str, how: _Tokenizing) -> samplecache.Entry:
    records = read_records(path)
    entry = samplecache.Entry([], len(records.rows) + sum(records.skipped.values()), Counter(records.skipped))
    if not records.rows:
        return entry
    kind = record_kind(records.columns, fmt, str(path))
    with Progress(f"tokenizing {path.name}", len(records.rows), enabled=how.show_progress) as bar:
        entry.samples = build_samples(
            records.rows,
            fmt=fmt,
            kind=kind,
            tokenizer=how.tokenizer,
            seq_len=how.config.seq_len,
            overlong=how.config.overlong,
            skipped=entry.skipped,
            bound=how.bound,
            early=entry.early,
            progress=bar.advance,
        )
    return entry


def _file_samples(path: Path, fmt: str, how: _Tokenizing, stats: LoadStats) -> samplecache.Entry:
    """The samples of one file: from the cache when an entry for this file and these settings holds."""
    start = time.perf_counter()
    stamp = samplecache.file_stamp(path)
    where = None
    if how.config.data_cache:
        where = samplecache.entry_path(
            samplecache.cache_root(), path, how.digest, fmt, how.config.seq_len, how.config.overlong
        )
        entry = samplecache.load(where, stamp)
        if entry is not None:
            stats.cached_files += 1
            stats.cached_bytes += stamp[0]
            stats.cached_s += time.perf_counter() - start
            return entry
    entry = _tokenize_file(path, fmt, how)
    stats.tokenized_files += 1
    stats.tokenized_bytes += stamp[0]
    stats.tokenized_s += time.perf_counter() - start
    if where is not None:
        error = samplecache.save(where, stamp, entry)
        if error is not None:
            stats.cache_errors.append(f"{path}: {error}")
    return entry


def load_corpus(config: TrainConfig, tokenizer: Any, *, show_progress: bool = False) -> Corpus:
    """Read and tokenize every source; an unusable file is an error, an unusable record a counted skip."""
    spec = backend_spec(tokenizer)
    how = _Tokenizing(
        tokenizer, config, max_token_chars(spec), samplecache.tokenizer_fingerprint(tokenizer, spec), show_progress
    )
    corpus = Corpus([], [], [])
    for source in config.data:
        fmt = source.format or config.format
        samples: list[Sample] = []
        for path in data_files(source.path):
            entry = _file_samples(path, fmt, how, corpus.stats)
            corpus.skipped.update(entry.skipped)
            corpus.early.update(entry.early)
            corpus.n_records += entry.n_records
            samples += entry.samples
        train, held = split_eval(samples, config.eval_fraction, config.seed)
        corpus.groups.append(train)
        corpus.weights.append(source.weight)
        corpus.eval_samples += held
    if not any(corpus.groups):
        reasons = ", ".join(f"{n} {why}" for why, n in corpus.skipped.most_common()) or "the files hold no records"
        raise OctoError(f"no training samples left from {corpus.n_records} records ({reasons})")
    return corpus


def describe_loading(corpus: Corpus, say: Callable[[str], None]) -> None:
    """Say where the samples came from and how fast: tokenized (MB/s of data files) or read from the cache."""
    s = corpus.stats
    if s.tokenized_files:
        mb = s.tokenized_bytes / 1e6
        say(
            f"tokenized {_files(s.tokenized_files)} ({mb:.1f} MB) in {s.tokenized_s:.1f} s "
            f"({mb / max(s.tokenized_s, 1e-9):.1f} MB/s)"
        )
    if s.cached_files:
        say(
            f"took the samples of {_files(s.cached_files)} ({s.cached_bytes / 1e6:.1f} MB) from the cache "
            f"in {s.cached_s:.1f} s"
        )
    for error in s.cache_errors:
        say(f"could not cache samples ({error}); the next run will tokenize again")


def _files(n: int) -> str:
    return f"{n} file" if n == 1 else f"{n} files"
