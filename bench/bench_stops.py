"""Generation time saved by the brace stop: the tiny test model generates HumanEvalPack synthesize answers in the brace
languages with the old stops (end of text, Go's CodeGeeX words) and with the brace stop added (`\\n}`), interleaved in
one run, and the tokens and seconds of both are compared.

Usage: python -m bench.bench_stops [--data-dir DIR] [--limit N] [--max-new-tokens N] [--rounds N] [--train-steps N]
       [--temperature T]
The model is the tests' tiny random Llama (tests/support/tiny_model.py), first trained for --train-steps steps on
the brace languages' canonical programs (prompt, solution and tests of the problems *not* generated for), so that it
writes code-shaped text with line-start braces; with 0 steps it stays random and rarely writes one. The figure shows
the mechanism and its cost on a toy, not what a real model saves.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from gitocto.backends.base import SamplingParams
from gitocto.backends.hf import HFBackend
from gitocto.bench.data import load_problems
from gitocto.bench.postprocess import BRACE_LANGS, request_stops, stop_sequences
from gitocto.bench.prompts import build_prompt

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "humanevalpack"


def main() -> int:
    """Generate with both stop sets, interleaved, and print tokens and seconds per language and in all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--train-steps", type=int, default=300)
    parser.add_argument("--temperature", type=float, default=0.0)
    args = parser.parse_args()
    from tests.support.tiny_model import build_tiny_model

    model_dir = build_tiny_model(Path(tempfile.mkdtemp(prefix="gitocto-tiny-")))
    backend = HFBackend(str(model_dir), device="cpu", batch_size=8)
    if args.train_steps:
        loss = _train(backend, args.data_dir, args.limit, args.train_steps)
        print(f"trained {args.train_steps} steps on held-out canonical programs, last loss {loss:.2f}")
    totals = {"old": [0, 0.0], "brace": [0, 0.0]}
    print("| language | old stops: tokens, s | brace stop: tokens, s | time saved |")
    print("|---|---:|---:|---:|")
    for lang in BRACE_LANGS:
        prompts = [
            build_prompt(p, "synthesize", "octocoder").text for p in load_problems(lang, args.data_dir, args.limit)
        ]
        row = {"old": [0, 0.0], "brace": [0, 0.0]}
        for round_ in range(args.rounds):
            for name, stops in (("old", stop_sequences(lang)), ("brace", request_stops(lang, "octocoder"))):
                params = SamplingParams(
                    n=1,
                    temperature=args.temperature,
                    top_p=0.95,
                    max_new_tokens=args.max_new_tokens,
                    stop=stops,
                    seed=round_,
                )
                start = time.perf_counter()
                out = backend.complete_generations(prompts, params)
                row[name][1] += time.perf_counter() - start
                row[name][0] += sum(g.completion_tokens for sample in out for g in sample)
                if name == "brace" and round_ == 0:
                    print(f"{lang}: first brace-stop sample {out[0][0].text[:120]!r}", file=sys.stderr)
        for name in row:
            totals[name][0] += row[name][0]
            totals[name][1] += row[name][1]
        saved = 1 - row["brace"][1] / row["old"][1]
        print(
            f"| {lang} | {row['old'][0]}, {row['old'][1]:.1f} | {row['brace'][0]}, {row['brace'][1]:.1f} | "
            f"{100 * saved:.0f}% |"
        )
    saved = 1 - totals["brace"][1] / totals["old"][1]
    print(
        f"| **all** | {totals['old'][0]}, {totals['old'][1]:.1f} | {totals['brace'][0]}, {totals['brace'][1]:.1f} "
        f"| {100 * saved:.0f}% |"
    )
    return 0


def _train(backend: HFBackend, data_dir: Path, skip: int, steps: int) -> float:
    """A few hundred steps of next-token training on canonical programs of the brace languages (problems after the
    first `skip`, which are the ones generated for), so that the toy writes braces and line breaks."""
    import torch

    texts = [
        p.prompt + p.canonical_solution + "\n" + p.test
        for lang in BRACE_LANGS
        for p in load_problems(lang, data_dir)[skip:]
    ]
    model, tok = backend.model, backend.tokenizer
    model.train()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    loss = torch.tensor(0.0)
    for _ in range(steps):
        batch = [texts[int(i)] for i in torch.randint(len(texts), (8,), generator=gen)]
        enc = tok(batch, return_tensors="pt", padding=True, truncation=True, max_length=256)
        labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
        loss = model(**enc, labels=labels).loss
        loss.backward()
        optim.step()
        optim.zero_grad()
    model.eval()
    return float(loss.detach())


if __name__ == "__main__":
    sys.exit(main())
