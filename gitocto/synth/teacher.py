"""The teacher: a model backend asked in chunks, many requests in flight, with retries, backoff and token counts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitocto.backends import Backend, Generation, SamplingParams, make_backend
from gitocto.errors import OctoError

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


class Teacher:
    """Sends user prompts as one-turn chats; the openai backend keeps `concurrency` requests in flight."""

    def __init__(self, spec: TeacherSpec, backend: Backend | None = None) -> None:
        self.spec = spec
        options: dict[str, Any] = {}
        if spec.kind == "openai":
            # The client retries connection errors, timeouts, 429 and 5xx itself, with exponential backoff.
            options = {"concurrency": spec.concurrency, "max_retries": spec.max_retries}
        self.backend = backend or make_backend(spec.kind, model=spec.model, endpoint=spec.endpoint,
                                               timeout=spec.timeout, **options)
        self.params = SamplingParams(n=1, temperature=spec.temperature, max_new_tokens=spec.max_new_tokens, seed=0)
        self.requests = 0

    @property
    def label(self) -> str:
        """`kind:model`, as recorded in every output record."""
        model = getattr(self.backend, "model", None) or getattr(self.backend, "model_name", None) or self.spec.model
        return f"{self.spec.kind}:{model}"

    def tokens(self) -> tuple[int, int]:
        """Prompt and completion tokens used so far (from the server's `usage`; 0 where a backend does not count)."""
        return int(getattr(self.backend, "prompt_tokens", 0)), int(getattr(self.backend, "completion_tokens", 0))

    def ask(self, prompts: Sequence[str]) -> list[str]:
        """One reply text per prompt (see `ask_replies`)."""
        return [r.text for r in self.ask_replies(prompts)]

    def ask_replies(self, prompts: Sequence[str]) -> list[Generation]:
        """One reply per prompt, with why it ended ("length": cut off by --max-new-tokens); a failed chunk is
        tried again after a growing pause before the error is raised."""
        conversations = [[{"role": "user", "content": p}] for p in prompts]
        # The client already retried each request; one more pass over the chunk covers a server restart.
        attempts = 1 + min(1, self.spec.max_retries)
        for attempt in range(attempts):
            try:
                replies = self.backend.chat_generations(conversations, self.params)
                self.requests += len(prompts)
                return [r[0] if r else Generation("", "stop", 0, 0) for r in replies]
            except OctoError:
                if attempt == attempts - 1:
                    raise
                time.sleep(BACKOFF_S * 2**attempt)
        raise AssertionError("unreachable")
