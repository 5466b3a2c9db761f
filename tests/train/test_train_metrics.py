"""The FLOP count behind MFU, and the peak table."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitocto.train.metrics import FlopModel, flop_model, mfu, peak_tflops
from gitocto.train.model import apply_lora, load_model


def test_flop_model_counts_matmul_weights(tiny_model_dir: Path) -> None:
    model = load_model(str(tiny_model_dir), attn_implementation="sdpa", vocab_size=0)
    fm = flop_model(model)
    total = sum(p.numel() for p in model.parameters())
    embed = model.get_input_embeddings().weight.numel()
    assert fm == FlopModel(total - embed, total, 2, 32)
    assert fm.step_flops(100, 100 * 100) == 6 * (total - embed) * 100 + 12 * 2 * 32 * 100 * 100

    lora = flop_model(apply_lora(model, 4, 8, 0.0, "all-linear", []))
    assert lora.trainable_params < lora.matmul_params
    frozen = lora.matmul_params - lora.trainable_params
    assert lora.step_flops(1, 0) == 6 * lora.trainable_params + 4 * frozen


def test_peaks_and_mfu() -> None:
    assert peak_tflops("NVIDIA H100 80GB HBM3") == 989.0
    assert peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert peak_tflops("NVIDIA A100-SXM4-80GB") == 312.0
    assert peak_tflops("some cpu") is None
    assert mfu(989e12 * 0.5, 1.0, 989.0) == pytest.approx(0.5)
    assert mfu(1.0, 1.0, None) is None
    # The FLOPs of two processes' tokens are measured against two devices' peaks.
    assert mfu(989e12 * 0.5, 1.0, 989.0, devices=2) == pytest.approx(0.25)
