"""The `openai` backend: any OpenAI-compatible server (vLLM, llama.cpp, Ollama, `git octo serve`)."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar
from urllib.parse import urlsplit

from gitocto.backends.base import Backend, Generation, Message, SamplingParams, check_params, cut_at_stop
from gitocto.errors import OctoError

DEFAULT_TIMEOUT_S = 600.0
T = TypeVar("T")


def normalise_endpoint(endpoint: str) -> str:
    """Accept `host:port`, `http://host:port` or a full base URL; return a base URL such as http://h:p/v1."""
    url = endpoint.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OctoError(f"not an http(s) endpoint: {endpoint!r}")
    return url if parts.path else url + "/v1"


class OpenAIBackend(Backend):
    """Sends one request per prompt, `concurrency` at a time, with the client's timeouts and retries.

    `prompt_tokens` and `completion_tokens` add up the server's reported usage over the backend's lifetime.
    """

    name = "openai"

    def __init__(
        self,
        endpoint: str,
        model: str | None = None,
        timeout: float | None = None,
        concurrency: int = 8,
        max_retries: int = 3,
        api_key: str | None = None,
    ) -> None:
        import openai

        if concurrency < 1:
            raise OctoError(f"concurrency must be at least 1, not {concurrency}")
        if max_retries < 0:
            raise OctoError(f"max_retries must be 0 or more, not {max_retries}")
        self.endpoint = normalise_endpoint(endpoint)
        self.timeout = DEFAULT_TIMEOUT_S if timeout is None else timeout
        self.max_retries = max_retries
        self.concurrency = concurrency
        # Local servers need no key, but the client insists on one.
        key = api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY"
        # The client retries connection errors, timeouts, 429 and 5xx with exponential backoff.
        self._client = openai.OpenAI(base_url=self.endpoint, api_key=key, timeout=self.timeout, max_retries=max_retries)
        self._usage_lock = threading.Lock()
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.model = model or self._first_model()

    def _first_model(self) -> str:
        page = self._call(lambda: self._client.models.list())
        ids = [m.id for m in page.data]
        if not ids:
            raise OctoError(f"{self.endpoint} serves no models; pass --model")
        return str(ids[0])

    def _call(self, request: Callable[[], T]) -> T:
        """Run one API request, turning the client's errors into a one-line OctoError."""
        import openai

        tries = f"after {self.max_retries} retries" if self.max_retries else "with no retries"
        try:
            return request()
        except openai.APITimeoutError as exc:
            raise OctoError(f"{self.endpoint} did not answer within {self.timeout:g}s ({tries})") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise OctoError(f"cannot reach {self.endpoint} ({tries}): {_one_line(cause)}") from exc
        except openai.APIStatusError as exc:
            raise OctoError(f"{self.endpoint} answered {exc.status_code}: {_status_message(exc)}") from exc

    def _count(self, usage: Any) -> None:
        if usage is None:
            return
        with self._usage_lock:
            self.prompt_tokens += int(usage.prompt_tokens or 0)
            self.completion_tokens += int(usage.completion_tokens or 0)

    def _options(self, params: SamplingParams) -> dict[str, Any]:
        options: dict[str, Any] = {
            "model": self.model,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "max_tokens": params.max_new_tokens,
        }
        if params.stop:
            options["stop"] = list(params.stop)
        if params.seed is not None:
            options["seed"] = params.seed
        return options

    def complete_generations(self, prompts: Sequence[str], params: SamplingParams) -> list[list[Generation]]:
        """Like `complete`, with the server's finish reason and token usage for each sample."""
        check_params(params)

        def one(prompt: str, ask: SamplingParams) -> list[Generation]:
            response = self._call(lambda: self._client.completions.create(prompt=prompt, n=ask.n, **self._options(ask)))
            self._count(response.usage)
            ordered = sorted(response.choices, key=lambda c: c.index)
            return _generations([(c.text or "", c.finish_reason) for c in ordered], response.usage, params.stop)

        return self._map(list(prompts), params, one)

    def chat_generations(
        self, conversations: Sequence[list[Message]], params: SamplingParams
    ) -> list[list[Generation]]:
        """Like `chat`, with the server's finish reason and token usage for each reply."""
        check_params(params)

        def one(conversation: list[Message], ask: SamplingParams) -> list[Generation]:
            response = self._call(
                lambda: self._client.chat.completions.create(
                    messages=conversation,  # type: ignore[arg-type]
                    n=ask.n,
                    **self._options(ask),
                )
            )
            self._count(response.usage)
            ordered = sorted(response.choices, key=lambda c: c.index)
            choices = [(c.message.content or "", c.finish_reason) for c in ordered]
            return _generations(choices, response.usage, params.stop)

        return self._map(list(conversations), params, one)

    def _map(
        self, items: list[T], params: SamplingParams, one: Callable[[T, SamplingParams], list[Generation]]
    ) -> list[list[Generation]]:
        """Run `one` over the items, `concurrency` requests in flight; stop everything at the first error."""

        def all_samples(item: T) -> list[Generation]:
            # Some servers (llama.cpp, Ollama) ignore n: ask again for what is missing. Each follow-up gets a seed
            # of its own (the seed plus the samples already in hand): the same seed would repeat the same sample.
            samples: list[Generation] = []
            while len(samples) < params.n:
                seed = None if params.seed is None else params.seed + len(samples)
                got = one(item, dataclasses.replace(params, n=params.n - len(samples), seed=seed))
                if not got:
                    raise OctoError(f"{self.endpoint} returned no choices")
                samples.extend(got)
            return samples[: params.n]

        if len(items) == 1:
            return [all_samples(items[0])]
        pool = ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(items))))
        try:
            futures: list[Future[list[Generation]]] = [pool.submit(all_samples, item) for item in items]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                error = future.exception()
                if error is not None:
                    raise error
            return [future.result() for future in futures]
        finally:
            # Queued requests are dropped; ones in flight end within their timeout without holding up the error.
            pool.shutdown(wait=False, cancel_futures=True)


def _generations(choices: Sequence[tuple[str, str | None]], usage: Any, stop: Sequence[str]) -> list[Generation]:
    """The choices of one response as Generations. The server reports usage per request, so the completion
    tokens are shared out over its choices (the remainder to the first)."""
    prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0) if usage is not None else 0
    completion = int(getattr(usage, "completion_tokens", 0) or 0) if usage is not None else 0
    share, rest = divmod(completion, max(1, len(choices)))
    out = []
    for i, (raw, reason) in enumerate(choices):
        text = cut_at_stop(raw, stop)
        # A server that ignores `stop` ran past it: the sample did end at a stop sequence.
        finish = "stop" if len(text) < len(raw) else (reason or "stop")
        out.append(Generation(text, finish, prompt_tokens, share + (rest if i == 0 else 0)))
    return out


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _status_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return _one_line(Exception(str(error["message"])))
        if isinstance(body.get("detail"), (str, list)):
            return _one_line(Exception(str(body["detail"])))
    return _one_line(exc)
