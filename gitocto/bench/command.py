"""`git octo bench`: generate (or load) HumanEvalPack samples, execute them, report pass@k."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from gitocto import console as out
from gitocto import hub
from gitocto.bench.check import check_command
from gitocto.bench.data import Problem, load_problems, parse_langs
from gitocto.bench.generate import GENERATION_KEY, GenerationConfig, generate, prompt_tokens
from gitocto.bench.options import PROMPT_FORMATS, PROTOCOLS
from gitocto.bench.prompts import parse_tasks
from gitocto.bench.records import ExecutionRecord, GenerationRecord, GenerationSettings, ResultsFile
from gitocto.bench.report import paper_rows_hidden, plot_results, print_results, write_results
from gitocto.bench.score import EXECUTION_KEY, score
from gitocto.bench.store import JsonlStore
from gitocto.doctor.checks import require_toolchains
from gitocto.errors import OctoError
from gitocto.execution.sandbox import set_policy


@dataclass(frozen=True)
class Options:
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
    protocol: str | None = None
    max_length: int | None = None
    sandbox: str = "auto"


# The paper's protocol (bigcode-evaluation-harness as the OctoPack paper ran it): 20 samples at temperature 0.2 and
# top-p 0.95, at most 2048 tokens of prompt plus answer.


def apply_protocol(opts: Options) -> Options:
    """`opts` with the named protocol's sampling settings in place of the given ones."""
    if opts.protocol is None:
        return opts
    if opts.protocol not in PROTOCOLS:
        raise OctoError(f"unknown protocol {opts.protocol!r}; choose from {', '.join(PROTOCOLS)}")
    return replace(opts, **PROTOCOLS[opts.protocol])  # type: ignore[arg-type]


def side_files(output: Path) -> tuple[Path, Path]:
    """Where generations and per-sample results are saved beside the results JSON."""
    stem = output.name[: -len(".json")] if output.name.endswith(".json") else output.name
    return output.with_name(stem + ".generations.jsonl"), output.with_name(stem + ".executions.jsonl")


def _validate(opts: Options) -> None:
    if opts.prompt_format not in PROMPT_FORMATS:
        raise OctoError(f"unknown prompt format {opts.prompt_format!r}; choose from {', '.join(PROMPT_FORMATS)}")
    if opts.n_samples < 1:
        raise OctoError(f"--n-samples must be at least 1, not {opts.n_samples}")
    if opts.limit is not None and opts.limit < 1:
        raise OctoError(f"--limit must be at least 1, not {opts.limit}")
    if opts.max_length is not None and opts.max_length < 2:
        raise OctoError(f"--max-length must be at least 2, not {opts.max_length}")
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


def file_settings(generations: JsonlStore[GenerationRecord], tasks: list[str]) -> GenerationSettings | None:
    """The settings a generations file records for `tasks`, when all its records agree on them (else None)."""
    found = [r.get("settings") for key, r in generations.records.items() if key[0] in tasks]
    first = found[0] if found else None
    if not isinstance(first, dict) or any(f != first for f in found):
        return None
    return first.copy()


def run(opts: Options) -> int:
    """Run the benchmark as `opts` says; 0 on success (for --check: only when every solution behaves)."""
    hub.need_humanevalpack(opts.data_dir)
    hub.need_model(opts.backend != "openai" and opts.generations is None and opts.check is None and opts.model)
    set_policy(opts.sandbox)
    opts = apply_protocol(opts)
    _validate(opts)
    langs = parse_langs(opts.lang)
    require_toolchains(langs, "git octo bench")
    if opts.check is not None:
        return check_command(opts.check, langs, opts.data_dir, opts.limit, opts.workers)
    tasks = parse_tasks(opts.task)
    if opts.prompt_format == "continue" and set(tasks) != {"synthesize"}:
        raise OctoError("the continue prompt format fits only --task synthesize")
    problems: dict[str, list[Problem]] = {lang: load_problems(lang, opts.data_dir, opts.limit) for lang in langs}
    gen_path, exec_path = side_files(opts.output)
    generations: JsonlStore[GenerationRecord]
    if opts.generations is not None:
        generations = JsonlStore(opts.generations, GENERATION_KEY)
        tasks = [t for t in tasks if any(k[0] == t for k in generations.records)]
        if not tasks:
            raise OctoError(f"{opts.generations} has no generations for the tasks asked for")
    else:
        generations = JsonlStore(gen_path, GENERATION_KEY)
    executions: JsonlStore[ExecutionRecord] = JsonlStore(exec_path, EXECUTION_KEY)
    backend = None
    config = GenerationConfig(
        opts.prompt_format,
        opts.n_samples,
        opts.temperature,
        opts.top_p,
        opts.max_new_tokens,
        opts.seed,
        opts.model,
        opts.backend,
        opts.max_length,
    )
    if opts.generations is None:
        from gitocto.backends import make_backend

        backend = make_backend(opts.backend or "", model=opts.model, endpoint=opts.endpoint, timeout=opts.timeout)
    with out.progress() as progress:
        if backend is not None:
            config = replace(config, model=_model_name(opts.model, backend))
            generate(backend, problems, tasks, config, generations, progress)
        results = score(problems, tasks, generations, executions, opts.workers, progress)
    label = opts.model or (opts.generations.name if opts.generations else "this run")
    # Scored from a file, the run's settings are the file's own (None where its records do not say or disagree),
    # not this command line's defaults.
    settings: GenerationSettings | None = config.settings()
    if opts.generations is not None:
        settings = file_settings(generations, tasks)
    known: GenerationSettings | dict[str, None] = settings or {}
    payload: ResultsFile = {
        "benchmark": "humanevalpack",
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": known.get("model", opts.model),
        "backend": known.get("backend", opts.backend),
        "endpoint": opts.endpoint,
        "protocol": opts.protocol,
        "prompt_format": known.get("prompt_format"),
        "n_samples": known.get("n_samples"),
        "temperature": known.get("temperature"),
        "top_p": known.get("top_p"),
        "max_new_tokens": known.get("max_new_tokens"),
        "max_length": known.get("max_length"),
        "seed": known.get("seed"),
        "settings_from": "generations file" if opts.generations is not None else "command line",
        "limit": opts.limit,
        "generations_file": str(opts.generations or gen_path),
        "executions_file": str(exec_path),
        "results": results,
    }
    if backend is not None and opts.max_length is not None and prompt_tokens(backend, "x") is None:
        payload["max_length_approximate"] = True
    write_results(opts.output, payload)
    print_results(results, label, run=payload)
    if opts.plot is not None:
        plot_results(results, label, opts.plot, paper=paper_rows_hidden(results, payload) is None)
    out.line(f"results written to {opts.output}", err=True)
    return 0
