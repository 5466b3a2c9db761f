"""Checkpoints: accelerate's model/optimizer/scheduler/RNG state plus where the run was in its data."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gitocto.errors import OctoError

STATE_FILE = "trainer_state.json"
PREFIX = "step-"


@dataclass
class TrainState:
    """Progress that a resumed run must continue from: optimizer steps done and the data position."""

    step: int = 0
    epoch: int = 0
    micro_batch: int = 0  # next micro-batch of `epoch` to train on
    fingerprint: str = ""  # of the training samples, so a resume on changed data is refused


def checkpoint_dir(output: Path, step: int) -> Path:
    """Where the checkpoint of `step` lives."""
    return output / "checkpoints" / f"{PREFIX}{step:08d}"


def latest(output: Path) -> Path | None:
    """The newest complete checkpoint under `output`, or None."""
    root = output / "checkpoints"
    if not root.is_dir():
        return None
    done = [d for d in root.iterdir() if d.name.startswith(PREFIX) and (d / STATE_FILE).is_file()]
    return max(done, key=lambda d: d.name) if done else None


def save(accelerator: Any, output: Path, state: TrainState, config: dict[str, Any]) -> Path:
    """Write a checkpoint; the state file goes last, so a checkpoint without it is incomplete and ignored."""
    target = checkpoint_dir(output, state.step)
    if accelerator.is_main_process and target.exists():
        shutil.rmtree(target)
    accelerator.wait_for_everyone()
    # torch.save handles tied weights, which safetensors refuses.
    accelerator.save_state(str(target), safe_serialization=False)
    if accelerator.is_main_process:
        (target / "train-config.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
        (target / STATE_FILE).write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")
    accelerator.wait_for_everyone()
    return target


def resolve(resume: str, output: Path) -> Path:
    """The checkpoint `--resume` names: 'latest' (the newest under the output directory) or a checkpoint path."""
    if resume == "latest":
        found = latest(output)
        if found is None:
            raise OctoError(f"nothing to resume: no checkpoint under {output / 'checkpoints'}")
        return found
    path = Path(resume)
    if not (path / STATE_FILE).is_file():
        raise OctoError(f"not a complete checkpoint: {path} (no {STATE_FILE})")
    return path


def load(accelerator: Any, path: Path, fingerprint: str) -> TrainState:
    """Restore model, optimizer, scheduler and RNG state from `path` and return the saved progress."""
    state = TrainState(**json.loads((path / STATE_FILE).read_text(encoding="utf-8")))
    if state.fingerprint != fingerprint:
        raise OctoError(
            f"cannot resume from {path}: the training data or its settings "
            "(format, seq_len, packing, batch_size, seed, weights) changed"
        )
    accelerator.load_state(str(path))
    return state
