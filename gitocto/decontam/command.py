"""`git octo decontaminate IN -o OUT`: drop records that leak a benchmark and report what went and why."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from rich.console import Console

from gitocto import console as out
from gitocto.decontam.index import MIN_SUBSTRING_CHARS, NGRAM, BenchmarkIndex, Hit
from gitocto.errors import OctoError

R = TypeVar("R", bound=Mapping[str, object])


@dataclass(frozen=True)
class Dropped:
    """One removed record: its position in the input, the field that leaked and the hit."""

    position: int
    field: str
    hit: Hit

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "position": self.position,
            "field": self.field,
            "rule": self.hit.rule,
            "task_id": self.hit.task_id,
            "benchmark_field": self.hit.field,
            "match": self.hit.match,
        }


def leak(record: Mapping[str, object], index: BenchmarkIndex, fields: Sequence[str] | None) -> tuple[str, Hit] | None:
    """The first leaking field of `record` and its hit; every string field is checked when `fields` is None."""
    names = list(fields) if fields is not None else [k for k, v in record.items() if isinstance(v, str)]
    for name in names:
        value = record.get(name)
        if isinstance(value, str):
            hit = index.find(value)
            if hit is not None:
                return name, hit
    return None


def decontaminate(
    records: Sequence[R], index: BenchmarkIndex, fields: Sequence[str] | None = None
) -> tuple[list[R], list[Dropped]]:
    """Split `records` into the clean ones (in order) and the dropped ones with their reasons."""
    kept: list[R] = []
    dropped: list[Dropped] = []
    for position, record in enumerate(records):
        found = leak(record, index, fields)
        if found is None:
            kept.append(record)
        else:
            dropped.append(Dropped(position, found[0], found[1]))
    return kept, dropped


def parse_fields(spec: str | None) -> list[str] | None:
    """`A,B` into a list of field names; None (every text field) when not given."""
    if spec is None:
        return None
    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise OctoError("--fields names no field; give a comma list such as instruction,response")
    return names


def print_report(console: Console, total: int, dropped: Sequence[Dropped], examples: int = 10) -> None:
    """A summary of the drops by rule and field, with a few examples."""
    console.print(
        f"decontaminate: {total} records, {len(dropped)} dropped, {total - len(dropped)} kept "
        f"(rules: case-insensitive, whitespace-normalised substring of >= {MIN_SUBSTRING_CHARS} chars; "
        f"a shorter one beside the problem's entry point or as a whole unit; shared {NGRAM}-gram of "
        "words)",
        markup=False,
        highlight=False,
    )
    by_reason = Counter((d.hit.rule, d.field, d.hit.field) for d in dropped)
    for (rule, field, bench_field), count in by_reason.most_common():
        console.print(f"  {count:6d}  {rule:9s} in {field} (benchmark {bench_field})", markup=False, highlight=False)
    for d in dropped[:examples]:
        console.print(
            f"  record {d.position}: {d.hit.rule} of {d.hit.task_id} {d.hit.field} in {d.field}: {d.hit.match[:60]!r}",
            markup=False,
            highlight=False,
        )


@dataclass(frozen=True)
class Options:
    """What `git octo decontaminate` takes."""

    input_path: Path
    output: Path
    data_dir: Path | None = None
    benchmarks: tuple[str, ...] = ()
    fields: str | None = None
    report_path: Path | None = None


def run(options: Options) -> int:
    """Read IN, drop leaking records, write OUT (atomically) and report; 0 on success."""
    input_path, output, data_dir = options.input_path, options.output, options.data_dir
    fields_spec, report_path, benchmarks = options.fields, options.report_path, options.benchmarks
    from gitocto.records import format_of, read_records, write_records

    if not input_path.is_file():
        raise OctoError(f"{input_path}: no such file")
    if format_of(input_path) is None:
        raise OctoError(f"{input_path}: not a record file (expected .jsonl, .jsonl.gz or .parquet)")
    if format_of(output) is None:
        raise OctoError(f"{output}: output must end in .jsonl, .jsonl.gz or .parquet")
    if output.resolve() == input_path.resolve():
        raise OctoError("the output must differ from the input (nothing is overwritten in place)")
    fields = parse_fields(fields_spec)
    from gitocto.decontam.benchmarks import load_index

    index = load_index(benchmarks, data_dir)  # before reading IN: a missing benchmark fails at once
    records = read_records(input_path)
    kept, dropped = decontaminate(records, index, fields)
    write_records(output, kept)
    print_report(out.console(), len(records), dropped)
    if report_path is not None:
        report_path.parent.mkdir(parents=True, exist_ok=True)
        report_path.write_text(
            json.dumps(
                {"records": len(records), "kept": len(kept), "dropped": [d.as_dict() for d in dropped]}, indent=1
            )
            + "\n",
            encoding="utf-8",
        )
    return 0
