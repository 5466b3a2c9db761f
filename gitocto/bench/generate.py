"""The generation driver: prompts for every problem, completions through a backend, saved as they arrive."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from gitocto.backends.base import Backend, Generation, SamplingParams
from gitocto.bench.data import Problem
from gitocto.bench.postprocess import BRACE_STOP, describe_text, open_braces, request_stops
from gitocto.bench.prompts import DESCRIBE, build_prompt, chat_messages
from gitocto.bench.records import GenerationRecord, GenerationSettings
from gitocto.bench.store import JsonlStore
from gitocto.errors import OctoError

GENERATION_KEY = ("task", "lang", "task_id")
# Problems sent to the backend per call: large enough to batch, small enough that an interruption loses little.
CHUNK = 16


@dataclass(frozen=True)
class GenerationConfig:
    """How to sample, which prompt format to use, and the model and backend that sample."""

    prompt_format: str
    n_samples: int
    temperature: float
    top_p: float
    max_new_tokens: int
    seed: int | None = 0
    model: str | None = None
    backend: str | None = None
    # The paper's harness limits prompt + answer tokens (its max_length_generation); None: max_new_tokens alone.
    max_length: int | None = None

    def settings(self) -> GenerationSettings:
        """What each saved generation records about how it was made; a resumed run must match it."""
        settings: GenerationSettings = {
            "model": self.model,
            "backend": self.backend,
            "prompt_format": self.prompt_format,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens,
            "n_samples": self.n_samples,
            "seed": self.seed,
        }
        if self.max_length is not None:
            settings["max_length"] = self.max_length
        return settings


def check_settings(store: JsonlStore[GenerationRecord], settings: GenerationSettings) -> None:
    """Refuse to resume into `store` when its generations were made with other settings (another model, say)."""
    for record in store.records.values():
        saved = record.get("settings")
        if saved is None:
            raise OctoError(
                f"{store.path} holds generations that do not record their settings (an older run); "
                f"score them with --generations {store.path}, or choose another -o"
            )
        if saved != settings:
            changed = [
                f"{key} {saved.get(key)!r} there, {settings.get(key)!r} now"
                for key in sorted(set(saved) | set(settings))
                if saved.get(key) != settings.get(key)
            ]
            raise OctoError(
                f"{store.path} was generated with other settings ({'; '.join(changed)}); rerun with "
                "the same ones to resume, or choose another -o"
            )


def generation_stages(tasks: Sequence[str]) -> list[str]:
    """Tasks in generation order: explain's describe stage comes right before explain itself."""
    stages: list[str] = []
    for task in tasks:
        if task == "explain":
            stages.append(DESCRIBE)
        stages.append(task)
    return stages


def prompt_tokens(backend: Backend, text: str) -> int | None:
    """How many tokens `text` is for the backend's model, where the backend exposes its tokenizer (hf, vllm)."""
    tokenizer = getattr(backend, "tokenizer", None)
    llm = getattr(backend, "llm", None)
    if tokenizer is None and llm is not None and hasattr(llm, "get_tokenizer"):
        tokenizer = llm.get_tokenizer()
    if tokenizer is None or not callable(tokenizer):
        return None
    return len(tokenizer(text)["input_ids"])


def new_token_budgets(backend: Backend, config: GenerationConfig, prompts: list[Any]) -> list[int]:
    """max_new_tokens per prompt: with a max_length, what the prompt leaves of it (as the paper's harness counts:
    prompt plus answer), else max_new_tokens. A backend without a tokenizer (openai) gets max_length - the
    answer can then run longer than in the paper, and the results say the limit was approximate."""
    if config.max_length is None:
        return [config.max_new_tokens] * len(prompts)
    budgets = []
    for prompt in prompts:
        used = prompt_tokens(backend, prompt.text)
        budgets.append(config.max_length if used is None else max(1, config.max_length - used))
    return budgets


Sample = tuple[str, "str | None"]
# A line-start `}` that does not close the function (an inner block written flush left) stopped the sample early:
# it is continued from there, at most this many times.
MAX_CONTINUATIONS = 16


