"""`git octo bench`: generate (or load) HumanEvalPack samples, execute them, report pass@k."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from gitocto.bench.check import check_command
from gitocto.bench.data import Problem, load_problems, parse_langs
from gitocto.bench.generate import GENERATION_KEY, GenerationConfig, generate
from gitocto.bench.prompts import PROMPT_FORMATS, parse_tasks
from gitocto.bench.report import plot_results, print_results, write_results
from gitocto.bench.score import EXECUTION_KEY, score
from gitocto.bench.store import JsonlStore
from gitocto.errors import OctoError


@dataclass(frozen=True)
class BenchOptions:
    """Everything `git octo bench` takes (see README.md)."""

    task: str = "all"
    lang: str = "all"
    model: str | None = None
    backend: str | None = None
    endpoint: str | None = None
    prompt_format: str = "octocoder"
    n_samples: int = 1
    temperature: float = 0.0
    top_p: float = 0.95
    max_new_tokens: int = 512
    limit: int | None = None
    data_dir: Path | None = None
    generations: Path | None = None
    check: str | None = None
    workers: int | None = None
    output: Path = Path("humanevalpack-results.json")
    plot: Path | None = None
    timeout: float | None = None
    seed: int | None = 0


def side_files(output: Path) -> tuple[Path, Path]:
    """Where generations and per-sample results are saved beside the results JSON."""
    stem = output.name[: -len(".json")] if output.name.endswith(".json") else output.name
    return output.with_name(stem + ".generations.jsonl"), output.with_name(stem + ".executions.jsonl")


def _validate(opts: BenchOptions) -> None:
    if opts.prompt_format not in PROMPT_FORMATS:
        raise OctoError(f"unknown prompt format {opts.prompt_format!r}; choose from {', '.join(PROMPT_FORMATS)}")
    if opts.n_samples < 1:
        raise OctoError(f"--n-samples must be at least 1, not {opts.n_samples}")
    if opts.limit is not None and opts.limit < 1:
        raise OctoError(f"--limit must be at least 1, not {opts.limit}")
    if opts.workers is not None and opts.workers < 1:
        raise OctoError(f"--workers must be at least 1, not {opts.workers}")
    if opts.generations is not None and not opts.generations.is_file():
        raise OctoError(f"no generations file {opts.generations}")
    if opts.generations is None and opts.check is None and not opts.backend:
        raise OctoError("give --backend (hf, openai, vllm) to generate, --generations FILE to score, or --check")


def _model_name(given: str | None, backend: object) -> str | None:
    # Without --model the openai backend serves the endpoint's first model: record which one that was.
    served = getattr(backend, "model", None)
    return given or (served if isinstance(served, str) else None)


def bench_command(opts: BenchOptions) -> int:
    """Run the benchmark as `opts` says; 0 on success (for --check: only when every solution behaves)."""
    _validate(opts)
    langs = parse_langs(opts.lang)
    if opts.check is not None:
        return check_command(opts.check, langs, opts.data_dir, opts.limit, opts.workers)
    tasks = parse_tasks(opts.task)
    if opts.prompt_format == "continue" and set(tasks) != {"synthesize"}:
        raise OctoError("the continue prompt format fits only --task synthesize")
    console = Console(stderr=True, soft_wrap=True)
    problems: dict[str, list[Problem]] = {lang: load_problems(lang, opts.data_dir, opts.limit) for lang in langs}
    gen_path, exec_path = side_files(opts.output)
    if opts.generations is not None:
        generations = JsonlStore(opts.generations, GENERATION_KEY)
        tasks = [t for t in tasks if any(k[0] == t for k in generations.records)]
        if not tasks:
            raise OctoError(f"{opts.generations} has no generations for the tasks asked for")
    else:
        generations = JsonlStore(gen_path, GENERATION_KEY)
    executions = JsonlStore(exec_path, EXECUTION_KEY)
    backend = None
    if opts.generations is None:
        from gitocto.backends import make_backend

        backend = make_backend(opts.backend or "", model=opts.model, endpoint=opts.endpoint, timeout=opts.timeout)
    with Progress(console=console, transient=True) as progress:
        if backend is not None:
            config = GenerationConfig(opts.prompt_format, opts.n_samples, opts.temperature, opts.top_p,
                                      opts.max_new_tokens, opts.seed, _model_name(opts.model, backend),
                                      opts.backend)
            generate(backend, problems, tasks, config, generations, progress)
        results = score(problems, tasks, generations, executions, opts.workers, progress)
    label = opts.model or (opts.generations.name if opts.generations else "this run")
    payload = {
        "benchmark": "humanevalpack",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": opts.model, "backend": opts.backend, "endpoint": opts.endpoint,
        "prompt_format": opts.prompt_format, "n_samples": opts.n_samples, "temperature": opts.temperature,
        "top_p": opts.top_p, "max_new_tokens": opts.max_new_tokens, "limit": opts.limit,
        "generations_file": str(opts.generations or gen_path), "executions_file": str(exec_path),
        "results": results,
    }
    write_results(opts.output, payload)
    print_results(results, label, Console(soft_wrap=True))
    if opts.plot is not None:
        plot_results(results, label, opts.plot)
    console.print(f"results written to {opts.output}")
    return 0
