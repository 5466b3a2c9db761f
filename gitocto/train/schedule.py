"""Learning-rate schedules (transformers' cosine, linear and constant with linear warm-up), built on torch alone.

Importing `transformers.get_scheduler` pulls in the Trainer's utilities and peft, seconds before the first
step; these are the same formulas as a torch LambdaLR.
"""

from __future__ import annotations

import functools
import math
from typing import Any


def lr_factor(step: int, *, kind: str, warmup: int, total: int) -> float:
    """The multiple of the peak learning rate at `step`: linear warm-up, then cosine to 0, linear to 0 or flat."""
    if step < warmup:
        return step / max(1, warmup)
    if kind == "constant":
        return 1.0
    if kind == "linear":
        return max(0.0, (total - step) / max(1, total - warmup))
    progress = (step - warmup) / max(1, total - warmup)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))


def make_scheduler(optimizer: Any, kind: str, warmup: int, total: int) -> Any:
    """A LambdaLR following `lr_factor`; its state (the step) is saved and restored with checkpoints."""
    from torch.optim.lr_scheduler import LambdaLR

    return LambdaLR(optimizer, functools.partial(lr_factor, kind=kind, warmup=warmup, total=total))
