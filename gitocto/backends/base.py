"""The backend interface every feature uses: complete a batch of prompts with sampling parameters and stops."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from gitocto.errors import OctoError

BACKEND_KINDS = ("hf", "openai", "vllm")


@dataclass(frozen=True)
class SamplingParams:
    """How to sample: `n` completions per prompt; temperature 0 means greedy."""

    n: int = 1
    temperature: float = 0.0
    top_p: float = 0.95
    max_new_tokens: int = 256
    stop: tuple[str, ...] = field(default_factory=tuple)
    seed: int | None = 0


class Message(TypedDict):
    """One OpenAI-style chat message: {"role": "system" | "user" | "assistant", "content": "..."}."""

    role: str
    content: str


@dataclass(frozen=True)
class Generation:
    """One sampled continuation: its text (cut at the stop), why it ended, and its token counts."""

    text: str
    finish_reason: str  # "stop" (a stop sequence or end of sequence) or "length" (max_new_tokens reached)
    prompt_tokens: int
    completion_tokens: int


class Backend(ABC):
    """Completes raw prompts (no chat wrapping: prompt formats are applied by the caller), or chats.

    A backend implements the two `*_generations` methods, which say why each sample ended and count its tokens;
    `complete` and `chat` are the same calls returning only the texts, supplied here once.
    """

    name: str

    @abstractmethod
    def complete_generations(self, prompts: Sequence[str], params: SamplingParams) -> list[list[Generation]]:
        """Return `params.n` generations for each prompt, cut at the first stop sequence (stop excluded), with
        each sample's finish reason ("stop" or "length") and token counts."""

    @abstractmethod
    def chat_generations(
        self, conversations: Sequence[list[Message]], params: SamplingParams
    ) -> list[list[Generation]]:
        """Return `params.n` assistant replies for each conversation, through the model's own chat template, with
        each reply's finish reason ("stop" or "length") and token counts."""

    def complete(self, prompts: Sequence[str], params: SamplingParams) -> list[list[str]]:
        """Return `params.n` completions for each prompt, cut at the first stop sequence (stop excluded)."""
        return texts(self.complete_generations(prompts, params))

    def chat(self, conversations: Sequence[list[Message]], params: SamplingParams) -> list[list[str]]:
        """Return `params.n` assistant replies for each conversation, through the model's own chat template."""
        return texts(self.chat_generations(conversations, params))


def texts(rows: Sequence[Sequence[Generation]]) -> list[list[str]]:
    """Only the texts of per-prompt generations: what `complete` and `chat` return."""
    return [[g.text for g in row] for row in rows]


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """Cut `text` at the earliest occurrence of any stop sequence."""
    end = len(text)
    for s in stop:
        if not s:
            continue
        i = text.find(s)
        if i != -1 and i < end:
            end = i
    return text[:end]


def check_params(params: SamplingParams) -> None:
    """Reject sampling parameters no backend can honour, with a message that says what to change."""
    if params.n < 1:
        raise OctoError(f"the number of samples must be at least 1, not {params.n}")
    if params.temperature < 0:
        raise OctoError(f"the temperature must be 0 (greedy) or more, not {params.temperature}")
    if not 0 < params.top_p <= 1:
        raise OctoError(f"top_p must be in (0, 1], not {params.top_p}")
    if params.max_new_tokens < 1:
        raise OctoError(f"max_new_tokens must be at least 1, not {params.max_new_tokens}")


def make_backend(
    kind: str,
    model: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
    **options: Any,
) -> Backend:
    """Build a backend by name ("hf", "openai", "vllm"); heavy imports happen only here, on demand."""
    if kind == "hf":
        if not model:
            raise OctoError("the hf backend needs --model (a model id or a local path)")
        from gitocto.backends.hf import HFBackend

        return HFBackend(model, **options)
    if kind == "openai":
        if not endpoint:
            raise OctoError("the openai backend needs --endpoint (e.g. http://127.0.0.1:8000/v1)")
        from gitocto.backends.openai import OpenAIBackend

        return OpenAIBackend(endpoint, model=model, timeout=timeout, **options)
    if kind == "vllm":
        if not model:
            raise OctoError("the vllm backend needs --model (a model id or a local path)")
        from gitocto.backends.vllm import VLLMBackend

        return VLLMBackend(model, **options)
    raise OctoError(f"unknown backend {kind!r}; choose one of {', '.join(BACKEND_KINDS)}")
