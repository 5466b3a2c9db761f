"""`git octo stats`: tables of a corpus's languages, licences, message lengths, change sizes and filter drops."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from gitocto import console as out
from gitocto.records import corpus_files, iter_files
from gitocto.stats.collect import CorpusStats, collect, distribution

# The extract's per-shard state files (`.octo-state/<shard>.json`) carry each run's counts; filter rules are
# counted under "filter:<rule>" and the within-run exact duplicates under "duplicate".
_STATE_DIR = ".octo-state"
_DROP_PREFIX = "filter:"
_DUPLICATE = "duplicate"


def _state_files(inputs: Sequence[str]) -> list[Path]:
    found: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found.update(path.rglob(f"{_STATE_DIR}/*.json"))
        else:
            state = path.parent / _STATE_DIR
            # Shards of a multi-repository run are <key>.parquet with <key>.json; parts are <part>.<fmt>.json.
            found.update(
                p for p in (state / f"{path.name}.json", state / f"{path.name.split('.')[0]}.json") if p.is_file()
            )
    return sorted(found)


def filter_drops(inputs: Sequence[str]) -> Counter[str] | None:
    """Records removed per filter rule, added up from the extract's state files beside the inputs (None if none)."""
    total: Counter[str] | None = None
    for path in _state_files(inputs):
        try:
            counts = json.loads(path.read_text(encoding="utf-8")).get("counts")
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(counts, dict):
            continue
        total = total if total is not None else Counter()
        for key, value in counts.items():
            if isinstance(value, int) and (key.startswith(_DROP_PREFIX) or key == _DUPLICATE):
                total[key.removeprefix(_DROP_PREFIX)] += value
    return total


def _counts_table(title: str, column: str, counts: Counter[str], total: int, top: int = 20) -> Table:
    table = Table(title=title)
    table.add_column(column)
    table.add_column("records", justify="right")
    table.add_column("share", justify="right")
    items = counts.most_common(top)
    for name, n in items:
        table.add_row(name, f"{n:,}", f"{100 * n / max(1, total):.1f}%")
    rest = sum(counts.values()) - sum(n for _, n in items)
    if rest:
        table.add_row(f"({len(counts) - len(items)} more)", f"{rest:,}", f"{100 * rest / max(1, total):.1f}%")
    return table


def _distributions_table(stats: CorpusStats) -> Table:
    table = Table(title="sizes")
    columns = ["count", "mean", "min", "p10", "p50", "p90", "p99", "max"]
    table.add_column("measure")
    for name in columns:
        table.add_column(name, justify="right")
    for label, values in (
        ("message length (chars)", stats.message_chars),
        ("subject length (chars)", stats.subject_chars),
        ("change size (lines added + removed)", stats.change_lines),
    ):
        dist = distribution(values)
        if dist:
            table.add_row(label, *(f"{dist[c]:,.0f}" if c != "mean" else f"{dist[c]:,.1f}" for c in columns))
    return table


def print_stats(stats: CorpusStats, drops: Counter[str] | None, console: Console) -> None:
    """Print the statistics as rich tables."""
    repos = "repository" if len(stats.repos) == 1 else "repositories"
    console.print(f"{stats.records:,} record{'s' * (stats.records != 1)} from {len(stats.repos):,} {repos}")
    console.print(_counts_table("languages", "language", stats.languages, stats.records))
    console.print(_counts_table("licences", "licence", stats.licenses, stats.records))
    if stats.change_kinds:
        console.print(_counts_table("change kinds", "kind", stats.change_kinds, stats.records))
    console.print(_distributions_table(stats))
    if drops:
        table = Table(title="records removed per filter rule")
        table.add_column("rule")
        table.add_column("removed", justify="right")
        for rule, n in sorted(drops.items(), key=lambda kv: (-kv[1], kv[0])):
            table.add_row(rule, f"{n:,}")
        console.print(table)


@dataclass(frozen=True)
class Options:
    """What `git octo stats` takes: the record files or shard directories, and where to put plots."""

    inputs: tuple[str, ...]
    plot_dir: str | None = None


def run(options: Options) -> int:
    """`git octo stats`: tables of the records of `options.inputs` (and plots)."""
    return summarize(options.inputs, options.plot_dir)


def summarize(inputs: Sequence[str], plot_dir: str | None, console: Console | None = None) -> int:
    """Read every record of `inputs`, print tables, and write PNG plots to `plot_dir` when given."""
    console = console or out.console(err=False)
    files = corpus_files(inputs)
    stats = collect(iter_files(files))
    drops = filter_drops(inputs)
    print_stats(stats, drops, console)
    if plot_dir:
        from gitocto.stats.plots import write_plots

        for path in write_plots(stats, drops, Path(plot_dir)):
            console.print(f"wrote {path}")
    return 0
