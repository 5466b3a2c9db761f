"""Training throughput and MFU of `git octo train` with packing against the same run without packing.

A Llama-architecture model with random weights (default: TinyLlama-1.1B's shape) is trained by the real recipe
(`gitocto.train.recipe.train`) on synthetic samples whose lengths vary like commit records, once packed and once
one sample per row; the script reports loss-bearing tokens/s, all tokens/s and MFU, medians over the steps after
the warm-up, and the packing speed-up.

    python -m bench.train_bench                       # ~1.1B, bf16, seq 2048 (a GPU)
    python -m bench.train_bench --tiny --steps 8      # a few-million-parameter model on CPU

Sample lengths: lognormal around --median-tokens (sigma --sigma), clipped to the sequence length, half prompt
and half answer like a commit's old and new file; or, with --lengths-from FILE.jsonl, the lengths of real
`git octo extract` records at --chars-per-token. MFU needs the device's peak: the table in
gitocto/train/metrics.py for known GPUs, --peak-tflops otherwise; on CPU the script measures an fp32 matmul
peak and reports MFU against it (say so when quoting it).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--layers", type=int, default=22)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=5632)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--seq-len", type=int, default=2048)
    p.add_argument("--batch-size", type=int, default=8, help="rows (packed) or samples (unpacked) per step")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5, help="first steps left out of the medians")
    p.add_argument("--samples", type=int, default=4000)
    p.add_argument("--median-tokens", type=int, default=400)
    p.add_argument("--sigma", type=float, default=0.9)
    p.add_argument("--lengths-from", type=Path, help="JSONL of extract records to take sample lengths from")
    p.add_argument("--chars-per-token", type=float, default=3.5)
    p.add_argument("--precision", default="auto", choices=["auto", "bf16", "fp32"])
    p.add_argument("--attn", default="auto", help="auto, sdpa, eager, flash_attention_2")
    p.add_argument("--gradient-checkpointing", action="store_true")
    p.add_argument("--peak-tflops", type=float, help="device peak for MFU (default: table, or measured on CPU)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate packed and unpacked runs this many times (evens out a busy machine)",
    )
    p.add_argument("--threads", type=int, help="torch CPU threads")
    p.add_argument("--tiny", action="store_true", help="shrink the model and data for a CPU run")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    if args.tiny:
        args.hidden, args.layers, args.heads, args.kv_heads, args.intermediate = 128, 4, 4, 4, 512
        args.vocab, args.seq_len, args.batch_size, args.samples = 2048, 1024, 4, 600
        args.median_tokens = 160
    return args


def sample_lengths(args: argparse.Namespace, rng: random.Random) -> list[int]:
    """Token lengths of the synthetic samples (prompt + answer), never more than the sequence length."""
    if args.lengths_from:
        lengths = []
        with args.lengths_from.open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                chars = sum(len(r.get(k) or "") for k in ("subject", "old_contents", "new_contents"))
                lengths.append(chars / args.chars_per_token)
        base = [max(8, min(args.seq_len - 8, int(n))) for n in lengths if n > 0]
        return [rng.choice(base) for _ in range(args.samples)]
    mu = math.log(args.median_tokens)
    return [max(8, min(args.seq_len - 8, int(rng.lognormvariate(mu, args.sigma)))) for _ in range(args.samples)]


def write_model(path: Path, args: argparse.Namespace) -> None:
    """A random Llama of the requested shape and a word-level tokenizer whose words are single tokens."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<eos>": 1, "<pad>": 2, **{f"w{i}": i + 3 for i in range(args.vocab - 3)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"
    )
    fast.save_pretrained(path)
    config = LlamaConfig(
        vocab_size=args.vocab,
        hidden_size=args.hidden,
        intermediate_size=args.intermediate,
        num_hidden_layers=args.layers,
        num_attention_heads=args.heads,
        num_key_value_heads=args.kv_heads,
        max_position_embeddings=args.seq_len,
        eos_token_id=1,
        pad_token_id=2,
        bos_token_id=1,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config)
    model.to(torch.bfloat16).save_pretrained(path)  # type: ignore[arg-type]  # transformers' .to stub
    del model


