"""The synth commands' entry points: build options from the parsed flags and run a method."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from gitocto.synth.oss_instruct import SynthOptions, oss_instruct_command
from gitocto.synth.sources import parse_langs
from gitocto.synth.teacher import TeacherSpec
from gitocto.synth.wavecoder import WaveCoderOptions, wavecoder_command

# (temperature, max_new_tokens) when the flags do not set them. Magicoder: generate_data.py (greedy, 2500);
# WaveCoder: utils.make_request (temperature 1, max_tokens 512; main.py's --gen_max_token is never passed on).
RECIPE_SAMPLING = {"gitocto": (0.0, 1024), "magicoder": (0.0, 2500), "wavecoder": (1.0, 512)}


def synth_options(flags: Mapping[str, Any], recipe: str = "gitocto") -> SynthOptions:
    """SynthOptions from the flags every synth method shares (as the CLI parsed them); a temperature or token
    limit not given is the recipe's."""
    temperature, max_new_tokens = RECIPE_SAMPLING.get(recipe, RECIPE_SAMPLING["gitocto"])
    teacher = TeacherSpec(
        kind=flags["teacher_kind"], model=flags["model"], endpoint=flags["endpoint"], timeout=flags["timeout"],
        concurrency=flags["concurrency"], max_retries=flags["max_retries"],
        temperature=temperature if flags.get("temperature") is None else flags["temperature"],
        max_new_tokens=max_new_tokens if flags.get("max_new_tokens") is None else flags["max_new_tokens"],
        prompt_format=flags.get("prompt_format") or "chat",
    )
    return SynthOptions(
        source=flags["source"], output=flags["output"], teacher=teacher, n=flags["n"], seed=flags["seed"],
        langs=tuple(parse_langs(flags["langs"])), rev=flags["rev"], tests=flags["tests"], execute=flags["execute"],
        decontaminate=flags["decontaminate"], data_dir=flags["data_dir"], near_threshold=flags["near_threshold"],
        workers=flags["workers"], recipe=recipe, benchmarks=tuple(flags.get("benchmarks") or ()) or None,
    )


def oss_instruct_main(flags: Mapping[str, Any]) -> int:
    """`git octo synth oss-instruct`."""
    return oss_instruct_command(synth_options(flags, str(flags.get("recipe") or "gitocto")))


def wavecoder_main(flags: Mapping[str, Any], task: str, embedding_model: str | None,
                   discriminator_model: str | None, discriminator_endpoint: str | None) -> int:
    """`git octo synth wavecoder`: a separate discriminator when its model or endpoint is given."""
    opts = synth_options(flags, str(flags.get("recipe") or "gitocto"))
    judge = None
    if discriminator_model or discriminator_endpoint:
        judge = dataclasses.replace(opts.teacher, model=discriminator_model or opts.teacher.model,
                                    endpoint=discriminator_endpoint or opts.teacher.endpoint)
    return wavecoder_command(WaveCoderOptions(opts, task=task, discriminator=judge, embedding_model=embedding_model))
