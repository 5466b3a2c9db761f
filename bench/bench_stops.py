"""Generation time saved by the brace stop: the tiny test model generates HumanEvalPack synthesize answers in the brace
languages with the old stops (end of text, Go's CodeGeeX words) and with the brace stop added (`\\n}`), interleaved in
one run, and the tokens and seconds of both are compared.

Usage: python bench/bench_stops.py [--data-dir DIR] [--limit N] [--max-new-tokens N] [--rounds N]
The model is random (tests/tiny_model.py), so the figure is about how often its samples hit a line-start `}`
before the token limit, not about a real model's answers; it shows the mechanism and its cost, nothing more.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from gitocto.backends.base import SamplingParams  # noqa: E402
from gitocto.backends.hf import HFBackend  # noqa: E402
from gitocto.bench.data import load_problems  # noqa: E402
from gitocto.bench.postprocess import BRACE_LANGS, request_stops, stop_sequences  # noqa: E402
from gitocto.bench.prompts import build_prompt  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "humanevalpack"


def main() -> int:
    """Generate with both stop sets, interleaved, and print tokens and seconds per language and in all."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=8)
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from tiny_model import build_tiny_model

    model_dir = build_tiny_model(Path(tempfile.mkdtemp(prefix="gitocto-tiny-")))
    backend = HFBackend(str(model_dir), device="cpu", batch_size=8)
    totals = {"old": [0, 0.0], "brace": [0, 0.0]}
    print("| language | old stops: tokens, s | brace stop: tokens, s | time saved |")
    print("|---|---:|---:|---:|")
    for lang in BRACE_LANGS:
        prompts = [build_prompt(p, "synthesize", "octocoder").text for p in load_problems(lang, args.data_dir,
                                                                                            args.limit)]
        row = {"old": [0, 0.0], "brace": [0, 0.0]}
        for round_ in range(args.rounds):
            for name, stops in (("old", stop_sequences(lang)), ("brace", request_stops(lang, "octocoder"))):
                params = SamplingParams(n=1, temperature=1.0, top_p=0.95, max_new_tokens=args.max_new_tokens,
                                        stop=stops, seed=round_)
                start = time.perf_counter()
                out = backend.complete_generations(prompts, params)
                row[name][1] += time.perf_counter() - start
                row[name][0] += sum(g.completion_tokens for sample in out for g in sample)
        for name in row:
            totals[name][0] += row[name][0]
            totals[name][1] += row[name][1]
        saved = 1 - row["brace"][1] / row["old"][1]
        print(f"| {lang} | {row['old'][0]}, {row['old'][1]:.1f} | {row['brace'][0]}, {row['brace'][1]:.1f} | "
              f"{100 * saved:.0f}% |")
    saved = 1 - totals["brace"][1] / totals["old"][1]
    print(f"| **all** | {totals['old'][0]}, {totals['old'][1]:.1f} | {totals['brace'][0]}, {totals['brace'][1]:.1f} "
          f"| {100 * saved:.0f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
