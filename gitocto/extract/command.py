"""`git octo extract`: repositories into a JSONL/Parquet file, a shard directory or stdout, resumably."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gitocto import console as out
from gitocto import hub
from gitocto.errors import OctoError
from gitocto.extract.filters import ALL_RULES, PERMISSIVE_LICENSES, rules_for
from gitocto.extract.forks import Forks
from gitocto.extract.options import ExtractOptions
from gitocto.extract.output import (
    STATE_DIR,
    PartState,
    PartWriter,
    check_output,
    parts_dir_for,
    single_file_writer,
    stdout_writer,
)
from gitocto.extract.pipeline import DROP_PREFIX, DUPLICATE, rule_context
from gitocto.extract.walk import COLUMNS, RepoContext, prepare
from gitocto.records import format_of, write_json


@dataclasses.dataclass(frozen=True)
class Options:
    """Everything `git octo extract` takes: the sources, the output and the extraction settings."""

    output: str
    repos: tuple[str, ...] = ()
    extract: ExtractOptions = dataclasses.field(default_factory=ExtractOptions)
    shard_format: str = "parquet"
    repos_file: Path | None = None
    engine: str = "local"
    ray_address: str | None = None


def run(options: Options) -> int:
    """`git octo extract`: one output from the repositories, or one shard per repository (--repos-file, Ray)."""
    hub.need_model(options.extract.tokenizer, "--tokenizer")
    if options.repos_file is not None or options.engine == "ray":
        from gitocto.extract.many import extract_many, read_repos_file

        listed = read_repos_file(options.repos_file) if options.repos_file is not None else []
        return extract_many(
            [*options.repos, *listed],
            options.output,
            options.extract,
            engine=options.engine,
            ray_address=options.ray_address,
        )
    return extract_repos(options.repos, options.output, options.extract, shard_format=options.shard_format)


def extract_repos(
    repos: Sequence[str],
    output: str,
    options: ExtractOptions,
    *,
    shard_format: str = "parquet",
    console: Console | None = None,
) -> int:
    """Extract every repository in `repos` into `output` (a file, a directory of parts, or "-"); exit code."""
    console = console or out.console()
    check_output(output)
    validate_options(options)
    targets = [prepare(Path(r), options) for r in (repos or ["."])]
    for ctx, _ in targets:
        if ctx.shallow_boundary:
            console.print(
                f"[yellow]{ctx.repos}: shallow clone; history is cut at {len(ctx.shallow_boundary)} "
                f"boundary commit(s) ({', '.join(sorted(ctx.shallow_boundary)[:3])}), which are left out"
            )
        if license_dropped(ctx, options):
            console.print(
                f"[yellow]{ctx.repos}: licence {ctx.license or 'unknown'} is not one CommitPack keeps, so "
                "cp_license drops every record (set one with --license, or --skip-rule cp_license)"
            )
    if output == "-":
        return _to_stdout(targets, options, console)
    path = Path(output)
    fmt = format_of(output)
    settings = run_settings(options)
    settings["repositories"] = [_repo_id(ctx) for ctx, _ in targets]
    if fmt is not None and path.exists() and not parts_dir_for(path).exists():
        recorded = _summary(path).get("settings")
        if recorded is not None and recorded != json.loads(json.dumps(settings)):
            raise OctoError(
                f"{output} is the output of a run with other options or repositories; "
                "rerun with the same ones, or remove it to extract again"
            )
        console.print(f"{output} is complete from an earlier run; nothing to do (remove it to extract again)")
        return 0
    single = single_file_writer(path, fmt, COLUMNS) if fmt else None
    writer = single or PartWriter(path, shard_format, COLUMNS)
    with writer:
        check_same_run(writer.state_dir, settings, f"{writer.directory} holds parts")
        state = writer.load()
        if state.done:
            console.print(f"resuming: {len(state.done)} commits already extracted")
        _run(targets, options, writer, state, console)
        if single is not None:
            single.finish_into(path)
    if fmt is not None:
        _write_summary(path, state.counts, state.problems, settings)
        shutil.rmtree(writer.directory, ignore_errors=True)
    print_summary(console, state.counts, state.problems, output)
    return 0


def license_dropped(ctx: RepoContext, options: ExtractOptions) -> bool:
    """True when the filter's licence rule will drop every record of this repository."""
    return (
        options.filter is not None and "cp_license" not in options.skip_rules and ctx.license not in PERMISSIVE_LICENSES
    )


def validate_options(options: ExtractOptions) -> None:
    """Fail on unknown rules or a tokenizer that does not load before anything is written."""
    rules_for(options.filter, options.skip_rules)
    rule_context(options)


def run_settings(options: ExtractOptions) -> dict[str, object]:
    """What makes two runs' records the same: every option but the number of workers."""
    settings: dict[str, object] = {k: v for k, v in dataclasses.asdict(options).items() if k != "workers"}
    settings["skip_rules"] = sorted(options.skip_rules)
    return settings


