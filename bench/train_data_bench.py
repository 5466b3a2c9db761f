"""How fast `git octo train` turns records into samples, the first time and from the sample cache.

    git octo extract /work/repos/click -o /tmp/click.jsonl
    python -m bench.train_data_bench --data /tmp/click.jsonl [--model TINY_DIR] [--baseline]

With the recipe (default `train/tiny-cpu.yaml`) and the model's tokenizer (default: a tiny model built like
`python -m gitocto.train.tiny`, its tokenizer trained on the first --tokenizer-records records), the script:

1. loads the corpus as `git octo train` does, with an empty sample cache: MB/s of data file per second;
2. loads it again: the samples come from the cache;
3. with --baseline, loads it with neither the length bound nor the cache (every record tokenized whole, as before
   the bound existed): the ratio to (1) is the bound's gain, measured in the same run;
4. runs `git octo train --max-steps 2 --log-every 1` twice on a fresh cache and reports the seconds from start
   to the `step 1` line: the first run tokenizes, the second takes the samples from the cache.

The sample cache goes to a temporary $XDG_CACHE_HOME, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="records from git octo extract (JSONL/Parquet)")
    p.add_argument("--model", help="model directory or id whose tokenizer to use (default: build a tiny one)")
    p.add_argument("--config", type=Path, default=ROOT / "train" / "tiny-cpu.yaml")
    p.add_argument("--tokenizer-records", type=int, default=300, help="records to train the tiny tokenizer on")
    p.add_argument("--baseline", action="store_true", help="also tokenize every record whole, without the bound")
    p.add_argument("--no-train", action="store_true", help="skip the two `git octo train` runs")
    p.add_argument("--json", type=Path, help="write the figures here too")
    return p.parse_args(argv)


def tiny_model(data: Path, n_records: int, workdir: Path) -> str:
    """A tiny model whose tokenizer learnt from the first records (the tokenizer's training is not timed)."""
    from gitocto.train.tiny import build

    sample = workdir / "tokenizer-records.jsonl"
    with data.open(encoding="utf-8") as src, sample.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n_records:
                break
            dst.write(line)
    return str(build(workdir / "tiny-model", [str(sample)], hidden=64, layers=2, vocab=512))


def load_once(config: Any, tokenizer: Any, *, bounded: bool = True) -> dict[str, Any]:
    """Time one corpus load; `bounded=False` turns the length bound off (the cache too) for the baseline."""
    from gitocto.train import corpus as corpus_module
    from gitocto.train.data import data_files
    from gitocto.train.tokenization import max_token_chars

    if not bounded:  # the corpus loader then finds no bound for any tokenizer
        setattr(corpus_module, "max_token_chars", lambda spec: None)  # noqa: B010
    try:
        start = time.perf_counter()
        corpus = corpus_module.load_corpus(config, tokenizer)
        seconds = time.perf_counter() - start
    finally:
        setattr(corpus_module, "max_token_chars", max_token_chars)  # noqa: B010
    mb = sum(f.stat().st_size for source in config.data for f in data_files(source.path)) / 1e6
    return {
        "seconds": seconds,
        "mb": mb,
        "mb_per_s": mb / seconds,
        "records": corpus.n_records,
        "samples": sum(len(g) for g in corpus.groups) + len(corpus.eval_samples),
        "skipped": sum(corpus.skipped.values()),
        "skipped_early": sum(corpus.early.values()),
        "from_cache": corpus.stats.cached_files > 0,
    }


def seconds_to_step_1(args: argparse.Namespace, model: str, output: Path, env: dict[str, str]) -> float:
    """Run `git octo train` and return the seconds from its start to its `step 1` line."""
    cmd = [
        sys.executable,
        "-m",
        "gitocto",
        "train",
        "--config",
        str(args.config),
        "--model",
        model,
        "--data",
        str(args.data),
        "--output",
        str(output),
        "--max-steps",
        "2",
        "--log-every",
        "1",
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stderr is not None
    seen = None
    for line in proc.stderr:
        print(f"    {line.rstrip()}", file=sys.stderr)
        if seen is None and line.startswith("git octo train: step 1 |"):
            seen = time.perf_counter() - start
    if proc.wait() != 0 or seen is None:
        raise SystemExit(f"git octo train failed (exit {proc.returncode})")
    return seen


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gitocto.train.config import build_config, load_recipe
    from gitocto.train.model import load_tokenizer

    with tempfile.TemporaryDirectory(prefix="train-data-bench-") as tmp:
        work = Path(tmp)
        model = args.model or tiny_model(args.data, args.tokenizer_records, work)
        os.environ["XDG_CACHE_HOME"] = str(work / "cache-a")
        config = build_config(
            load_recipe(args.config), {"model": model, "data": [str(args.data)], "output": str(work / "out")}
        )
        tokenizer = load_tokenizer(model)
        rows: dict[str, dict[str, Any]] = {}
        rows["first run"] = load_once(config, tokenizer)
        rows["cached run"] = load_once(config, tokenizer)
        if args.baseline:
            config.data_cache = False
            rows["baseline: no bound, no cache"] = load_once(config, tokenizer, bounded=False)
        first = rows["first run"]
        print(
            f"\ndata {args.data} ({first['mb']:.1f} MB, {first['records']:,} records), recipe {args.config.name}, "
            f"seq_len {config.seq_len}, overlong {config.overlong}, tokenizer {type(tokenizer).__name__} "
            f"(vocab {len(tokenizer):,})"
        )
        print("| load | seconds | MB/s | samples | skipped (of them before tokenizing) |")
        print("|---|---:|---:|---:|---:|")
        for name, r in rows.items():
            print(
                f"| {name} | {r['seconds']:.2f} | {r['mb_per_s']:.1f} | {r['samples']:,} | "
                f"{r['skipped']:,} ({r['skipped_early']:,}) |"
            )
        if args.baseline:
            base = rows["baseline: no bound, no cache"]["seconds"]
            print(
                f"first run vs baseline: {base / first['seconds']:.1f}x faster; cached run vs first run: "
                f"{first['seconds'] / rows['cached run']['seconds']:.1f}x faster"
            )
        report: dict[str, Any] = {"loads": rows}
        if not args.no_train:
            env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache-b"), "PYTHONPATH": str(ROOT)}
            cold = seconds_to_step_1(args, model, work / "train-1", env)
            warm = seconds_to_step_1(args, model, work / "train-2", env)
            report["step_1_s"] = {"first": cold, "cached": warm}
            print(f"git octo train, seconds from start to step 1: first run {cold:.1f}, cached run {warm:.1f}")
        if args.json:
            args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
