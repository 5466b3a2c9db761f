"""A tiny random Llama with a BPE tokenizer trained on your records: a model to try `git octo train` offline.

python -m gitocto.train.tiny OUT_DIR [--data records.jsonl ...] [--hidden 64] [--layers 2] [--vocab 512]
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from pathlib import Path

from gitocto import console
from gitocto.errors import OctoError

FALLBACK_CORPUS = ["def add(a, b):\n    return a + b\n", "Question: Fix bugs in add.\n\nAnswer:", "Fix typo\n"]
TEXT_COLUMNS = ("subject", "old_contents", "new_contents", "instruction", "response")


def corpus(paths: Sequence[str]) -> Iterator[str]:
    """The text of the records' columns the formats use, or a few lines of code when no data is given."""
    from gitocto.train.data import data_files, read_records

    if not paths:
        yield from FALLBACK_CORPUS
        return
    for path in paths:
        for file in data_files(path):
            for row in read_records(file).rows:
                for column in TEXT_COLUMNS:
                    value = row.get(column)
                    if isinstance(value, str) and value:
                        yield value
    yield "Question: Answer:"


def build(out: Path, data: Sequence[str], hidden: int, layers: int, vocab: int, seed: int = 0) -> Path:
    """Train the tokenizer, build a random model of the given size and save both to `out`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from transformers.utils import logging

    logging.disable_progress_bar()  # type: ignore[no-untyped-call]

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab,
        special_tokens=["<|endoftext|>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus(data), trainer=trainer)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, eos_token="<|endoftext|>", bos_token="<|endoftext|>", pad_token="<pad>"
    )
    fast.save_pretrained(out)
    torch.manual_seed(seed)
    heads = max(1, hidden // 16)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=hidden,
        intermediate_size=hidden * 4,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=4096,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: parse arguments, build the model, say where it went."""
    p = argparse.ArgumentParser(prog="python -m gitocto.train.tiny", description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--data", action="append", default=[], help="records to train the tokenizer on (repeatable)")
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab", type=int, default=512)
    args = p.parse_args(argv)
    try:
        build(args.out, args.data, args.hidden, args.layers, args.vocab)
    except OctoError as exc:
        console.line(f"error: {exc}", err=True)
        return 1
    console.line(f"tiny model written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