def check_same_run(state_dir: Path, settings: dict[str, object], what: str) -> None:
    """Refuse to resume into output made with other settings (its records would not match); record them if new."""
    path = state_dir / "run.json"
    if path.exists():
        if json.loads(path.read_text(encoding="utf-8")) != json.loads(json.dumps(settings)):
            raise OctoError(
                f"{what} of a run with other options or repositories; "
                "rerun with the same ones, or remove it to start over"
            )
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(settings), encoding="utf-8")


def _write_summary(path: Path, counts: Counter[str], problems: Sequence[str], settings: dict[str, object]) -> None:
    """Keep a single-file output's counts (filter drops included) where `git octo stats` looks for them, and the
    settings of its run, so a rerun with other ones is refused rather than taken as done."""
    write_json(
        path.parent / STATE_DIR / f"{path.name}.json",
        {"output": path.name, "counts": dict(counts), "problems": list(problems), "settings": settings},
    )


def _summary(path: Path) -> dict[str, Any]:
    """The summary `_write_summary` kept for a single-file output ({} when there is none or it is unreadable)."""
    try:
        data = json.loads((path.parent / STATE_DIR / f"{path.name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _repo_id(ctx: RepoContext) -> str:
    return str(ctx.git_dir.resolve())


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} commits/s"),
        TextColumn("{task.fields[records]} records"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def _run(
    targets: list[tuple[RepoContext, list[str]]],
    options: ExtractOptions,
    writer: PartWriter,
    state: PartState,
    console: Console,
) -> None:
    forks = Forks(targets)  # a commit several repositories hold: once, from the first, naming all
    with _progress(console) as progress:
        for i, (ctx, commits) in enumerate(targets):
            repo = _repo_id(ctx)
            todo = [c for c in forks.owned(i, commits) if (repo, c) not in state.done]
            task = progress.add_task(ctx.repos, total=len(todo), records=0, rate=0)
            written, done, start = 0, 0, time.perf_counter()
            for batch in forks.process(ctx, todo, options, state.keys):
                writer.write(
                    state.next_index, batch.records, repo, batch.commits, batch.keys, batch.counts, batch.problems
                )
                state.next_index += 1
                state.done.update((repo, c) for c in batch.commits)
                state.counts.update(batch.counts)
                state.problems.extend(batch.problems)
                written += len(batch.records)
                done += len(batch.commits)
                rate = round(done / max(time.perf_counter() - start, 1e-6))
                progress.update(task, advance=len(batch.commits), records=written, rate=rate)
                del batch  # the writer holds it until written; nothing else does while the next chunk is built


def _to_stdout(targets: list[tuple[RepoContext, list[str]]], options: ExtractOptions, console: Console) -> int:
    sys.stdout.flush()
    write = stdout_writer(sys.stdout.buffer)
    counts: Counter[str] = Counter()
    problems: list[str] = []
    seen: set[str] = set()
    forks = Forks(targets)
    try:
        for i, (ctx, commits) in enumerate(targets):
            for batch in forks.process(ctx, forks.owned(i, commits), options, seen):
                write(batch.records)
                counts.update(batch.counts)
                problems.extend(batch.problems)
    except BrokenPipeError:
        # The reader has gone (`| head`): stop quietly with success, as `git log | head` does. Python's own flush
        # of stdout at exit would hit the closed pipe again, so stdout now points at /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 0
    print_summary(console, counts, problems, "stdout")
    return 0


def print_summary(console: Console, counts: Counter[str], problems: Sequence[str], where: str) -> None:
    """The end-of-run summary: records written, what was skipped and why, and the drops of each filter rule."""
    console.print(f"[bold]{counts['records_written']}[/] records from {counts['commits']} commits written to {where}")
    skips = {k: v for k, v in counts.items() if k.startswith("skipped_")}
    if skips:
        table = Table("skipped", "files/commits", title="Left out")
        for key, value in sorted(skips.items()):
            table.add_row(key.removeprefix("skipped_"), str(value))
        console.print(table)
    drops = {k.removeprefix(DROP_PREFIX): v for k, v in counts.items() if k.startswith(DROP_PREFIX)}
    if drops or counts[DUPLICATE]:
        table = Table("rule", "records removed", title="Filter drops")
        for name in ALL_RULES:
            if name in drops:
                table.add_row(name, str(drops[name]))
        table.add_row(DUPLICATE, str(counts[DUPLICATE]))
        console.print(table)
    for problem in problems[:10]:
        console.print(f"[red]unreadable commit skipped:[/] {problem}")
    if len(problems) > 10:
        console.print(f"[red]... and {len(problems) - 10} more unreadable commits")


def parse_skip_rules(names: Sequence[str]) -> frozenset[str]:
    """`--skip-rule` values (repeatable, or comma-separated) as a set of rule names."""
    out = {n.strip() for name in names for n in name.split(",") if n.strip()}
    if not out and names:
        raise OctoError("--skip-rule needs a rule name")
    return frozenset(out)
