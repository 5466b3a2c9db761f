"""Command-line entry point: parses arguments and calls the typed functions that do the work.

Heavy modules are imported inside each command so that `git octo --help`, `git octo msg` and the hooks
start fast (no torch or transformers on that path).
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from gitocto import __version__, console, hub
from gitocto.backends.base import BACKEND_KINDS
from gitocto.backends.command import DTYPES
from gitocto.bench import options as bench_options
from gitocto.committime.settings import MSG_BACKENDS
from gitocto.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_USAGE, OctoError
from gitocto.execution import POLICIES as SANDBOX_POLICIES
from gitocto.extract.options import FILTERS
from gitocto.hooks.install import HOOK_NAMES
from gitocto.man import ensure_installed as ensure_man_page
from gitocto.records import FORMATS as SHARD_FORMATS
from gitocto.scale import ENGINES
from gitocto.synth import options as synth_options
from gitocto.synth.prompts import TASKS as WAVECODER_TASKS
from gitocto.train import config as train_config

# A teacher is any generating backend; openai, the default, is listed first.
TEACHER_KINDS = sorted(BACKEND_KINDS, key=lambda kind: kind != "openai")


def _log_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "gitocto" / "gitocto.log"


def _report_crash(exc: BaseException) -> int:
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)))
        where = f" (details in {path})"
    except OSError:
        where = ""
    console.note(f"unexpected error: {type(exc).__name__}: {exc}{where}")
    return EXIT_ERROR


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="git octo")
def cli() -> None:
    """gitocto: git histories into training data, models finetuned and evaluated on them, help at commit time."""


@cli.command("extract")
@click.argument("repos", nargs=-1, metavar="[REPO]...")
@click.option(
    "-o",
    "--output",
    required=True,
    help="A .jsonl, .jsonl.gz or .parquet file, a directory for shards, or - for JSONL on stdout.",
)
@click.option("--rev", default=None, help="Revisions or a range git accepts (e.g. v1.0..main) [default: HEAD].")
@click.option("--since", default=None, help="Only commits after this date (as git log --since).")
@click.option("--until", default=None, help="Only commits before this date (as git log --until).")
@click.option("--max-commits", type=click.IntRange(min=1), default=None, help="At most this many commits per repo.")
@click.option("--include-merges", is_flag=True, help="Also merge commits (diffed against the first parent).")
@click.option(
    "--filter",
    "filter_name",
    default=None,
    type=click.Choice(["none", *FILTERS]),
    help="Apply CommitPack's rules, CommitPack's and CommitPackFT's, or those with our stricter verb list "
    "and cleaning (commitpackft-strict) [default: none].",
)
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="NAME", help="Turn a filter rule off (repeatable).")
@click.option("--tokenizer", default=None, help="Tokenizer (directory or hub id) for CommitPackFT's length rule.")
@click.option(
    "--license",
    "license_id",
    default=None,
    help="Licence of all records, as a GitHub key or SPDX id [default: from the licence file].",
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Skip files larger than this many bytes (counted).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the random drop of version bumps.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes (over chunks of commits, or over repositories with --repos-file).",
)
@click.option(
    "--format",
    "shard_format",
    type=click.Choice(SHARD_FORMATS),
    default="parquet",
    show_default=True,
    help="Format of the shards when -o is a directory.",
)
@click.option(
    "--repos-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="A file listing repositories (paths or clone URLs), one per line: one shard each in -o DIR.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Run repositories in local processes or as Ray tasks (one shard per repository in -o DIR).",
)
@click.option("--ray-address", default=None, help="A running Ray cluster [default: start a local Ray].")
def extract_command(
    repos: tuple[str, ...],
    output: str,
    rev: str | None,
    since: str | None,
    until: str | None,
    max_commits: int | None,
    include_merges: bool,
    filter_name: str | None,
    skip_rules: tuple[str, ...],
    tokenizer: str | None,
    license_id: str | None,
    max_file_size: int,
    seed: int,
    workers: int,
    shard_format: str,
    repos_file: Path | None,
    engine: str,
    ray_address: str | None,
) -> int:
    """Walk repositories' histories into CommitPack-style records (code before, commit message, code after)."""
    from gitocto.extract import command
    from gitocto.extract.options import ExtractOptions

    options = ExtractOptions(
        rev=rev,
        since=since,
        until=until,
        max_commits=max_commits,
        include_merges=include_merges,
        filter=None if filter_name == "none" else filter_name,
        skip_rules=command.parse_skip_rules(skip_rules),
        tokenizer=tokenizer,
        license=license_id,
        max_file_size=max_file_size,
        seed=seed,
        workers=workers,
    )
    return command.run(
        command.Options(
            output=output,
            repos=repos,
            extract=options,
            shard_format=shard_format,
            repos_file=repos_file,
            engine=engine,
            ray_address=ray_address,
        )
    )


