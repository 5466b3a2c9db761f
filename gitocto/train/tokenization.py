"""Tokenizing (prompt, answer) pairs into samples whose loss falls only on the answer and a closing EOS.

Records are tokenized in batches (a fast tokenizer encodes each batch on all the threads its Rust pool has),
prompts first, then the answers of the records still in the running. A record that cannot fit is dropped
without tokenizing it by a bound that needs no tokens: no token of a BPE vocabulary covers more characters of
input than its longest entry has, so text of more than `n × longest` characters has more than `n` tokens. This
is checked on prompt and answer before anything is tokenized, then on the answer against the room its tokenized
prompt leaves. Under `truncate`, an answer far longer than that room is cut before tokenizing, keeping a wide
margin of tokens beyond the cut that `fit` later makes.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gitocto.errors import OctoError
from gitocto.train.formats import SkipRecord, render

IGNORE_INDEX = -100  # the label value torch's cross entropy skips
CHUNK = 512  # records per tokenizer call
CHUNK_CHARS = 4 << 20  # ... or fewer, when they are long: progress stays smooth and memory bounded
CUT_MARGIN = 64  # tokens kept beyond twice seq_len when an answer is cut before tokenizing

# Pieces of a tokenizer's pipeline after which one token never covers more input characters than its vocabulary
# entry has: they keep, map one to one, or lengthen the text (a byte-level alphabet spends a character per byte).
_KEEPING_NORMALIZERS = {"Prepend", "NFD", "NFKD", "Lowercase"}
_KEEPING_PRE_TOKENIZERS = {"ByteLevel", "Metaspace", "Digits", "Punctuation", "UnicodeScripts", "Split"}


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
            raise SkipRecord(too_long(seq_len))
        if len(prompt) >= seq_len - 1:
            raise SkipRecord(prompt_fills(seq_len))
        ids = ids[:seq_len]
    return Sample(tuple(ids), len(prompt))


def too_long(seq_len: int) -> str:
    """The skip reason of a sample over seq_len under `drop`."""
    return f"longer than seq_len ({seq_len} tokens)"


def prompt_fills(seq_len: int) -> str:
    """The skip reason of a prompt that leaves no room for its answer under `truncate`."""
    return f"prompt fills seq_len ({seq_len} tokens)"


def backend_spec(tokenizer: Any) -> dict[str, Any] | None:
    """The fast tokenizer's full pipeline (normalizer, pre-tokenizer, model, added tokens) as JSON, if it has one."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    spec = json.loads(backend.to_str())
    return spec if isinstance(spec, dict) else None


def _keeps_length(piece: Mapping[str, Any] | None, allowed: set[str]) -> bool:
    if piece is None:
        return True
    kind = piece.get("type")
    if kind == "Sequence":
        parts = piece.get("normalizers") or piece.get("pretokenizers") or []
        return all(_keeps_length(p, allowed) for p in parts)
    if kind == "Replace":  # only a fixed string replaced by one at least as long
        pattern = piece.get("pattern") or {}
        return "String" in pattern and len(str(piece.get("content", ""))) >= len(str(pattern["String"]))
    return kind in allowed and piece.get("behavior") != "Removed"  # a split that removes what it splits on


def max_token_chars(spec: Mapping[str, Any] | None) -> int | None:
    """The most input characters one token can stand for, or None when this tokenizer gives no such bound.

    Known only for BPE models whose normalizer and pre-tokenizer never shorten the text and whose unknown token,
    if any, stands for one character: then a token covers at most as many characters as its vocabulary entry
    (byte-level entries spend one character per byte, byte-fallback entries six per byte).
    """
    if spec is None:
        return None
    model = spec.get("model") or {}
    if model.get("type") != "BPE" or (model.get("fuse_unk") and model.get("unk_token") is not None):
        return None
    if not _keeps_length(spec.get("normalizer"), _KEEPING_NORMALIZERS):
        return None
    if not _keeps_length(spec.get("pre_tokenizer"), _KEEPING_PRE_TOKENIZERS):
        return None
    pieces = [*model.get("vocab", {}), *(str(t.get("content", "")) for t in spec.get("added_tokens", []))]
    return max((len(p) for p in pieces), default=0) or None


