"""Tokenizing (prompt, answer) pairs into samples whose loss falls only on the answer and a closing EOS."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitocto.errors import OctoError
from gitocto.train.formats import SkipRecord, render

IGNORE_INDEX = -100  # the label value torch's cross entropy skips
CHUNK = 512


@dataclass(frozen=True)
class Sample:
    """Token ids of prompt + answer + EOS; the first `n_prompt` tokens carry no loss."""

    ids: tuple[int, ...]
    n_prompt: int

    @property
    def n_loss(self) -> int:
        """How many tokens of this sample are predicted with loss (answer tokens and the EOS)."""
        # The first token is never a target: nothing before it in the sample predicts it.
        return len(self.ids) - max(self.n_prompt, 1)

    def labels(self) -> list[int]:
        """Labels aligned with `ids`: IGNORE_INDEX on the prompt, the token id on the answer and EOS."""
        cut = max(self.n_prompt, 1)
        return [IGNORE_INDEX] * cut + list(self.ids[cut:])


def fit(prompt: Sequence[int], answer: Sequence[int], eos_id: int, seq_len: int, overlong: str) -> Sample:
    """Join prompt, answer and EOS into a sample no longer than `seq_len`, by the `overlong` rule.

    drop: a sample longer than seq_len is skipped. truncate: the end of the answer is cut off (the EOS with it);
    a sample whose prompt alone fills seq_len is skipped either way, since nothing would be learnt from it.
    """
    ids = [*prompt, *answer]
    if not ids or ids[-1] != eos_id:
        ids.append(eos_id)
    if len(ids) > seq_len:
        if overlong == "drop":
            raise SkipRecord(f"longer than seq_len ({seq_len} tokens)")
        if len(prompt) >= seq_len - 1:
            raise SkipRecord(f"prompt fills seq_len ({seq_len} tokens)")
        ids = ids[:seq_len]
    return Sample(tuple(ids), len(prompt))


def build_samples(
    rows: Sequence[Mapping[str, Any]],
    *,
    fmt: str,
    kind: str,
    tokenizer: Any,
    seq_len: int,
    overlong: str,
    skipped: Counter[str],
) -> list[Sample]:
    """Render and tokenize rows; a row that cannot become a sample is counted in `skipped` by reason."""
    eos_id = tokenizer.eos_token_id
    if eos_id is None:
        raise OctoError("the tokenizer has no EOS token; set tokenizer.eos_token in the model directory")
    pairs: list[tuple[str, str]] = []
    for row in rows:
        try:
            pairs.append(render(row, fmt, kind, tokenizer))
        except SkipRecord as reason:
            skipped[str(reason)] += 1
    # Chat templates already start with the BOS the model expects; other formats let the tokenizer add its own.
    add_special = fmt != "chat"
    samples: list[Sample] = []
    for start in range(0, len(pairs), CHUNK):
        chunk = pairs[start : start + CHUNK]
        prompts = tokenizer([p for p, _ in chunk], add_special_tokens=add_special)["input_ids"]
        answers = tokenizer([a for _, a in chunk], add_special_tokens=False)["input_ids"]
        for prompt, answer in zip(prompts, answers, strict=True):
            try:
                samples.append(fit(prompt, answer, eos_id, seq_len, overlong))
            except SkipRecord as reason:
                skipped[str(reason)] += 1
    return samples