@cli.command("bench")
@click.option(
    "--task",
    default="all",
    show_default=True,
    help="fix, fixdocs, explain, synthesize (comma list), or all (fix, explain, synthesize).",
)
@click.option("--lang", default="all", show_default=True, help="python, js, java, go, cpp, rust (comma list) or all.")
@click.option("--model", default=None, help="Model id or path (hf, vllm) or served model name (openai).")
@click.option("--backend", type=click.Choice(BACKEND_KINDS), default=None, help="Backend that generates.")
@click.option("--endpoint", default=None, help="OpenAI-compatible base URL for --backend openai.")
@click.option(
    "--prompt-format",
    default="octocoder",
    show_default=True,
    type=click.Choice(bench_options.PROMPT_FORMATS),
    help="How prompts are laid out.",
)
@click.option("--n-samples", default=1, show_default=True, type=int, help="Samples per problem.")
@click.option("--temperature", default=0.0, show_default=True, type=float, help="0 is greedy; the paper uses 0.2.")
@click.option("--top-p", default=0.95, show_default=True, type=float, help="Nucleus sampling mass.")
@click.option("--max-new-tokens", default=512, show_default=True, type=int, help="Most tokens per sample.")
@click.option("--limit", default=None, type=int, help="Only the first N problems of each language.")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Directory of <lang>.jsonl files [default: bigcode/humanevalpack from the hub].",
)
@click.option(
    "--generations",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Score this generations file (from an earlier run) instead of generating.",
)
@click.option(
    "--check",
    type=click.Choice(bench_options.CHECKS),
    default=None,
    help="Run the dataset's own solutions: canonical must all pass, buggy must all fail.",
)
@click.option("--workers", default=None, type=int, help="Programs run at once [default: one per core].")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("humanevalpack-results.json"),
    show_default=True,
    help="Results JSON; generations and per-sample results are saved beside it (a rerun resumes).",
)
@click.option("--plot", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Write a PNG bar chart.")
@click.option("--timeout", type=float, default=None, help="Seconds per backend request (openai).")
@click.option("--seed", type=int, default=0, show_default=True, help="Sampling seed.")
@click.option(
    "--sandbox",
    type=click.Choice(SANDBOX_POLICIES),
    default="auto",
    show_default=True,
    help="strict: refuse to run programs where bubblewrap cannot isolate them (auto warns and falls back).",
)
@click.option(
    "--protocol",
    type=click.Choice(list(bench_options.PROTOCOLS)),
    default=None,
    help="paper: n=20, temperature 0.2, top-p 0.95, 2048 tokens of prompt + answer (overrides those flags).",
)
@click.option("--max-length", type=int, default=None, help="Most tokens of prompt + answer (as the paper counts).")
def bench_command(
    task: str,
    lang: str,
    model: str | None,
    backend: str | None,
    endpoint: str | None,
    prompt_format: str,
    n_samples: int,
    temperature: float,
    top_p: float,
    max_new_tokens: int,
    limit: int | None,
    data_dir: Path | None,
    generations: Path | None,
    check: str | None,
    workers: int | None,
    output: Path,
    plot: Path | None,
    timeout: float | None,
    seed: int,
    sandbox: str,
    protocol: str | None,
    max_length: int | None,
) -> int:
    """HumanEvalPack (fix, explain, synthesize × 6 languages), executed in a sandbox; pass@k next to the paper's."""
    from gitocto.bench import command

    return command.run(
        command.Options(
            task=task,
            lang=lang,
            model=model,
            backend=backend,
            endpoint=endpoint,
            prompt_format=prompt_format,
            n_samples=n_samples,
            temperature=temperature,
            top_p=top_p,
            max_new_tokens=max_new_tokens,
            limit=limit,
            data_dir=data_dir,
            generations=generations,
            check=check,
            workers=workers,
            output=output,
            plot=plot,
            timeout=timeout,
            seed=seed,
            protocol=protocol,
            max_length=max_length,
            sandbox=sandbox,
        )
    )


@cli.command("serve")
@click.option("--model", "-m", required=True, help="Model id or local directory (transformers format).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on (0: any free port).")
@click.option("--device", default=None, help="torch device, e.g. cpu, cuda, cuda:1 [default: cuda if available].")
@click.option(
    "--dtype",
    default="auto",
    show_default=True,
    type=click.Choice(DTYPES),
    help="Weights dtype; auto is bf16 on CUDA, fp32 on CPU.",
)
@click.option(
    "--batch-size",
    default=8,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most sequences generated at once; concurrent requests share batches.",
)
@click.option(
    "--served-model-name",
    default=None,
    help="The model's name in /v1/models and in responses [default: the model directory's name, or the id].",
)
@click.option(
    "--max-tokens-limit",
    default=4096,
    show_default=True,
    type=click.IntRange(min=1),
    help="Most tokens one reply may have; requests asking more are capped (also by the model's context).",
)
@click.option(
    "--max-request-bytes",
    default=2 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(min=1),
    help="Largest request body; larger ones get 413.",
)
def serve_command(
    model: str,
    host: str,
    port: int,
    device: str | None,
    dtype: str,
    batch_size: int,
    served_model_name: str | None,
    max_tokens_limit: int,
    max_request_bytes: int,
) -> int:
    """Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions)."""
    from gitocto.backends import command

    return command.run(
        command.Options(
            model=model,
            host=host,
            port=port,
            device=device,
            dtype=dtype,
            batch_size=batch_size,
            served_model_name=served_model_name,
            max_tokens_limit=max_tokens_limit,
            max_request_bytes=max_request_bytes,
        )
    )


def _backend_options(func: click.decorators.FC) -> click.decorators.FC:
    """The flags that override git config's octo.backend, octo.model, octo.endpoint and octo.timeout."""
    for option in reversed(
        [
            click.option(
                "--backend",
                type=click.Choice(MSG_BACKENDS),
                default=None,
                help="Backend [default: git config octo.backend, else nn].",
            ),
            click.option("--model", default=None, help="Model id or path [default: git config octo.model]."),
            click.option("--endpoint", default=None, help="OpenAI-compatible URL [default: git config octo.endpoint]."),
            click.option(
                "--timeout",
                type=float,
                default=None,
                help="Seconds to wait for a model [default: msg: git config octo.timeout, else 2; fix: 300].",
            ),
        ]
    ):
        func = option(func)
    return func


@cli.command("msg")
@click.option(
    "--diff",
    "rev",
    default=None,
    metavar="REV",
    help="Suggest for commit REV (from the history before it) instead of the staged change.",
)
@_backend_options
def msg_command(
    rev: str | None, backend: str | None, model: str | None, endpoint: str | None, timeout: float | None
) -> int:
    """Print a suggested commit message for the staged change."""
    from gitocto.msg import command

    return command.run(
        command.Options(cwd=os.getcwd(), rev=rev, backend=backend, model=model, endpoint=endpoint, timeout=timeout)
    )


@cli.command("fix")
@click.option(
    "--check",
    "check_cmd",
    default=None,
    metavar="CMD",
    help="A command (e.g. your tests) whose failure also asks the model for a repair.",
)
@click.option("--apply", "apply_fix", is_flag=True, help="Write repairs to the working tree (never the index).")
@_backend_options
def fix_command(
    check_cmd: str | None,
    apply_fix: bool,
    backend: str | None,
    model: str | None,
    endpoint: str | None,
    timeout: float | None,
) -> int:
    """Report syntax errors in staged files; with a model backend, suggest repairs as a diff."""
    from gitocto.fix import command

    return command.run(
        command.Options(
            cwd=os.getcwd(),
            check_cmd=check_cmd,
            apply=apply_fix,
            backend=backend,
            model=model,
            endpoint=endpoint,
            timeout=timeout,
        )
    )


@cli.group("hooks")
def hooks_group() -> None:
    """Install or remove gitocto's plain git hooks."""


@hooks_group.command("install")
@click.argument("names", nargs=-1, type=click.Choice(HOOK_NAMES))
def hooks_install_command(names: tuple[str, ...]) -> int:
    """Install hooks (default: prepare-commit-msg), chaining any hook already there."""
    from gitocto.hooks import command

    return command.run_install(command.InstallOptions(cwd=os.getcwd(), names=names))


@hooks_group.command("uninstall")
@click.argument("names", nargs=-1, type=click.Choice(HOOK_NAMES))
def hooks_uninstall_command(names: tuple[str, ...]) -> int:
    """Remove gitocto's hooks (default: all of them), restoring any chained hook exactly."""
    from gitocto.hooks import command

    return command.run_uninstall(command.UninstallOptions(cwd=os.getcwd(), names=names))


@cli.command("train")
@click.option("--config", "config_path", type=click.Path(), help="Recipe YAML (train/*.yaml); flags override it.")
@click.option("--model", "-m", help="Model id or local directory (transformers format).")
@click.option("--data", "-d", multiple=True, help="JSONL/JSONL.gz/Parquet file or directory; PATH:WEIGHT to mix.")
@click.option("--output", "-o", help="Directory for checkpoints, metrics and the final model.")
@click.option(
    "--format", "fmt", type=click.Choice(train_config.FORMATS), help="Prompt format [recipe, else octocoder]."
)
@click.option("--max-steps", type=click.IntRange(min=1), help="Optimizer steps (overrides --epochs).")
@click.option("--epochs", type=click.FloatRange(min=0, min_open=True), help="Passes over the data [1].")
@click.option("--seq-len", type=click.IntRange(min=16), help="Tokens per sequence (packed row) [2048].")
@click.option("--lr", type=float, help="Peak learning rate [2e-5].")
@click.option("--batch-size", type=click.IntRange(min=1), help="Rows (packed) or samples per micro-batch [8].")
@click.option("--grad-accum", type=click.IntRange(min=1), help="Micro-batches per optimizer step [1].")
@click.option("--lora/--no-lora", default=None, help="Train LoRA adapters instead of all weights.")
@click.option("--packing/--no-packing", default=None, help="Pack several samples per sequence [on].")
@click.option("--overlong", type=click.Choice(train_config.OVERLONG_RULES), help="Samples over --seq-len [drop].")
@click.option("--precision", type=click.Choice(train_config.PRECISIONS), help="[auto: bf16 on CUDA].")
@click.option("--gradient-checkpointing/--no-gradient-checkpointing", default=None, help="[on with CUDA].")
@click.option("--optim", type=click.Choice(train_config.OPTIMIZERS), help="Optimizer [adamw].")
@click.option("--save-every", type=click.IntRange(min=0), help="Checkpoint every N steps [0: off].")
@click.option(
    "--resume",
    is_flag=False,
    flag_value="latest",
    default=None,
    help="Continue from a checkpoint: a checkpoint dir, or alone for the newest under --output.",
)
@click.option("--eval-fraction", type=click.FloatRange(0, 1, max_open=True), help="Held-out share for eval [0].")
@click.option("--eval-every", type=click.IntRange(min=0), help="Eval loss every N steps [0: at the end].")
@click.option("--log-every", type=click.IntRange(min=1), help="Log every N steps [1].")
@click.option("--seed", type=int, help="Seed for mixing, shuffling and initialisation [0].")
@click.option("--report-to", multiple=True, help="Tracker: tensorboard, wandb, mlflow, ... (repeatable).")
@click.option("--peak-tflops", type=float, help="Device peak TFLOP/s for MFU when the device is not in the table.")
@click.option("--bench", "bench_args", help="After training run `git octo bench --model OUTPUT <ARGS>`.")
def train_command(
    *,
    config_path: str | None,
    model: str | None,
    data: tuple[str, ...],
    output: str | None,
    fmt: str | None,
    max_steps: int | None,
    epochs: float | None,
    seq_len: int | None,
    lr: float | None,
    batch_size: int | None,
    grad_accum: int | None,
    lora: bool | None,
    packing: bool | None,
    overlong: str | None,
    precision: str | None,
    gradient_checkpointing: bool | None,
    optim: str | None,
    save_every: int | None,
    resume: str | None,
    eval_fraction: float | None,
    eval_every: int | None,
    log_every: int | None,
    seed: int | None,
    report_to: tuple[str, ...],
    peak_tflops: float | None,
    bench_args: str | None,
) -> int:
    """Finetune a causal code LM on commit records and instruction data (loss on the answer only)."""
    from gitocto.train import command

    return command.run(
        command.Options(
            config_path=config_path,
            model=model,
            data=data,
            output=output,
            format=fmt,
            max_steps=max_steps,
            epochs=epochs,
            seq_len=seq_len,
            lr=lr,
            batch_size=batch_size,
            grad_accum=grad_accum,
            lora=lora,
            packing=packing,
            overlong=overlong,
            precision=precision,
            gradient_checkpointing=gradient_checkpointing,
            optim=optim,
            save_every=save_every,
            resume=resume,
            eval_fraction=eval_fraction,
            eval_every=eval_every,
            log_every=log_every,
            seed=seed,
            report_to=report_to,
            peak_tflops=peak_tflops,
            bench=bench_args,
        )
    )


def _synth_options(func: click.decorators.FC) -> click.decorators.FC:
    """The flags every synth method shares: source, output, teacher, seeds and filters."""
    for option in reversed(
        [
            click.option(
                "--source",
                required=True,
                type=click.Path(path_type=Path, exists=True),
                help="A git repository (files at --rev) or a JSONL/Parquet file of extracted records.",
            ),
            click.option(
                "--rev", default="HEAD", show_default=True, help="Revision whose files seed a repository run."
            ),
            click.option(
                "-o",
                "--output",
                required=True,
                type=click.Path(path_type=Path, dir_okay=False),
                help="Output .jsonl/.jsonl.gz/.parquet; a rerun resumes from OUTPUT.state.",
            ),
            click.option(
                "-n",
                "n",
                default=100,
                show_default=True,
                type=click.IntRange(min=1),
                help="Seeds (oss-instruct) or raw functions (wavecoder) to ask the teacher about.",
            ),
            click.option(
                "--seed", default=0, show_default=True, type=int, help="Seed for sampling seeds and coresets."
            ),
            click.option(
                "--langs",
                default="python",
                show_default=True,
                help="python, javascript, java, go, cpp, rust (comma list) or all.",
            ),
            click.option(
                "--teacher",
                "teacher_kind",
                type=click.Choice(TEACHER_KINDS),
                default="openai",
                show_default=True,
                help="Backend that writes the samples.",
            ),
            click.option("--model", default=None, help="Teacher model (served name for openai; id or path otherwise)."),
            click.option("--endpoint", default=None, help="OpenAI-compatible base URL of the teacher."),
            click.option(
                "--concurrency",
                default=8,
                show_default=True,
                type=click.IntRange(min=1),
                help="Teacher requests in flight at once (openai).",
            ),
            click.option(
                "--max-retries",
                default=3,
                show_default=True,
                type=click.IntRange(min=0),
                help="Retries per request, with exponential backoff (openai).",
            ),
            click.option("--timeout", default=None, type=float, help="Seconds per teacher request."),
            click.option(
                "--temperature",
                default=None,
                type=click.FloatRange(min=0),
                help="[default: the recipe's: 0, or 1 for wavecoder's published recipe]",
            ),
            click.option(
                "--max-new-tokens",
                default=None,
                type=click.IntRange(min=1),
                help="Most tokens per teacher reply [default: the recipe's: 1024; magicoder 2500; "
                "published wavecoder 512].",
            ),
            click.option(
                "--prompt-format",
                type=click.Choice(synth_options.TEACHER_PROMPT_FORMATS),
                default="chat",
                show_default=True,
                help="chat: the teacher's chat template; completion: plain prompts, for a model without one.",
            ),
            click.option("--tests/--no-tests", default=True, show_default=True, help="Ask the teacher for tests too."),
            click.option(
                "--execute/--no-execute",
                default=True,
                show_default=True,
                help="Keep only samples whose tests pass in the sandbox.",
            ),
            click.option(
                "--decontaminate/--no-decontaminate",
                default=True,
                show_default=True,
                help="Drop samples that leak a benchmark (see --benchmark).",
            ),
            click.option(
                "--benchmark",
                "benchmarks",
                multiple=True,
                metavar="NAME[=PATH]",
                help="Benchmark to decontaminate against, from a local file or the hub (repeatable): "
                "humanevalpack, humaneval, mbpp, apps, ds1000, gsm8k [default: humanevalpack, mbpp, "
                "apps, ds1000, gsm8k].",
            ),
            click.option(
                "--data-dir",
                type=click.Path(path_type=Path, file_okay=False),
                default=None,
                help="HumanEvalPack <lang>.jsonl files [default: as git octo bench].",
            ),
            click.option(
                "--near-threshold",
                default=0.7,
                show_default=True,
                type=click.FloatRange(0, 1, min_open=True),
                help="MinHash Jaccard at which two samples are near-duplicates.",
            ),
            click.option(
                "--workers",
                default=None,
                type=click.IntRange(min=1),
                help="Sandboxed test programs run at once [one per core].",
            ),
            click.option(
                "--sandbox",
                type=click.Choice(SANDBOX_POLICIES),
                default="auto",
                show_default=True,
                help="strict: refuse to run tests where bubblewrap cannot isolate them (auto warns, falls back).",
            ),
        ]
    ):
        func = option(func)
    return func


@cli.group("synth")
def synth_group() -> None:
    """Synthetic instruction data from code: OSS-Instruct and WaveCoder, execution-filtered and decontaminated."""


@synth_group.command("oss-instruct")
@_synth_options
@click.option(
    "--recipe",
    type=click.Choice(synth_options.OSS_INSTRUCT_RECIPES),
    default="gitocto",
    show_default=True,
    help="gitocto: our prompt with language, fenced code and tests; magicoder: OSS-Instruct as published.",
)
def synth_oss_instruct_command(
    *,
    source: Path,
    rev: str,
    output: Path,
    n: int,
    seed: int,
    langs: str,
    teacher_kind: str,
    model: str | None,
    endpoint: str | None,
    concurrency: int,
    max_retries: int,
    timeout: float | None,
    temperature: float | None,
    max_new_tokens: int | None,
    prompt_format: str,
    tests: bool,
    execute: bool,
    decontaminate: bool,
    benchmarks: tuple[str, ...],
    data_dir: Path | None,
    near_threshold: float,
    workers: int | None,
    sandbox: str,
    recipe: str,
) -> int:
    """Magicoder's OSS-Instruct: problems and solutions inspired by random 1-15 line snippets."""
    from gitocto.synth import command

    return command.run_oss_instruct(
        command.OssInstructOptions(
            source=source,
            rev=rev,
            output=output,
            n=n,
            seed=seed,
            langs=langs,
            teacher_kind=teacher_kind,
            model=model,
            endpoint=endpoint,
            concurrency=concurrency,
            max_retries=max_retries,
            timeout=timeout,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            prompt_format=prompt_format,
            tests=tests,
            execute=execute,
            decontaminate=decontaminate,
            benchmarks=benchmarks,
            data_dir=data_dir,
            near_threshold=near_threshold,
            workers=workers,
            sandbox=sandbox,
            recipe=recipe,
        )
    )


@synth_group.command("wavecoder")
@click.option(
    "--task",
    type=click.Choice(list(WAVECODER_TASKS)),
    default="generation",
    show_default=True,
    help="The WaveCoder task to build examples for.",
)
@click.option(
    "--embedding-model",
    default=None,
    help="sentence-transformers model (path) for the coreset [default: all-MiniLM-L6-v2, shipped].",
)
@click.option("--discriminator-model", default=None, help="A different model judges the examples.")
@click.option("--discriminator-endpoint", default=None, help="A different OpenAI-compatible server judges them.")
@click.option(
    "--recipe",
    type=click.Choice(synth_options.WAVECODER_RECIPES),
    default="gitocto",
    show_default=True,
    help="gitocto: our sectioned prompts, checklist and tests; wavecoder: microsoft/WaveCoder as published "
    "(generation only).",
)
@_synth_options
def synth_wavecoder_command(
    *,
    task: str,
    embedding_model: str | None,
    discriminator_model: str | None,
    discriminator_endpoint: str | None,
    source: Path,
    rev: str,
    output: Path,
    n: int,
    seed: int,
    langs: str,
    teacher_kind: str,
    model: str | None,
    endpoint: str | None,
    concurrency: int,
    max_retries: int,
    timeout: float | None,
    temperature: float | None,
    max_new_tokens: int | None,
    prompt_format: str,
    tests: bool,
    execute: bool,
    decontaminate: bool,
    benchmarks: tuple[str, ...],
    data_dir: Path | None,
    near_threshold: float,
    workers: int | None,
    sandbox: str,
    recipe: str,
) -> int:
    """WaveCoder: k-center coreset of functions, generator guided by good/bad pools, checklist discriminator."""
    from gitocto.synth import command

    return command.run_wavecoder(
        command.WavecoderOptions(
            source=source,
            rev=rev,
            output=output,
            n=n,
            seed=seed,
            langs=langs,
            teacher_kind=teacher_kind,
            model=model,
            endpoint=endpoint,
            concurrency=concurrency,
            max_retries=max_retries,
            timeout=timeout,
            temperature=temperature,
            max_new_tokens=max_new_tokens,
            prompt_format=prompt_format,
            tests=tests,
            execute=execute,
            decontaminate=decontaminate,
            benchmarks=benchmarks,
            data_dir=data_dir,
            near_threshold=near_threshold,
            workers=workers,
            sandbox=sandbox,
            recipe=recipe,
            task=task,
            embedding_model=embedding_model,
            discriminator_model=discriminator_model,
            discriminator_endpoint=discriminator_endpoint,
        )
    )


@cli.command("decontaminate")
@click.argument("input_path", metavar="IN", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Clean records (.jsonl, .jsonl.gz or .parquet).",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="HumanEvalPack <lang>.jsonl files [default: as git octo bench].",
)
@click.option(
    "--benchmark",
    "benchmarks",
    multiple=True,
    metavar="NAME[=PATH]",
    help="Benchmark to check against, from a local file or the hub (repeatable): humanevalpack, humaneval, "
    "mbpp, apps, ds1000, gsm8k [default: humanevalpack, mbpp, apps, ds1000, gsm8k].",
)
@click.option("--fields", default=None, help="Comma list of fields to check [default: every text field].")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write every drop (record, field, rule, benchmark task) to this JSON file.",
)
def decontaminate_command(
    input_path: Path,
    output: Path,
    data_dir: Path | None,
    benchmarks: tuple[str, ...],
    fields: str | None,
    report_path: Path | None,
) -> int:
    """Drop records containing text of HumanEval(Pack), MBPP, APPS, DS-1000 or GSM8K."""
    from gitocto.decontam import command

    return command.run(
        command.Options(
            input_path=input_path,
            output=output,
            data_dir=data_dir,
            benchmarks=benchmarks,
            fields=fields,
            report_path=report_path,
        )
    )


