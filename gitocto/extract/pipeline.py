"""Chunks of commits into kept records: extraction, the filter rules and exact dedup, with the counts of each."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from gitocto.extract import walk
from gitocto.extract.filters import RuleContext, apply_rules, rules_for, tokenizer_counter
from gitocto.extract.options import ExtractOptions
from gitocto.extract.record import DEDUP_FIELD, Record
from gitocto.extract.walk import RepoContext, chunks, iter_chunk_results

DUPLICATE = "duplicate"
DROP_PREFIX = "filter:"


def dedup_key(record: Record) -> str:
    """The exact-dedup key of a record: (old blob, new blob, message hash) as the walk left it, else a hash of
    (old contents, message, new contents)."""
    given = record.pop(DEDUP_FIELD, None)
    if given is not None:
        return str(given)
    h = hashlib.blake2b(digest_size=16)
    for text in (record["old_contents"], record["message"], record["new_contents"]):
        h.update(text.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


@dataclass
class Batch:
    """The outcome of one chunk: the commits it covered, the records kept, their keys, counts and problems."""

    commits: list[str]
    records: list[Record]
    keys: list[str]
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def rule_context(options: ExtractOptions) -> RuleContext:
    """The context the rules need; loads the tokenizer (once) when one is named."""
    wanted = options.tokenizer and str(options.filter).startswith("commitpackft")
    counter = tokenizer_counter(options.tokenizer) if options.tokenizer and wanted else None
    return RuleContext(seed=options.seed, count_tokens=counter)


def process(
    ctx: RepoContext, commits: Sequence[str], options: ExtractOptions, seen: set[str], chunk_size: int | None = None
) -> Iterator[Batch]:
    """Extract `commits` chunk by chunk, filter the records and drop those whose key is in `seen` (then added)."""
    rules = rules_for(options.filter, options.skip_rules)
    rctx = rule_context(options)
    for result in iter_chunk_results(ctx, chunks(commits, chunk_size or walk.CHUNK_COMMITS), options.workers):
        drops: Counter[str] = Counter()
        kept = list(apply_rules(result.records, rules, rctx, drops))
        batch = Batch(
            commits=result.commits, records=[], keys=[], counts=Counter(result.counts), problems=result.problems
        )
        batch.counts["records_extracted"] += len(result.records)
        batch.counts.update({f"{DROP_PREFIX}{name}": n for name, n in drops.items()})
        for record in kept:
            key = dedup_key(record)
            if key in seen:
                batch.counts[DUPLICATE] += 1
                continue
            seen.add(key)
            batch.keys.append(key)
            batch.records.append(record)
        batch.counts["records_written"] += len(batch.records)
        del result, kept
        yield batch
        del batch  # not held while the next chunk is built: memory is bounded by the chunks in flight
