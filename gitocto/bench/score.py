"""Score saved generations: post-process, build each test program, execute (reusing saved results), pass@k."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, cast

from gitocto.bench.data import Problem
from gitocto.bench.passk import mean_pass_at_k
from gitocto.bench.postprocess import describe_text, generated_completions, to_code_or_text
from gitocto.bench.programs import build_program
from gitocto.bench.prompts import DESCRIBE, build_prompt
from gitocto.bench.records import ExecutionRecord, GenerationRecord, ResultCell, Results
from gitocto.bench.store import JsonlStore
from gitocto.execution import ExecResult, run_programs

EXECUTION_KEY = ("task", "lang", "task_id", "sample", "program_sha")


def _program_sha(program: str) -> str:
    return hashlib.sha256(program.encode("utf-8")).hexdigest()[:16]


def sample_codes(
    problem: Problem, task: str, record: GenerationRecord, generations: JsonlStore[GenerationRecord]
) -> list[str]:
    """The code each saved completion of `task` amounts to, after the paper's post-processing."""
    fmt = record.get("format", "octocoder")
    chat = fmt == "chat"
    completions = generated_completions(problem.lang, record)
    if task == "explain":
        described = generations.get(DESCRIBE, problem.lang, problem.task_id)
        texts = [describe_text(problem, c) for c in (described["completions"] if described else [])]
        texts = (texts + [""] * len(completions))[: len(completions)]
        return [
            to_code_or_text(problem, task, build_prompt(problem, task, fmt, text), completion, chat)
            for text, completion in zip(texts, completions, strict=True)
        ]
    prompt = build_prompt(problem, task, "octocoder" if chat else fmt)
    return [to_code_or_text(problem, task, prompt, c, chat) for c in completions]


def score(
    problems: dict[str, list[Problem]],
    tasks: Sequence[str],
    generations: JsonlStore[GenerationRecord],
    executions: JsonlStore[ExecutionRecord],
    workers: int | None,
    progress: Any = None,
) -> Results:
    """Per task and language: pass@k, problem and sample counts, and how the samples ended (status counts)."""
    # (task, lang, task_id, sample index, program) for each sample that has no saved result yet
    keys: list[tuple[str, str, str, int, str]] = []
    jobs: list[tuple[str, str]] = []
    per_problem: dict[tuple[str, str, str], list[tuple[str, str, int, str]]] = {}
    for task in tasks:
        for lang, probs in problems.items():
            for problem in probs:
                record = generations.get(task, lang, problem.task_id)
                if record is None:
                    continue
                entries = per_problem.setdefault((task, lang, problem.task_id), [])
                for i, code in enumerate(sample_codes(problem, task, record, generations)):
                    program = build_program(problem, code)
                    sha = _program_sha(program)
                    entries.append((task, problem.task_id, i, sha))
                    if executions.get(task, lang, problem.task_id, i, sha) is None:
                        keys.append((task, lang, problem.task_id, i, sha))
                        jobs.append((lang, program))

    bar = progress.add_task("executing", total=len(jobs)) if progress is not None and jobs else None

    def save(index: int, result: ExecResult) -> None:
        task, lang, task_id, sample, sha = keys[index]
        executions.add(
            [
                {
                    "task": task,
                    "lang": lang,
                    "task_id": task_id,
                    "sample": sample,
                    "program_sha": sha,
                    "passed": result.passed,
                    "status": result.status,
                    "detail": result.detail,
                    "elapsed": round(result.elapsed, 3),
                }
            ]
        )
        if bar is not None:
            progress.advance(bar)

    run_programs(jobs, workers, on_result=save)

    # (n, c) per problem and the status counts, per task and language, in the order the problems came
    counts: dict[tuple[str, str], list[tuple[int, int]]] = {}
    statuses: dict[tuple[str, str], dict[str, int]] = {}
    for (task, lang, task_id), entries in per_problem.items():
        cell_statuses = statuses.setdefault((task, lang), {})
        correct = 0
        for _, _, i, sha in entries:
            saved = executions.get(task, lang, task_id, i, sha)
            assert saved is not None
            correct += int(saved["passed"])
            cell_statuses[saved["status"]] = cell_statuses.get(saved["status"], 0) + 1
        counts.setdefault((task, lang), []).append((len(entries), correct))
    results: Results = {}
    for (task, lang), cell_counts in counts.items():
        # mean_pass_at_k names its keys pass@k for the k it reports: the cell's optional pass@ keys.
        results.setdefault(task, {})[lang] = cast(
            ResultCell,
            {
                "statuses": statuses[(task, lang)],
                **mean_pass_at_k(cell_counts),
                "problems": len(cell_counts),
                "samples": sum(n for n, _ in cell_counts),
            },
        )
    return results
