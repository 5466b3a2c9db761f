"""The records `git octo bench` reads and writes: HumanEvalPack rows, saved generations and executions, results.

Optional keys are those that older files or other datasets may lack; the JSON on disk is exactly these dicts.
"""

from __future__ import annotations

from typing import TypedDict


class HumanEvalRow(TypedDict):
    """A HumanEval problem as openai/openai_humaneval has it (the fields decontamination needs)."""

    task_id: str
    prompt: str
    canonical_solution: str
    entry_point: str


# "import" is a keyword, so Go's extra fields take the functional form.
_GoFields = TypedDict("_GoFields", {"import": str, "test_setup": str}, total=False)


class ProblemRow(HumanEvalRow, _GoFields):
    """One row of bigcode/humanevalpack: HumanEval's fields, the buggy variant and instruction, Go's import."""

    declaration: str
    buggy_solution: str
    test: str
    docstring: str
    instruction: str


class _GenerationSettings(TypedDict):
    model: str | None
    backend: str | None
    prompt_format: str
    temperature: float
    top_p: float
    max_new_tokens: int
    n_samples: int
    seed: int | None


class GenerationSettings(_GenerationSettings, total=False):
    """How a generation was made; a resumed run must match it (max_length only where one was set)."""

    max_length: int


class _GenerationRecord(TypedDict):
    task: str
    lang: str
    task_id: str
    completions: list[str]


class GenerationRecord(_GenerationRecord, total=False):
    """The samples of one task, language and problem; files from older runs lack the optional keys."""

    format: str
    settings: GenerationSettings
    stops: list[str]
    # Only where the backend said why every sample ended ("stop" or "length").
    finish_reasons: list[str]


class ExecutionRecord(TypedDict):
    """How one sample's test program ended; keyed by the program's hash, so a changed program runs again."""

    task: str
    lang: str
    task_id: str
    sample: int
    program_sha: str
    passed: bool
    status: str
    detail: str
    elapsed: float


# pass@k is reported only for the k that every problem has samples for: those keys may be absent.
_PassAtK = TypedDict("_PassAtK", {"pass@1": float, "pass@10": float, "pass@100": float}, total=False)


class ResultCell(_PassAtK):
    """One task and language of a run: how the samples ended (status counts), pass@k, problems and samples."""

    statuses: dict[str, int]
    problems: int
    samples: int


# task -> language -> cell
Results = dict[str, dict[str, ResultCell]]


class _ResultsFile(TypedDict):
    benchmark: str
    date: str
    model: str | None
    backend: str | None
    endpoint: str | None
    protocol: str | None
    prompt_format: str | None
    n_samples: int | None
    temperature: float | None
    top_p: float | None
    max_new_tokens: int | None
    max_length: int | None
    seed: int | None
    settings_from: str
    limit: int | None
    generations_file: str
    executions_file: str
    results: Results


class ResultsFile(_ResultsFile, total=False):
    """The results JSON of a run: its settings (None where unknown), where its records are, and the results."""

    # With --max-length on a backend that does not expose its tokenizer.
    max_length_approximate: bool
