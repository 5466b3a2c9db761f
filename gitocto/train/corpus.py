"""The training corpus: every data source read, rendered, tokenized and split, with skipped records counted."""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gitocto.errors import OctoError
from gitocto.train.config import TrainConfig
from gitocto.train.data import data_files, mix, read_records, split_eval
from gitocto.train.formats import record_kind
from gitocto.train.packing import micro_batches
from gitocto.train.tokenization import Sample, build_samples


@dataclass
class Corpus:
    """Training samples per source (mixed by weight each epoch), held-out eval samples, and what was skipped."""

    groups: list[list[Sample]]
    weights: list[float]
    eval_samples: list[Sample]
    skipped: Counter[str] = field(default_factory=Counter)
    n_records: int = 0

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


def load_corpus(config: TrainConfig, tokenizer: Any) -> Corpus:
    """Read and tokenize every source; an unusable file is an error, an unusable record a counted skip."""
    corpus = Corpus([], [], [])
    for source in config.data:
        fmt = source.format or config.format
        samples: list[Sample] = []
        for path in data_files(source.path):
            records = read_records(path)
            corpus.skipped.update(records.skipped)
            corpus.n_records += len(records.rows) + sum(records.skipped.values())
            if not records.rows:
                continue
            kind = record_kind(records.columns, fmt, str(path))
            samples += build_samples(
                records.rows, fmt=fmt, kind=kind, tokenizer=tokenizer, seq_len=config.seq_len,
                overlong=config.overlong, skipped=corpus.skipped,
            )
        train, held = split_eval(samples, config.eval_fraction, config.seed)
        corpus.groups.append(train)
        corpus.weights.append(source.weight)
        corpus.eval_samples += held
    if not any(corpus.groups):
        reasons = ", ".join(f"{n} {why}" for why, n in corpus.skipped.most_common()) or "the files hold no records"
        raise OctoError(f"no training samples left from {corpus.n_records} records ({reasons})")
    return corpus