def write_data(path: Path, lengths: list[int], vocab: int, rng: random.Random) -> None:
    """Instruction records of the given token lengths (the format's own words add a few more)."""
    with path.open("w", encoding="utf-8") as fh:
        for n in lengths:
            words = [f"w{rng.randrange(vocab - 3)}" for _ in range(n)]
            half = max(1, n // 2)
            record = {"instruction": " ".join(words[:half]), "response": " " + " ".join(words[half:])}
            fh.write(json.dumps(record) + "\n")


def cpu_matmul_peak() -> float:
    """Achieved fp32 TFLOP/s of a large square matmul on this CPU: the ceiling MFU is quoted against on CPU."""
    import torch

    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    reps = 20
    start = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e12


def run(
    model_dir: Path, data: Path, out: Path, packing: bool, args: argparse.Namespace, peak: float | None
) -> list[dict[str, Any]]:
    """Train with or without packing; return the per-step metrics after the warm-up."""
    from gitocto.train.config import build_config
    from gitocto.train.recipe import train

    config = build_config(
        {
            "model": str(model_dir),
            "data": [str(data)],
            "output": str(out),
            "format": "octocoder",
            "seq_len": args.seq_len,
            "batch_size": args.batch_size,
            "max_steps": args.steps,
            "lr": 1e-4,
            "lr_scheduler": "constant",
            "packing": packing,
            "precision": args.precision,
            "gradient_checkpointing": args.gradient_checkpointing,
            "attn_implementation": args.attn,
            "overlong": "truncate",
            "peak_tflops": peak,
            "log_every": 1,
        },
        {},
    )
    train(config)
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [s for s in steps if "tokens_per_s" in s][args.warmup :]


def summary(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the measured steps of all rounds."""
    mfus = [s["mfu"] for s in steps if s["mfu"] is not None]
    return {
        "steps_measured": len(steps),
        "loss_tokens_per_s": statistics.median(s["tokens_per_s"] for s in steps),
        "all_tokens_per_s": statistics.median(s["all_tokens_per_s"] for s in steps),
        "mfu": statistics.median(mfus) if mfus else None,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rng = random.Random(0)
    lengths = sample_lengths(args, rng)
    peak = args.peak_tflops
    peak_note = "--peak-tflops" if peak else "table"
    if peak is None and not torch.cuda.is_available():
        peak, peak_note = cpu_matmul_peak(), "measured fp32 matmul"
    device = torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_model(root / "model", args)
        write_data(root / "data.jsonl", lengths, args.vocab, rng)
        steps: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        for r in range(args.rounds):
            for packing in (True, False) if r % 2 == 0 else (False, True):
                out = root / f"run-{r}-{'packed' if packing else 'unpacked'}"
                steps[packing] += run(root / "model", root / "data.jsonl", out, packing, args, peak)
        packed, padded = summary(steps[True]), summary(steps[False])
    n_params = args.vocab * args.hidden * 2 + args.layers * (
        4 * args.hidden * args.hidden * (1 + args.kv_heads / args.heads) / 2 + 3 * args.hidden * args.intermediate
    )
    result = {
        "device": device,
        "params_approx": int(n_params),
        "seq_len": args.seq_len,
        "batch_size": args.batch_size,
        "steps": args.steps,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "threads": torch.get_num_threads(),
        "median_len": int(statistics.median(lengths)),
        "mean_len": int(statistics.mean(lengths)),
        "peak_tflops": peak,
        "peak_source": peak_note,
        "packed": packed,
        "unpacked": padded,
        "packing_speedup_loss_tokens": packed["loss_tokens_per_s"] / padded["loss_tokens_per_s"],
    }
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