def early_skip(prompt: str, answer: str, seq_len: int, overlong: str, bound: int | None) -> str | None:
    """The reason `fit` would skip this pair, when its characters alone prove it; None when it may fit."""
    if bound is None:
        return None
    if overlong == "drop" and len(prompt) + len(answer) > seq_len * bound:
        return too_long(seq_len)  # more than seq_len tokens before the EOS
    if overlong == "truncate" and len(prompt) > (seq_len - 1) * bound:
        return prompt_fills(seq_len)  # at least seq_len prompt tokens, then at least one answer token
    return None


def skip_after_prompt(n_prompt: int, answer: str, seq_len: int, overlong: str, bound: int | None) -> str | None:
    """The reason `fit` would skip a pair whose prompt has `n_prompt` tokens, when the answer's length proves it."""
    if bound is None:
        return None
    at_least = n_prompt + max(1, -(-len(answer) // bound))  # a non-blank answer has a token or more
    if at_least <= seq_len:
        return None
    if overlong == "drop":
        return too_long(seq_len)
    return prompt_fills(seq_len) if n_prompt >= seq_len - 1 else None


def cut_answer(answer: str, room: int, overlong: str, bound: int | None) -> str:
    """Under `truncate`, the part of a long answer worth tokenizing when `room` of its tokens can be kept.

    The part has at least 2·room + 64 tokens, so the few tokens near the cut, which may differ from those of the
    whole answer, lie far past the ones kept.
    """
    if overlong != "truncate" or bound is None:
        return answer
    limit = (2 * max(room, 0) + CUT_MARGIN) * bound
    return answer if len(answer) <= limit else answer[:limit]


def _chunks(pairs: Sequence[tuple[str, str]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = chars = 0
    for i, (prompt, answer) in enumerate(pairs):
        chars += len(prompt) + len(answer)
        if i + 1 - start >= CHUNK or chars >= CHUNK_CHARS:
            spans.append((start, i + 1))
            start, chars = i + 1, 0
    if start < len(pairs):
        spans.append((start, len(pairs)))
    return spans


def build_samples(
    rows: Sequence[Mapping[str, Any]],
    *,
    fmt: str,
    kind: str,
    tokenizer: Any,
    seq_len: int,
    overlong: str,
    skipped: Counter[str],
    bound: int | None = None,
    early: Counter[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Sample]:
    """Render and tokenize rows; a row that cannot become a sample is counted in `skipped` by reason.

    With `bound` (see `max_token_chars`), rows whose length alone rules them out are skipped without tokenizing
    and also counted in `early`: first by the characters of prompt and answer, then, once the prompts of a batch
    are tokenized, by the characters of the answer against the room the prompt leaves. `progress` is called
    with the number of rows done after each batch.
    """
    eos_id = tokenizer.eos_token_id
    if eos_id is None:
        raise OctoError("the tokenizer has no EOS token; set tokenizer.eos_token in the model directory")
    pairs: list[tuple[str, str]] = []
    done = 0
    for row in rows:
        try:
            prompt, answer = render(row, fmt, kind, tokenizer)
        except SkipRecord as reason:
            skipped[str(reason)] += 1
            done += 1
            continue
        why = early_skip(prompt, answer, seq_len, overlong, bound)
        if why is not None:
            skipped[why] += 1
            if early is not None:
                early[why] += 1
            done += 1
            continue
        pairs.append((prompt, answer))
    if progress is not None and done:
        progress(done)
    # Chat templates already start with the BOS the model expects; other formats let the tokenizer add its own.
    add_special = fmt != "chat"
    samples: list[Sample] = []
    for start, end in _chunks(pairs):
        chunk = pairs[start:end]
        prompts = tokenizer([p for p, _ in chunk], add_special_tokens=add_special)["input_ids"]
        kept: list[tuple[list[int], str]] = []
        for prompt_ids, (_, answer) in zip(prompts, chunk, strict=True):
            why = skip_after_prompt(len(prompt_ids), answer, seq_len, overlong, bound)
            if why is not None:
                skipped[why] += 1
                if early is not None:
                    early[why] += 1
                continue
            kept.append((prompt_ids, cut_answer(answer, seq_len - len(prompt_ids), overlong, bound)))
        answers = tokenizer([a for _, a in kept], add_special_tokens=False)["input_ids"] if kept else []
        for (prompt_ids, _), answer_ids in zip(kept, answers, strict=True):
            try:
                samples.append(fit(prompt_ids, answer_ids, eos_id, seq_len, overlong))
            except SkipRecord as reason:
                skipped[str(reason)] += 1
        if progress is not None:
            progress(len(chunk))
    return samples
