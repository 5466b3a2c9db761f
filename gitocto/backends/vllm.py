"""The `vllm` backend: vLLM's offline engine, every prompt and sample submitted at once (optional extra)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from gitocto.backends.base import Backend, Generation, Message, SamplingParams, check_params, cut_at_stop
from gitocto.errors import OctoError

INSTALL_HINT = "vllm is not installed: pip install 'gitocto[vllm]'"


def _import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise OctoError(INSTALL_HINT) from exc
    return vllm


class VLLMBackend(Backend):
    """A `vllm.LLM` engine; `engine_kwargs` go to it unchanged (dtype, tensor_parallel_size, max_model_len...).

    `prompt_tokens` and `completion_tokens` add up the engine's token counts over the backend's lifetime.
    """

    name = "vllm"

    def __init__(self, model: str, **engine_kwargs: Any) -> None:
        self._vllm = _import_vllm()
        self.model_name = model
        try:
            self.llm = self._vllm.LLM(model=model, **engine_kwargs)
        except (OSError, ValueError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise OctoError(f"cannot load model {model!r} in vllm: {first}") from exc
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def _sampling(self, params: SamplingParams) -> Any:
        check_params(params)
        return self._vllm.SamplingParams(
            n=params.n,
            temperature=params.temperature,
            top_p=1.0 if params.temperature == 0 else params.top_p,
            max_tokens=params.max_new_tokens,
            stop=list(params.stop) or None,
            seed=params.seed,
        )

    def _collect(self, outputs: Sequence[Any], params: SamplingParams) -> list[list[Generation]]:
        results = []
        for out in outputs:
            prompt_tokens = len(out.prompt_token_ids or [])
            self.prompt_tokens += prompt_tokens
            self.completion_tokens += sum(len(o.token_ids) for o in out.outputs)
            ordered = sorted(out.outputs, key=lambda o: o.index)
            results.append([_generation(o, prompt_tokens, params.stop) for o in ordered])
        return results

    def complete_generations(self, prompts: Sequence[str], params: SamplingParams) -> list[list[Generation]]:
        """Like `complete`, with each sample's finish reason and token counts."""
        return self._run(lambda sampling: self.llm.generate(list(prompts), sampling, use_tqdm=False), params)

    def chat_generations(
        self, conversations: Sequence[list[Message]], params: SamplingParams
    ) -> list[list[Generation]]:
        """Like `chat`, with each reply's finish reason and token counts."""
        return self._run(lambda sampling: self.llm.chat(list(conversations), sampling, use_tqdm=False), params)

    def _run(self, call: Callable[[Any], Sequence[Any]], params: SamplingParams) -> list[list[Generation]]:
        # Greedy samples are all the same (and some vLLM versions refuse n > 1 at temperature 0): one, copied,
        # as the hf backend does.
        copies = params.n if params.temperature == 0 else 1
        asked = replace(params, n=1) if copies > 1 else params
        rows = self._collect(call(self._sampling(asked)), asked)
        return [row * copies for row in rows]


def _generation(output: Any, prompt_tokens: int, stop: Sequence[str]) -> Generation:
    """One vLLM CompletionOutput as a Generation; vLLM's finish_reason is "stop" or "length" (or "abort")."""
    raw = output.text
    text = cut_at_stop(raw, stop)
    reason = "stop" if len(text) < len(raw) else str(output.finish_reason or "stop")
    return Generation(text, reason, prompt_tokens, len(output.token_ids))
