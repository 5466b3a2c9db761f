"""The loop both methods share: pending seeds in chunks through a worker, state saved per chunk, a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gitocto import console as out
from gitocto.synth.entry import Entry
from gitocto.synth.state import RunState
from gitocto.synth.teacher import Teacher
from gitocto.synth.verify import execute


def run_chunks(
    keys: Sequence[str],
    state: RunState,
    teacher: Teacher,
    chunk_size: int,
    work: Callable[[list[str]], list[Entry]],
    label: str,
    console: Console | None = None,
) -> None:
    """Run `work` over the keys not yet in `state`, `chunk_size` at a time, saving each chunk's entries."""
    pending = [k for k in keys if not state.done(k)]
    console = console or out.console()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[info]}"),
    )
    with Progress(*columns, console=console, transient=False, disable=not pending) as progress:
        task = progress.add_task(label, total=len(keys), completed=len(keys) - len(pending), info="")
        for start in range(0, len(pending), chunk_size):
            entries = work(pending[start : start + chunk_size])
            state.add(entries)
            kept = sum(e["status"] == "kept" for e in state.entries.values())
            prompt, completion = teacher.tokens()
            progress.update(task, advance=len(entries), info=f"kept {kept} · tokens {prompt}+{completion}")


def filter_by_execution(entries: list[Entry], enabled: bool, workers: int | None) -> None:
    """Run the kept entries that carry tests; a failing one becomes a drop with the sandbox's status."""
    if not enabled:
        return
    testable = [e for e in entries if e["status"] == "kept" and e["record"].get("tests")]
    runs = [{**e["record"], "solution_code": e.get("solution_code", "")} for e in testable]
    for entry, (passed, status) in zip(testable, execute(runs, workers=workers), strict=True):
        entry["executed"] = True
        entry["passed"] = passed
        if not passed:
            entry["status"] = "dropped"
            entry["reason"] = f"execution filter: {status}"