@cli.command("dedup")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@click.option("--output", "-o", required=True, help="A .jsonl, .jsonl.gz or .parquet file, or a directory of shards.")
@click.option("--field", default="new_contents", show_default=True, help="The text field compared.")
@click.option("--threshold", default=0.5, show_default=True, type=float, help="Jaccard similarity that makes a copy.")
@click.option("--num-perm", default=128, show_default=True, type=click.IntRange(min=16), help="MinHash permutations.")
@click.option("--shingle", default=5, show_default=True, type=click.IntRange(min=1), help="Tokens per shingle.")
@click.option("--seed", default=1, show_default=True, type=int, help="MinHash seed.")
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="local",
    show_default=True,
    help="Compute signatures in this process or as Ray tasks (same result).",
)
@click.option("--ray-address", default=None, help="A running Ray cluster [default: start a local Ray].")
@click.option("--workers", default=None, type=click.IntRange(min=1), help="CPUs for the local Ray [all cores].")
def dedup_command(
    inputs: tuple[str, ...],
    output: str,
    field: str,
    threshold: float,
    num_perm: int,
    shingle: int,
    seed: int,
    engine: str,
    ray_address: str | None,
    workers: int | None,
) -> int:
    """Remove exact and near-duplicate records (MinHash + LSH) across JSONL/Parquet files or shard directories."""
    from gitocto.dedup import command
    from gitocto.dedup.corpus import Settings

    settings = Settings(field=field, threshold=threshold, num_perm=num_perm, shingle=shingle, seed=seed)
    return command.run(
        command.Options(
            inputs=inputs, output=output, settings=settings, engine=engine, ray_address=ray_address, workers=workers
        )
    )


