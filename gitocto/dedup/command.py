"""`git octo dedup`: exact and near-duplicate removal across a whole corpus, with a report of what went."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from gitocto import console as out
from gitocto.dedup.corpus import CorpusReport, Settings, decide, local_features, ray_features
from gitocto.errors import OctoError
from gitocto.extract.output import check_output
from gitocto.records import corpus_files, format_of, read_records, write_records


def _excerpt(text: object, width: int = 70) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _check_output(files: Sequence[Path], out: Path, to_file: bool) -> None:
    inputs = {f.resolve() for f in files}
    if to_file:
        if out.resolve() in inputs:
            raise OctoError(f"{out}: the output is one of the inputs; write somewhere else")
        return
    check_output(str(out))  # the same rules as extract's: no file in the way, no foreign suffix such as .csv
    if any(out.resolve() in f.parents for f in inputs):
        raise OctoError(f"{out}: the output directory holds input shards; write somewhere else")
    names = [f.name for f in files]
    clash = next((n for n in names if names.count(n) > 1), None)
    if clash:
        raise OctoError(f"two input shards are named {clash}; name an output file instead of a directory")


def _print_report(report: CorpusReport, texts: dict[int, str], console: Console) -> None:
    table = Table(title="dedup", show_header=False)
    table.add_column("step")
    table.add_column("records", justify="right")
    table.add_row("records in", f"{report.records_in:,}")
    if report.missing_field:
        table.add_row("without the field (kept)", f"{report.missing_field:,}")
    table.add_row("exact duplicates removed", f"{report.exact_removed:,}")
    table.add_row("near-duplicate clusters", f"{report.near.clusters:,}")
    table.add_row("near duplicates removed", f"{report.near.removed:,}")
    table.add_row("records out", f"{report.records_out:,}")
    console.print(table)
    if report.near.examples:
        examples = Table(title="near-duplicate examples (record numbers in input order)")
        for name in ("kept", "removed", "Jaccard≈"):
            examples.add_column(name)
        for e in report.near.examples:
            examples.add_row(
                f"#{e.kept} {texts.get(e.kept, '')}", f"#{e.removed} {texts.get(e.removed, '')}", f"{e.similarity:.2f}"
            )
        console.print(examples)


@dataclass(frozen=True)
class Options:
    """What `git octo dedup` takes: inputs, output, the MinHash settings and where signatures are computed."""

    inputs: tuple[str, ...]
    output: str
    settings: Settings = field(default_factory=Settings)
    engine: str = "local"
    ray_address: str | None = None
    workers: int | None = None


def run(options: Options) -> int:
    """`git octo dedup`: exact then near duplicates removed across the inputs."""
    return deduplicate(
        options.inputs,
        options.output,
        options.settings,
        engine=options.engine,
        address=options.ray_address,
        workers=options.workers or os.cpu_count() or 1,
    )


def deduplicate(
    inputs: Sequence[str],
    output: str,
    settings: Settings,
    engine: str = "local",
    address: str | None = None,
    workers: int = 1,
    console: Console | None = None,
) -> int:
    """Remove exact then near duplicates of `settings.field` across `inputs`; write the rest to `output`."""
    if not 0.0 < settings.threshold <= 1.0:
        raise OctoError(f"--threshold must be in (0, 1], got {settings.threshold}")
    console = console or out.console(err=False)
    files = corpus_files(inputs)
    target = Path(output)
    to_file = format_of(target) is not None
    _check_output(files, target, to_file)
    if engine == "ray":
        from gitocto.scale.runtime import ray_session

        with ray_session(address, workers):
            features = list(ray_features(files, settings))
    else:
        features = list(local_features(files, settings))
    masks, report = decide(features, settings)
    if not to_file:
        target.mkdir(parents=True, exist_ok=True)
    if report.records_in and report.missing_field == report.records_in:
        raise OctoError(f"no record has a text field {settings.field!r} (choose one with --field)")
    wanted = {i for e in report.near.examples for i in (e.kept, e.removed)}
    texts: dict[int, str] = {}
    kept_all: list[dict[str, Any]] = []
    start = 0
    for path, mask in zip(files, masks, strict=True):
        rows = read_records(path)
        if len(rows) != len(mask):
            raise OctoError(f"{path}: changed while dedup was running")
        for i in wanted:
            if start <= i < start + len(rows):
                texts[i] = _excerpt(rows[i - start].get(settings.field))
        kept = [row for row, keep in zip(rows, mask, strict=True) if keep]
        start += len(rows)
        if to_file:
            kept_all += kept
        elif kept:
            write_records(target / path.name, kept)
    if to_file:
        write_records(target, kept_all)
    _print_report(report, texts, console)
    return 0
