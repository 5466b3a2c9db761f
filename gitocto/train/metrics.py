"""Throughput and model FLOPs utilisation (MFU).

FLOPs per step follow the PaLM appendix: a forward pass costs 2 FLOPs per weight per token and the backward pass
twice that, plus 12·layers·hidden·context per token for attention scores (no discount for the causal mask).  Two
refinements: the context is each sample's own length (packed samples do not attend across each other, padding
does no useful work), and frozen weights (LoRA) cost 4 FLOPs per token instead of 6, since their weight gradients
are never computed.  Gradient-checkpointing recomputation is not counted: MFU, not hardware utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Dense bf16/fp16 tensor-core peaks in TFLOP/s, from the vendors' data sheets; matched in order against the
# CUDA device name, so more specific names come first.  Anything else needs --peak-tflops.
PEAK_TFLOPS_BF16: tuple[tuple[str, float], ...] = (
    ("H200", 989.0),
    ("GH200", 989.0),
    ("H100 PCIe", 756.0),
    ("H100", 989.0),  # SXM and NVL
    ("H800", 989.0),
    ("A100", 312.0),
    ("A800", 312.0),
    ("L40S", 362.0),
    ("L4", 121.0),
    ("A10G", 70.0),
    ("A10", 125.0),
    ("RTX 4090", 165.0),
    ("RTX 3090", 71.0),
    ("V100", 125.0),
    ("T4", 65.0),
)


def peak_tflops(device_name: str) -> float | None:
    """The table's dense bf16 peak for a CUDA device name, or None when the device is not listed."""
    for key, value in PEAK_TFLOPS_BF16:
        if key.lower() in device_name.lower():
            return value
    return None


@dataclass(frozen=True)
class FlopModel:
    """What the FLOP count needs to know about a model."""

    matmul_params: int  # weights that take part in matmuls: all but the input embedding (unless tied to the head)
    trainable_params: int
    n_layers: int
    hidden: int

    def step_flops(self, n_tokens: int, attn_sq: int) -> float:
        """Training FLOPs for `n_tokens` real tokens whose samples' squared lengths sum to `attn_sq`."""
        frozen = self.matmul_params - min(self.trainable_params, self.matmul_params)
        dense = 6 * (self.matmul_params - frozen) + 4 * frozen
        return float(dense * n_tokens + 12 * self.n_layers * self.hidden * attn_sq)


def flop_model(model: Any) -> FlopModel:
    """Count a transformers model's matmul and trainable parameters and read its depth and width from its config."""
    config = model.config
    embed = model.get_input_embeddings()
    head = model.get_output_embeddings()
    embed_params = sum(p.numel() for p in embed.parameters()) if embed is not None else 0
    tied = head is not None and embed is not None and head.weight is embed.weight
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    text_config = config.get_text_config() if hasattr(config, "get_text_config") else config
    layers = getattr(text_config, "num_hidden_layers", None) or getattr(text_config, "n_layer", None) or 0
    hidden = getattr(text_config, "hidden_size", None) or getattr(text_config, "n_embd", None) or 0
    return FlopModel(total - (0 if tied else embed_params), trainable, int(layers), int(hidden))


def mfu(flops: float, seconds: float, peak: float | None, devices: int = 1) -> float | None:
    """Achieved FLOP/s over the peak of all `devices` (each `peak` TFLOP/s), or None when the peak is unknown.

    `flops` is the work of every device together (the tokens of all processes), so it is measured against all
    of their peaks, as tokens/s counts all processes' tokens.
    """
    if peak is None or seconds <= 0:
        return None
    return flops / seconds / (peak * 1e12 * devices)
