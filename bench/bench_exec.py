"""Wall time and programs/s of `git octo bench --check canonical` over all 984 HumanEvalPack programs.

Usage: python -m bench.bench_exec [--data-dir DIR] [--workers N] [--lang all] [--limit N]
Prints one Markdown table row per language (programs, passed, mean seconds per program) and the total.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from gitocto.bench.check import run_check
from gitocto.bench.data import parse_langs
from gitocto.execution.pool import default_workers

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "humanevalpack"


def main() -> int:
    """Run the canonical check once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--lang", default="all")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    langs = parse_langs(args.lang)
    workers = args.workers or default_workers()
    outcome = run_check("canonical", langs, args.data_dir, args.limit, workers)
    cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | cut -d: -f2"], capture_output=True, text=True)
    print(
        f"date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({cpu.stdout.strip()}); "
        f"{workers} workers; python {platform.python_version()}"
    )
    print("| language | programs | passed | mean s/program (one worker) |")
    print("|---|---:|---:|---:|")
    for lang in langs:
        n = outcome.total[lang]
        print(f"| {lang} | {n} | {outcome.passed[lang]} | {outcome.busy[lang] / max(n, 1):.2f} |")
    total = sum(outcome.total.values())
    print(
        f"| **all** | {total} | {sum(outcome.passed.values())} | wall {outcome.seconds:.1f} s, "
        f"{total / outcome.seconds:.2f} programs/s |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
