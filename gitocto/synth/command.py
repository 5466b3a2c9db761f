"""`git octo synth oss-instruct` and `git octo synth wavecoder`: typed options in, a synth method run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from gitocto import hub
from gitocto.synth.oss_instruct import SynthOptions, oss_instruct_command
from gitocto.synth.sources import parse_langs
from gitocto.synth.teacher import TeacherSpec
from gitocto.synth.wavecoder import WaveCoderOptions, wavecoder_command

# (temperature, max_new_tokens) when the flags do not set them. Magicoder: generate_data.py (greedy, 2500);
# WaveCoder: utils.make_request (temperature 1, max_tokens 512; main.py's --gen_max_token is never passed on).
RECIPE_SAMPLING = {"gitocto": (0.0, 1024), "magicoder": (0.0, 2500), "wavecoder": (1.0, 512)}


@dataclass(frozen=True)
class CommonOptions:
    """What every synth command takes: source, output, teacher, seeds, filters and sandbox."""

    source: Path
    output: Path
    rev: str = "HEAD"
    n: int = 100
    seed: int = 0
    langs: str = "python"
    teacher_kind: str = "openai"
    model: str | None = None
    endpoint: str | None = None
    concurrency: int = 8
    max_retries: int = 3
    timeout: float | None = None
    temperature: float | None = None  # None: the recipe's
    max_new_tokens: int | None = None  # None: the recipe's
    prompt_format: str = "chat"
    tests: bool = True
    execute: bool = True
    decontaminate: bool = True
    benchmarks: tuple[str, ...] = ()
    data_dir: Path | None = None
    near_threshold: float = 0.7
    workers: int | None = None
    sandbox: str = "auto"
    recipe: str = "gitocto"


@dataclass(frozen=True)
class OssInstructOptions(CommonOptions):
    """What `git octo synth oss-instruct` takes."""


@dataclass(frozen=True)
class WavecoderOptions(CommonOptions):
    """What `git octo synth wavecoder` takes: the shared options, the task, and who judges."""

    task: str = "generation"
    embedding_model: str | None = None
    discriminator_model: str | None = None
    discriminator_endpoint: str | None = None


def synth_options(options: CommonOptions) -> SynthOptions:
    """The synth methods' SynthOptions; a temperature or token limit not given is the recipe's."""
    temperature, max_new_tokens = RECIPE_SAMPLING.get(options.recipe, RECIPE_SAMPLING["gitocto"])
    teacher = TeacherSpec(
        kind=options.teacher_kind,
        model=options.model,
        endpoint=options.endpoint,
        timeout=options.timeout,
        concurrency=options.concurrency,
        max_retries=options.max_retries,
        temperature=temperature if options.temperature is None else options.temperature,
        max_new_tokens=max_new_tokens if options.max_new_tokens is None else options.max_new_tokens,
        prompt_format=options.prompt_format or "chat",
    )
    return SynthOptions(
        source=options.source,
        output=options.output,
        teacher=teacher,
        n=options.n,
        seed=options.seed,
        langs=tuple(parse_langs(options.langs)),
        rev=options.rev,
        tests=options.tests,
        execute=options.execute,
        decontaminate=options.decontaminate,
        data_dir=options.data_dir,
        near_threshold=options.near_threshold,
        workers=options.workers,
        recipe=options.recipe,
        benchmarks=options.benchmarks or None,
    )


def _prepare(options: CommonOptions) -> None:
    """Before any work: a hub model must be reachable, and the sandbox policy holds (checked when tests run)."""
    hub.need_model(options.teacher_kind != "openai" and options.model)
    from gitocto.execution.sandbox import set_policy

    set_policy(options.sandbox, check=options.execute)


def run_oss_instruct(options: OssInstructOptions) -> int:
    """`git octo synth oss-instruct`."""
    _prepare(options)
    return oss_instruct_command(synth_options(options))


def run_wavecoder(options: WavecoderOptions) -> int:
    """`git octo synth wavecoder`: a separate discriminator when its model or endpoint is given."""
    _prepare(options)
    common = synth_options(options)
    judge = None
    if options.discriminator_model or options.discriminator_endpoint:
        judge = dataclasses.replace(
            common.teacher,
            model=options.discriminator_model or common.teacher.model,
            endpoint=options.discriminator_endpoint or common.teacher.endpoint,
        )
    return wavecoder_command(
        WaveCoderOptions(common, task=options.task, discriminator=judge, embedding_model=options.embedding_model)
    )
