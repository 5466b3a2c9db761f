"""The optional HumanEvalPack run at the end of training, through `git octo bench` when it is installed."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

from gitocto import console


def bench_after_training(model_dir: Path, args: str) -> int:
    """Run `git octo bench --model MODEL_DIR ARGS` on the saved model; its exit code becomes the run's.

    The hf backend runs it unless ARGS name a --backend; results go beside the model
    (MODEL_DIR/humanevalpack-results.json) unless ARGS name an --output.
    """
    extra = shlex.split(args)
    if not any(a == "--backend" or a.startswith("--backend=") for a in extra):
        extra += ["--backend", "hf"]
    if not any(a in ("-o", "--output") or a.startswith("--output=") for a in extra):
        extra += ["--output", str(model_dir / "humanevalpack-results.json")]
    command = [sys.executable, "-m", "gitocto", "bench", "--model", str(model_dir), *extra]
    console.note(f"git octo {shlex.join(command[3:])}", command="train", flush=True)
    return subprocess.run(command, check=False).returncode