@cli.command("stats")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@click.option("--plot", "plot_dir", default=None, type=click.Path(file_okay=False), help="Write PNG plots here.")
def stats_command(inputs: tuple[str, ...], plot_dir: str | None) -> int:
    """Languages, licences, message lengths, change sizes and filter drops of extracted records."""
    from gitocto.stats import command

    return command.run(command.Options(inputs=inputs, plot_dir=plot_dir))


@cli.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for scripts).")
def doctor_command(as_json: bool) -> int:
    """What is ready on this machine (toolchains, sandbox, extras, GPU, hub) and the command that fixes the rest."""
    from gitocto.doctor import command

    return command.run(command.Options(as_json=as_json))


def _exit_now_if_threads_linger(code: int) -> None:
    # After Ctrl-C a process pool's manager thread can wait forever on a worker that died mid-message, and the
    # interpreter's exit hooks would join it. Everything written is already complete on disk (temporary names,
    # renamed when done), so leaving without those hooks loses nothing.
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; map OctoError to a one-line message, Ctrl-C to 130 and anything else to a short report."""
    args = list(sys.argv[1:] if argv is None else argv)
    ensure_man_page(cli)
    try:
        rv = cli.main(args=args, prog_name="git octo", standalone_mode=False)
    except OctoError as exc:
        console.error(hub.explain(str(exc)))
        return exc.code
    except (click.exceptions.Abort, KeyboardInterrupt):
        console.note("interrupted")
        _exit_now_if_threads_linger(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code if exc.exit_code else EXIT_USAGE
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error worth a report.
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        except OSError:
            pass
        return EXIT_ERROR
    except OSError as exc:
        # A path that cannot be created, read or written (a file where a directory should be, no space, no
        # permission) is the user's environment, not a crash: one line that names the path.
        if exc.strerror is None:
            return _report_crash(exc)
        where = f"{exc.filename}: " if exc.filename is not None else ""
        console.error(f"{where}{exc.strerror.lower()}")
        return EXIT_ERROR
    except Exception as exc:
        return _report_crash(exc)
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())
