"""Fixtures for the training tests: small data files and configs for the tiny model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitocto.train.config import TrainConfig, build_config
from tests.train.train_helpers import commit_record, write_jsonl


@pytest.fixture
def commits_file(tmp_path: Path) -> Path:
    """Twenty-four commit records with some variety in length."""
    rows = [commit_record(i, "Fix bugs in add" + " and more" * (i % 4)) for i in range(24)]
    return write_jsonl(tmp_path / "commits.jsonl", rows)


@pytest.fixture
def make_config(tiny_model_dir: Path, tmp_path: Path) -> Callable[..., TrainConfig]:
    """Factory: a validated config for the tiny model, small and fast, with keyword overrides."""

    def factory(**overrides: Any) -> TrainConfig:
        base: dict[str, Any] = {
            "model": str(tiny_model_dir),
            "output": str(tmp_path / "out"),
            "seq_len": 128,
            "batch_size": 4,
            "lr": 3e-3,
            "max_steps": 4,
            "warmup_steps": 0,
            "lr_scheduler": "constant",
        }
        base.update(overrides)
        return build_config(base, {})

    return factory
