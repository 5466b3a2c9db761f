"""The `hf` backend: a local transformers model, batched generation with stop sequences, on CPU or GPU."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitocto.backends.base import Backend, Generation, Message, SamplingParams, check_params, cut_at_stop
from gitocto.errors import OctoError

DTYPES = {
    "bf16": "bfloat16",
    "bfloat16": "bfloat16",
    "fp16": "float16",
    "float16": "float16",
    "half": "float16",
    "fp32": "float32",
    "float32": "float32",
    "float": "float32",
}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _in_local_cache(model_id: str) -> bool:
    """True when the Hugging Face cache holds the model's config.json (the file every model load reads first)."""
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        return isinstance(try_to_load_from_cache(model_id, "config.json"), str)
    except HFValidationError:  # not even a valid model id
        return False


class StopOnSequences:
    """A transformers StoppingCriteria: a row is done once its decoded continuation contains a stop sequence.

    Only the tail of each continuation is decoded each step (long enough to hold the longest stop even at one
    byte per token), so checking stays cheap however long the generation grows.
    """

    def __init__(self, tokenizer: Any, prompt_len: int, stop: Sequence[str]) -> None:
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.stop = [s for s in stop if s]
        self.window = 4 * max((len(s) for s in self.stop), default=1) + 2
        self.done_at: list[int | None] = []  # per row: how many new tokens it had when a stop appeared

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        rows, length = input_ids.shape
        if len(self.done_at) != rows:
            self.done_at = [None] * rows
        for row in range(rows):
            if self.done_at[row] is not None:
                continue
            tail = input_ids[row, max(self.prompt_len, length - self.window) :]
            text = self.tokenizer.decode(tail, skip_special_tokens=True)
            if any(s in text for s in self.stop):
                self.done_at[row] = length - self.prompt_len
        done = [d is not None for d in self.done_at]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


@dataclass(frozen=True)
class StepRow:
    """One sequence to continue for a few tokens (see `HFBackend.step`).

    `ids` is the prompt followed by the `generated` tokens of earlier steps; at most `limit` new tokens are added;
    the row also ends at a stop sequence (looked for in everything it generated) or once `cancelled()` is true.
    """

    ids: list[int]
    generated: int
    limit: int
    stop: tuple[str, ...] = ()
    cancelled: Callable[[], bool] = lambda: False


@dataclass(frozen=True)
class StepResult:
    """What one step added to a row: its new tokens (an end-of-sequence token included), and why it ended."""

    new: list[int]
    ended: bool  # an end-of-sequence token
    stopped: bool  # a stop sequence appeared


class RowCriteria:
    """A transformers StoppingCriteria for `HFBackend.step`: each row ends at its own token limit, at a stop
    sequence, or when its request is cancelled, checked after every generated token."""

    def __init__(self, decode: Callable[[Any], str], prompt_len: int, rows: Sequence[StepRow]) -> None:
        self.decode = decode
        self.prompt_len = prompt_len
        self.rows = rows
        self.windows = [4 * max((len(s) for s in row.stop), default=1) + 2 for row in rows]
        self.done_at: list[int | None] = [None] * len(rows)  # new tokens a row had when it ended
        self.stopped = [False] * len(rows)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        length = int(input_ids.shape[1])
        new = length - self.prompt_len
        for i, row in enumerate(self.rows):
            if self.done_at[i] is not None:
                continue
            if row.stop:
                # The row's own generation starts `generated` tokens before this step's: a stop may straddle steps.
                start = self.prompt_len - row.generated
                tail = input_ids[i, max(start, length - self.windows[i]) :]
                text = self.decode(tail.tolist())
                if any(s in text for s in row.stop):
                    self.done_at[i], self.stopped[i] = new, True
                    continue
            if new >= row.limit or row.cancelled():
                self.done_at[i] = new
        done = [d is not None for d in self.done_at]
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


