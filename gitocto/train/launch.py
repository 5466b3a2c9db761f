"""What the recipe tells accelerate's launch plugins that they would otherwise read from a DataLoader."""

from __future__ import annotations

from typing import Any

from gitocto.errors import OctoError


def set_deepspeed_batch(plugin: Any, batch_size: int, grad_accum: int) -> None:
    """Fill DeepSpeed's micro-batch size and accumulation from the config before `prepare()`.

    accelerate takes "auto" values from the DataLoaders passed to `prepare()`; the recipe builds its own
    micro-batches and passes none, so without this DeepSpeed refuses to start. A value the DeepSpeed config sets
    to something else than the recipe does is an error rather than a silently wrong batch size.
    """
    config: dict[str, Any] = plugin.deepspeed_config
    flags = {
        "train_micro_batch_size_per_gpu": ("batch_size", batch_size),
        "gradient_accumulation_steps": ("grad_accum", grad_accum),
    }
    for key, (flag, value) in flags.items():
        given = config.get(key, "auto")
        if given == "auto":
            config[key] = value
        elif given != value:
            raise OctoError(
                f"the DeepSpeed config sets {key} to {given} but the recipe's {flag} is {value}; "
                f"set {key} to auto (the recipe fills it in) or {flag} to {given}"
            )