def _sample(
    backend: Backend, config: GenerationConfig, lang: str, prompts: list[Any], n: int, stops: tuple[str, ...]
) -> list[list[Sample]]:
    """n samples per prompt as (text, finish reason: "stop", "length", or None where the backend does not say)."""
    budgets = new_token_budgets(backend, config, prompts)
    out: list[list[Sample]] = [[] for _ in prompts]
    # One backend call per distinct budget (one in all without max_length), results put back in prompt order.
    for budget in dict.fromkeys(budgets):
        index = [i for i, b in enumerate(budgets) if b == budget]
        params = SamplingParams(
            n=n, temperature=config.temperature, top_p=config.top_p, max_new_tokens=budget, stop=stops, seed=config.seed
        )
        chat = config.prompt_format == "chat"
        inputs: list[Any] = [chat_messages(prompts[i], lang) if chat else prompts[i].text for i in index]
        detailed = getattr(backend, "chat_generations" if chat else "complete_generations", None)
        if detailed is None:
            texts = backend.chat(inputs, params) if chat else backend.complete(inputs, params)
            for i, row in zip(index, texts, strict=True):
                out[i] = [(t, None) for t in row]
            continue
        for i, row in zip(index, detailed(inputs, params), strict=True):
            out[i] = [
                _continued(backend, params, lang, prompts[i].text, g) if not chat else (g.text, g.finish_reason)
                for g in row
            ]
    return out


def _continued(backend: Backend, params: SamplingParams, lang: str, prompt: str, first: Generation) -> Sample:
    """A completion stopped at a line-start `}` that leaves the function open, generated on past that brace (with
    the tokens left) until a `}` closes the function, as the paper's brace balancing would have let it run."""
    text, finish, used = first.text, first.finish_reason, first.completion_tokens
    for _ in range(MAX_CONTINUATIONS):
        if BRACE_STOP not in params.stop or finish != "stop" or open_braces(lang, text) - 1 <= 0:
            break
        left = params.max_new_tokens - used
        if left <= 0:
            return text + BRACE_STOP, "length"
        text += BRACE_STOP
        more = backend.complete_generations([prompt + text], replace(params, n=1, max_new_tokens=left))[0][0]
        text, finish, used = text + more.text, more.finish_reason, used + more.completion_tokens
    return text, finish


def generate(
    backend: Backend,
    problems: dict[str, list[Problem]],
    tasks: Sequence[str],
    config: GenerationConfig,
    store: JsonlStore[GenerationRecord],
    progress: Any = None,
) -> None:
    """Sample `n_samples` completions per problem for each task and language, skipping what `store` already has
    (which must have been made with the same settings)."""
    check_settings(store, config.settings())
    for stage in generation_stages(tasks):
        for lang, probs in problems.items():
            todo = [p for p in probs if not _done(store, stage, p, config.n_samples)]
            bar = progress.add_task(f"{stage} {lang}", total=len(todo)) if progress is not None else None
            size = chunk_size(backend, len(todo))
            for start in range(0, len(todo), size):
                chunk = todo[start : start + size]
                store.add(_generate_chunk(backend, stage, lang, chunk, config, store))
                if progress is not None:
                    progress.advance(bar, len(chunk))


def chunk_size(backend: Backend, n_todo: int) -> int:
    """Problems per backend call. vLLM's throughput comes from scheduling every prompt and sample at once, so it
    gets a whole stage and language per call (what an interruption then loses); the others get CHUNK."""
    return max(1, n_todo) if backend.name == "vllm" else CHUNK


def _done(store: JsonlStore[GenerationRecord], stage: str, problem: Problem, n: int) -> bool:
    record = store.get(stage, problem.lang, problem.task_id)
    return record is not None and len(record["completions"]) >= n


def _generate_chunk(
    backend: Backend,
    stage: str,
    lang: str,
    chunk: list[Problem],
    config: GenerationConfig,
    store: JsonlStore[GenerationRecord],
) -> list[GenerationRecord]:
    n = config.n_samples
    stops = request_stops(lang, config.prompt_format, stage)
    outputs: list[list[Sample]]
    if stage == "explain":
        # One program per description: the i-th sample is synthesized from the i-th description.
        prompts = []
        for problem in chunk:
            described = store.get(DESCRIBE, lang, problem.task_id)
            if described is None:
                raise OctoError(f"no description of {problem.task_id} to synthesize from")
            texts = [describe_text(problem, c) for c in described["completions"][:n]]
            prompts += [build_prompt(problem, stage, config.prompt_format, t) for t in texts]
        flat = [c[0] for c in _sample(backend, config, lang, prompts, 1, stops)]
        outputs = [flat[i * n : (i + 1) * n] for i in range(len(chunk))]
    else:
        prompts = [build_prompt(problem, stage, config.prompt_format) for problem in chunk]
        outputs = _sample(backend, config, lang, prompts, n, stops)
    records = []
    for problem, samples in zip(chunk, outputs, strict=True):
        record: GenerationRecord = {
            "task": stage,
            "lang": lang,
            "task_id": problem.task_id,
            "format": config.prompt_format,
            "settings": config.settings(),
            "completions": [text for text, _ in samples],
            "stops": list(stops),
        }
        finishes = [finish for _, finish in samples if finish is not None]
        if len(finishes) == len(samples):
            record["finish_reasons"] = finishes
        records.append(record)
    return records