class HFBackend(Backend):
    """A transformers causal LM loaded from a model id or a local directory; safe to share between threads.

    `prompt_tokens` and `completion_tokens` add up the tokens read and generated over the backend's lifetime.
    """

    name = "hf"

    def __init__(
        self,
        model: str,
        device: str | None = None,
        dtype: str | None = None,
        batch_size: int = 8,
        trust_remote_code: bool = False,
        local_files_only: bool = False,
    ) -> None:
        """Load `model`; with `local_files_only`, a model id must already be in the local Hugging Face cache."""
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if batch_size < 1:
            raise OctoError(f"the batch size must be at least 1, not {batch_size}")
        looks_like_path = model.startswith((".", "/", "~")) or Path(model).exists()
        if looks_like_path and not Path(model).expanduser().is_dir():
            raise OctoError(f"model directory not found: {model}")
        self.model_name = model
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype = self._resolve_dtype(dtype, self.device)
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self._tokenizer_lock = threading.Lock()  # a fast tokenizer is not safe to call from two threads at once
        source = str(Path(model).expanduser()) if looks_like_path else model
        # huggingface_hub reads HF_HUB_OFFLINE once, at import: honour a value set later too.
        offline = local_files_only or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
        if local_files_only and not looks_like_path and not _in_local_cache(model):
            raise OctoError(
                f"model {model!r} is not in the local Hugging Face cache, and this command does not "
                f"download; fetch it once with `hf download {model}` or give a local model directory"
            )
        # Typed loosely: transformers' generate() and tokenizer signatures are wider than mypy can follow.
        self.tokenizer: Any
        self.model: Any
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                source, trust_remote_code=trust_remote_code, local_files_only=offline
            )
            self.model = AutoModelForCausalLM.from_pretrained(
                source, dtype=getattr(torch, self.dtype), trust_remote_code=trust_remote_code, local_files_only=offline
            )
        except (OSError, ValueError, KeyError, ImportError) as exc:
            raise OctoError(f"cannot load model {model!r}: {_first_line(exc)}") from exc
        try:
            self.model.to(self.device)
        except (RuntimeError, AssertionError) as exc:
            raise OctoError(f"cannot put model on device {self.device!r}: {_first_line(exc)}") from exc
        self.model.eval()
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._end_ids = self._end_token_ids()
        self.prompt_tokens = 0
        self.completion_tokens = 0

    @staticmethod
    def _resolve_dtype(dtype: str | None, device: str) -> str:
        if dtype is None or dtype == "auto":
            return "bfloat16" if device.startswith("cuda") else "float32"
        if dtype not in DTYPES:
            raise OctoError(f"unknown dtype {dtype!r}; choose one of auto, bf16, fp16, fp32")
        return DTYPES[dtype]

    @property
    def context_length(self) -> int | None:
        """The most tokens (prompt and completion together) the model can attend to, when its config says."""
        config = self.model.config
        for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length", "n_ctx"):
            value = getattr(config, name, None)
            if isinstance(value, int) and value > 0:
                return value
        value = getattr(self.tokenizer, "model_max_length", None)
        # Tokenizers without a known limit report a huge placeholder.
        return value if isinstance(value, int) and 0 < value < 10**8 else None

    def encode(self, prompts: Sequence[str], add_special_tokens: bool = True) -> list[list[int]]:
        """The token ids of each prompt (no padding, no truncation)."""
        with self._tokenizer_lock:
            encoded = self.tokenizer(list(prompts), add_special_tokens=add_special_tokens)["input_ids"]
        return [list(map(int, ids)) for ids in encoded]

    def decode(self, ids: Sequence[int]) -> str:
        """The text of generated token ids, special tokens left out."""
        with self._tokenizer_lock:
            return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def step(
        self, rows: Sequence[StepRow], temperature: float, top_p: float, seed: int | None = None
    ) -> list[StepResult]:
        """Continue every row in one batch, each for at most its `limit` new tokens (a server's scheduling step).

        Rows end early at an end-of-sequence token, a stop sequence, or cancellation; the step ends once all have.
        `seed` seeds the sampling of this step alone.
        """
        import torch
        from transformers import StoppingCriteriaList

        if not rows or any(not row.ids or row.limit < 1 for row in rows):
            raise OctoError("a step needs rows with at least one token and room for one more")
        pad = self.tokenizer.pad_token_id
        width = max(len(row.ids) for row in rows)
        input_ids = torch.tensor([[pad] * (width - len(row.ids)) + row.ids for row in rows], device=self.device)
        mask = torch.tensor([[0] * (width - len(row.ids)) + [1] * len(row.ids) for row in rows], device=self.device)
        criteria = RowCriteria(self.decode, width, rows)
        options: dict[str, Any] = {
            "max_new_tokens": max(row.limit for row in rows),
            "pad_token_id": pad,
            "stopping_criteria": StoppingCriteriaList([criteria]),  # type: ignore[list-item]
        }
        if temperature == 0:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            options.update(do_sample=True, temperature=temperature, top_p=top_p, top_k=None)
        with self._lock:
            if temperature != 0 and seed is not None:
                torch.manual_seed(seed % 2**63)
            with torch.inference_mode():
                out = self.model.generate(input_ids=input_ids, attention_mask=mask, **options)
        results = []
        for i in range(len(rows)):
            new = out[i, width:].tolist()
            done_at = criteria.done_at[i]
            used, ended = self._used_tokens(new, done_at)
            results.append(StepResult(new[:used], ended, criteria.stopped[i] and not ended))
            self.completion_tokens += used
        return results

    def _end_token_ids(self) -> set[int]:
        ids: set[int] = set()
        eos = self.model.generation_config.eos_token_id
        for value in (eos if isinstance(eos, list) else [eos], [self.tokenizer.eos_token_id]):
            ids.update(int(v) for v in value if v is not None)
        return ids

    def complete_generations(self, prompts: Sequence[str], params: SamplingParams) -> list[list[Generation]]:
        """Like `complete`, with each sample's finish reason and token counts."""
        return self.generate(prompts, params)

    def chat_generations(
        self, conversations: Sequence[list[Message]], params: SamplingParams
    ) -> list[list[Generation]]:
        """Like `chat`, with each reply's finish reason and token counts."""
        return self.generate(self.chat_prompts(conversations), params, add_special_tokens=False)

    def chat_prompts(self, conversations: Sequence[list[Message]]) -> list[str]:
        """Render conversations with the model's chat template, ready for the assistant's reply."""
        if not getattr(self.tokenizer, "chat_template", None):
            raise OctoError(f"model {self.model_name!r} has no chat template; use a plain prompt format instead")
        try:
            return [
                str(self.tokenizer.apply_chat_template(conv, tokenize=False, add_generation_prompt=True))
                for conv in conversations
            ]
        except Exception as exc:  # jinja errors: a template that rejects these messages
            raise OctoError(f"the chat template of {self.model_name!r} failed: {_first_line(exc)}") from exc

    def generate(
        self, prompts: Sequence[str], params: SamplingParams, add_special_tokens: bool = True
    ) -> list[list[Generation]]:
        """Sample `params.n` generations per prompt, in batches of at most `batch_size` sequences."""
        check_params(params)
        results: list[list[Generation]] = [[] for _ in prompts]
        greedy = params.temperature == 0
        # Greedy samples are all the same: generate one and copy it.
        per_prompt = 1 if greedy else params.n
        with self._lock:
            for chunk_no, (indices, k) in enumerate(self._plan(len(prompts), per_prompt)):
                batch = self._generate_batch([prompts[i] for i in indices], k, params, add_special_tokens, chunk_no)
                for pos, i in enumerate(indices):
                    results[i].extend(batch[pos * k : (pos + 1) * k])
                    self.prompt_tokens += batch[pos * k].prompt_tokens
                self.completion_tokens += sum(g.completion_tokens for g in batch)
        if greedy and params.n > 1:
            results = [row * params.n for row in results]
        return results

    def _plan(self, n_prompts: int, per_prompt: int) -> list[tuple[list[int], int]]:
        """Split the work into batches: (prompt indices, samples per prompt) with at most batch_size rows each."""
        if per_prompt <= self.batch_size:
            step = self.batch_size // per_prompt
            return [(list(range(s, min(s + step, n_prompts))), per_prompt) for s in range(0, n_prompts, step)]
        plan: list[tuple[list[int], int]] = []
        for i in range(n_prompts):
            left = per_prompt
            while left > 0:
                plan.append(([i], min(left, self.batch_size)))
                left -= self.batch_size
        return plan

    def _generate_batch(
        self, prompts: list[str], k: int, params: SamplingParams, add_special_tokens: bool, chunk_no: int
    ) -> list[Generation]:
        import torch
        from transformers import StoppingCriteriaList

        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=add_special_tokens).to(
            self.device
        )
        prompt_len = int(enc["input_ids"].shape[1])
        prompt_tokens = [int(m.sum()) for m in enc["attention_mask"]]
        if 0 in prompt_tokens:
            raise OctoError("an empty prompt: the model needs at least one token to continue")
        options: dict[str, Any] = {
            "max_new_tokens": params.max_new_tokens,
            "pad_token_id": self.tokenizer.pad_token_id,
            "num_return_sequences": k,
        }
        if params.temperature == 0:
            options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            options.update(do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=None)
            if params.seed is not None:
                # Per batch, so a call's samples do not depend on what ran before it in this process.
                torch.manual_seed(params.seed + chunk_no)
        stopper = StopOnSequences(self.tokenizer, prompt_len, params.stop)
        if stopper.stop:
            options["stopping_criteria"] = StoppingCriteriaList([stopper])  # type: ignore[list-item]
        with torch.inference_mode():
            out = self.model.generate(**enc, **options)
        generations = []
        for row in range(out.shape[0]):
            new = out[row, prompt_len:].tolist()
            stopped_at = stopper.done_at[row] if stopper.done_at else None
            used, ended = self._used_tokens(new, stopped_at)
            raw = self.tokenizer.decode(new[:used], skip_special_tokens=True)
            text = cut_at_stop(raw, params.stop)
            reason = "stop" if ended or len(text) < len(raw) else "length"
            generations.append(Generation(text, reason, prompt_tokens[row // k], used))
        return generations

    def _used_tokens(self, new: list[int], stopped_at: int | None) -> tuple[int, bool]:
        """How many of a row's new tokens the model produced (the padding after its end excluded), and if it
        ended on an end-of-sequence token."""
        limit = len(new) if stopped_at is None else stopped_at
        for i, tok in enumerate(new[:limit]):
            if tok in self._end_ids:
                return i + 1, True
        return limit, False
