"""`git octo train`: a recipe file and command-line overrides into one checked config, then the training run."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from gitocto import hub


@dataclass(frozen=True)
class Options:
    """What `git octo train` takes: a recipe file and the flags that override it (None: not given)."""

    config_path: str | None = None
    model: str | None = None
    data: tuple[str, ...] = ()
    output: str | None = None
    max_steps: int | None = None
    epochs: float | None = None
    seq_len: int | None = None
    lr: float | None = None
    batch_size: int | None = None
    grad_accum: int | None = None
    lora: bool | None = None
    packing: bool | None = None
    overlong: str | None = None
    precision: str | None = None
    gradient_checkpointing: bool | None = None
    optim: str | None = None
    save_every: int | None = None
    resume: str | None = None
    eval_fraction: float | None = None
    eval_every: int | None = None
    log_every: int | None = None
    seed: int | None = None
    report_to: tuple[str, ...] = ()
    peak_tflops: float | None = None
    format: str | None = None
    bench: str | None = None

    def overrides(self) -> dict[str, Any]:
        """The config keys the flags set, as the config takes them (lists, not tuples); None where not given."""
        return {
            field.name: (list(value) if isinstance(value := getattr(self, field.name), tuple) else value)
            for field in dataclasses.fields(self)
            if field.name != "config_path"
        }


def run(options: Options) -> int:
    """Merge the recipe with the flags, check the result, and train."""
    from gitocto.train.config import build_config, load_recipe

    recipe = load_recipe(options.config_path) if options.config_path else {}
    hub.need_model(options.model or recipe.get("model"))
    from gitocto.train.recipe import train

    return train(build_config(recipe, options.overrides(), where=options.config_path or "command line"))
