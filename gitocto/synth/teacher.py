"""The teacher: a model backend asked in chunks, many requests in flight, with retries, backoff and token counts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitocto.backends import Backend, Generation, Message, SamplingParams, make_backend
from gitocto.errors import OctoError
from gitocto.synth.options import TEACHER_PROMPT_FORMATS as PROMPT_FORMATS

BACKOFF_S = 2.0


@dataclass(frozen=True)
class TeacherSpec:
    """Which backend teaches, and how it is asked."""

    kind: str = "openai"
    model: str | None = None
    endpoint: str | None = None
    timeout: float | None = None
    concurrency: int = 8
    max_retries: int = 3
    temperature: float = 0.0
    max_new_tokens: int = 1024
    prompt_format: str = "chat"  # "chat": the model's chat template; "completion": one plain prompt


def completion_prompt(prompt: str, system: str | None) -> str:
    """A chat turn laid out for a plain completion model: the system line, then the octocoder Question/Answer
    layout that `git octo bench` uses for completion models."""
    head = f"{system}\n\n" if system else ""
    return f"{head}Question: {prompt}\n\nAnswer:\n"


def _chat_template_missing(exc: OctoError) -> bool:
    return "chat template" in str(exc).lower()


class Teacher:
    """Sends user prompts as one-turn chats (or plain completions); openai keeps `concurrency` requests in flight."""

    def __init__(self, spec: TeacherSpec, backend: Backend | None = None) -> None:
        if spec.prompt_format not in PROMPT_FORMATS:
            raise OctoError(f"unknown prompt format {spec.prompt_format!r}; choose from {', '.join(PROMPT_FORMATS)}")
        self.spec = spec
        options: dict[str, Any] = {}
        if spec.kind == "openai":
            # The client retries connection errors, timeouts, 429 and 5xx itself, with exponential backoff.
            options = {"concurrency": spec.concurrency, "max_retries": spec.max_retries}
        self.backend = backend or make_backend(
            spec.kind, model=spec.model, endpoint=spec.endpoint, timeout=spec.timeout, **options
        )
        self.params = SamplingParams(n=1, temperature=spec.temperature, max_new_tokens=spec.max_new_tokens, seed=0)
        self.requests = 0

    @property
    def label(self) -> str:
        """`kind:model`, as recorded in every output record."""
        names = (getattr(self.backend, "model_name", None), getattr(self.backend, "model", None), self.spec.model)
        model = next((n for n in names if isinstance(n, str) and n), None)  # hf's `model` is the module itself
        return f"{self.spec.kind}:{model}"

    def tokens(self) -> tuple[int, int]:
        """Prompt and completion tokens used so far (from the server's `usage`; 0 where a backend does not count)."""
        return int(getattr(self.backend, "prompt_tokens", 0)), int(getattr(self.backend, "completion_tokens", 0))

    def ask(self, prompts: Sequence[str], system: str | None = None) -> list[str]:
        """One reply text per prompt (see `ask_replies`)."""
        return [r.text for r in self.ask_replies(prompts, system)]

    def _generate(self, prompts: Sequence[str], system: str | None) -> list[list[Generation]]:
        if self.spec.prompt_format == "completion":
            return self.backend.complete_generations([completion_prompt(p, system) for p in prompts], self.params)
        head: list[Message] = [{"role": "system", "content": system}] if system else []
        conversations: list[list[Message]] = [[*head, {"role": "user", "content": p}] for p in prompts]
        try:
            return self.backend.chat_generations(conversations, self.params)
        except OctoError as exc:
            if _chat_template_missing(exc):
                raise OctoError(
                    f"the teacher {self.label} has no chat template: pass --prompt-format completion "
                    "to send it plain prompts"
                ) from None
            raise

    def ask_replies(self, prompts: Sequence[str], system: str | None = None) -> list[Generation]:
        """One reply per prompt, with why it ended ("length": cut off by --max-new-tokens); a failed chunk is
        tried again after a growing pause before the error is raised. `system` opens every chat as a system turn."""
        # The client already retried each request; one more pass over the chunk covers a server restart.
        attempts = 1 + min(1, self.spec.max_retries)
        for attempt in range(attempts):
            try:
                replies = self._generate(prompts, system)
                self.requests += len(prompts)
                return [r[0] if r else Generation("", "stop", 0, 0) for r in replies]
            except OctoError as exc:
                if attempt == attempts - 1 or "--prompt-format" in str(exc):
                    raise
                time.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")
