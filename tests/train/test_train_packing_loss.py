"""Packed rows give the same loss as one sample per row: no sample attends to or predicts another."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from gitocto.train.config import TrainConfig
from gitocto.train.corpus import load_corpus
from gitocto.train.model import load_model, load_tokenizer
from gitocto.train.packing import collate, collate_packed, micro_batches
from gitocto.train.recipe import loss_sum
from gitocto.train.tokenization import Sample


def mean_loss(model: object, samples: list[Sample], pad_id: int, packing: bool, batch_size: int, attn: str) -> float:
    total, tokens = 0.0, 0
    with torch.no_grad():
        for mb in micro_batches(samples, batch_size, 256, packing):
            batch = collate(mb, pad_id, 256, packing, attn)
            total += float(loss_sum(model, batch))
            tokens += batch.n_loss
    return total / tokens


@pytest.mark.parametrize("attn", ["sdpa", "eager"])
def test_packed_loss_equals_unpacked_loss(
    make_config: Callable[..., TrainConfig], commits_file: Path, attn: str
) -> None:
    config = make_config(data=[str(commits_file)], seq_len=256)
    tokenizer = load_tokenizer(config.model)
    samples = load_corpus(config, tokenizer).groups[0]
    model = load_model(config.model, attn_implementation=attn, vocab_size=len(tokenizer))
    pad = tokenizer.pad_token_id
    rows = micro_batches(samples, 4, 256, packing=True)
    assert max(len(row) for mb in rows for row in mb) >= 3  # several samples really share a row

    packed = mean_loss(model, samples, pad, packing=True, batch_size=4, attn=attn)
    unpacked = mean_loss(model, samples, pad, packing=False, batch_size=3, attn=attn)
    assert packed == pytest.approx(unpacked, rel=1e-5)

    # Without our 4D mask, transformers derives the same block-diagonal mask from the position ids.
    derived_total = 0.0
    with torch.no_grad():
        for mb in rows:
            derived_total += float(loss_sum(model, collate_packed(mb, pad, 256, flatten=False, mask=None)))
    assert derived_total / sum(s.n_loss for s in samples) == pytest.approx(unpacked, rel=1e-5)

    # The check can fail: letting packed samples attend to each other changes the loss.
    leaky_total = 0.0
    with torch.no_grad():
        for mb in rows:
            batch = collate(mb, pad, 256, True, attn)
            del batch.inputs["attention_mask"]
            batch.inputs["position_ids"] = torch.arange(256).expand_as(batch.inputs["input_ids"])
            leaky_total += float(loss_sum(model, batch))
    assert leaky_total / sum(s.n_loss for s in samples) != pytest.approx(unpacked, rel=1e-5)


def test_flattened_rows_give_the_same_loss(make_config: Callable[..., TrainConfig], commits_file: Path) -> None:
    config = make_config(data=[str(commits_file)], seq_len=256)
    tokenizer = load_tokenizer(config.model)
    samples = load_corpus(config, tokenizer).groups[0]
    model = load_model(config.model, attn_implementation="sdpa", vocab_size=len(tokenizer))
    with torch.no_grad():
        mb = micro_batches(samples, 4, 256, packing=True)[0]
        rows = collate(mb, tokenizer.pad_token_id, 256, True, "sdpa")
        flat = collate_packed(mb, tokenizer.pad_token_id, 256, flatten=True)
        assert flat.inputs["input_ids"].shape[0] == 1
        assert float(loss_sum(model, flat)) == pytest.approx(float(loss_sum(model, rows)), rel=1e-5)


def test_prompt_tokens_carry_no_loss(make_config: Callable[..., TrainConfig], commits_file: Path) -> None:
    config = make_config(data=[str(commits_file)])
    tokenizer = load_tokenizer(config.model)
    corpus = load_corpus(config, tokenizer)
    assert corpus.skipped == Counter()
    sample = corpus.groups[0][0]
    labels = sample.labels()
    prompt = tokenizer.decode(list(sample.ids[: sample.n_prompt]))
    answer = tokenizer.decode([t for t in labels if t != -100])
    assert prompt.startswith("Question: Fix bugs in add") and prompt.endswith("\n\nAnswer:")
    assert answer.startswith(" def add(a, b):") and answer.endswith("<|endoftext|>")
    assert all(t == -100 for t in labels[: sample.n_prompt])
