"""What `git octo synth` makes: the samples it writes, and the state entry it keeps for every seed."""

from __future__ import annotations

from typing import Literal, TypedDict


class _SampleFields(TypedDict):
    """What every method writes for a sample."""

    instruction: str
    response: str
    tests: str  # "" when the teacher wrote none (or the recipe asks for none)
    lang: str
    seed: str  # the code the teacher was shown
    seed_origin: str  # its path, or commit:path for a seed from extracted records
    seed_index: int
    method: str  # oss-instruct or wavecoder
    teacher: str
    prompt_version: str


class Sample(_SampleFields, total=False):
    """One written sample (a line of the output). The optional fields belong to one method or recipe."""

    problem: str  # oss-instruct --recipe magicoder: the problem without its instruction prefix
    instruction_only: str  # wavecoder: the instruction without its input
    input: str  # wavecoder: the input information ("" for none)
    task: str  # wavecoder: generation, summarization, repair or translation
    task_name: str  # wavecoder --recipe wavecoder: the generator's own name for the task


Status = Literal["kept", "dropped"]


class _EntryFields(TypedDict):
    key: str  # the seed's number, as text
    status: Status


class Entry(_EntryFields, total=False):
    """The state line of one finished seed: a kept sample, or a drop with its reason, and what the filters found."""

    record: Sample  # a kept seed's sample (also kept for a discriminator's rejection, for the pools)
    reason: str  # why the seed was dropped
    solution_code: str  # the code of the response, for the execution filter
    executed: bool
    passed: bool
    verdict: Literal["yes", "no"]  # the discriminator's
    reasons: list[str]  # the discriminator's reasons for a no
    case: str  # wavecoder --recipe wavecoder: the judged example with its analysis, for the pools
