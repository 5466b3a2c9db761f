"""The shipped accelerate configs (train/accelerate-*.yaml) as `accelerate launch` reads them, and what the recipe
fills in for DeepSpeed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from gitocto.errors import OctoError
from gitocto.train.launch import set_deepspeed_batch
from tests.train.train_helpers import metrics

ROOT = Path(__file__).resolve().parents[2]
LAUNCH_CONFIGS = sorted((ROOT / "train").glob("accelerate-*.yaml"))
NESTED = {"deepspeed_config": "", "fsdp_config": "fsdp_"}  # accelerate's prefix for each section's keys


def launch_plugin(path: Path) -> Any:
    """The plugin a process started by `accelerate launch --config_file path` builds from its environment."""
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils import DeepSpeedPlugin, FullyShardedDataParallelPlugin
    from accelerate.utils.launch import prepare_deepspeed_cmd_env, prepare_multi_gpu_env

    args = launch_command_parser().parse_args(["--config_file", str(path), "-m", "gitocto", "train"])
    args, defaults, _ = _validate_launch_command(args)
    if args.use_deepspeed:
        args.deepspeed_fields_from_accelerate_config = list(defaults.deepspeed_config)
        _, env = prepare_deepspeed_cmd_env(args)
    else:
        env = prepare_multi_gpu_env(args)
    with mock.patch.dict(os.environ, env):
        return DeepSpeedPlugin() if args.use_deepspeed else FullyShardedDataParallelPlugin()


def test_there_are_launch_configs() -> None:
    assert [p.name for p in LAUNCH_CONFIGS] == ["accelerate-deepspeed.yaml", "accelerate-fsdp.yaml"]


@pytest.mark.parametrize("path", LAUNCH_CONFIGS, ids=lambda p: p.name)
def test_every_key_is_one_accelerate_launch_takes(path: Path) -> None:
    from accelerate.commands.config.config_args import ClusterConfig
    from accelerate.commands.launch import launch_command_parser

    ClusterConfig.from_yaml_file(str(path))  # unknown top-level keys are an error there
    # Keys inside the sections become launch arguments one by one, and an unknown one is silently ignored.
    known = {action.dest for action in launch_command_parser()._actions}
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    for section, prefix in NESTED.items():
        for key in raw.get(section) or {}:
            name = key if key.startswith(prefix) else prefix + key
            assert name in known, f"{path.name}: accelerate launch does not know {section}.{key}"


def test_the_fsdp_config_gives_fsdp2() -> None:
    plugin = launch_plugin(ROOT / "train" / "accelerate-fsdp.yaml")
    assert plugin.fsdp_version == 2
    assert plugin.reshard_after_forward is True
    assert plugin.activation_checkpointing is False


def test_deepspeed_gets_the_micro_batch_the_recipe_uses() -> None:
    plugin = launch_plugin(ROOT / "train" / "accelerate-deepspeed.yaml")
    # Left to "auto", accelerate would look for a DataLoader in prepare() and the recipe passes none.
    assert plugin.is_auto("train_micro_batch_size_per_gpu")
    set_deepspeed_batch(plugin, batch_size=4, grad_accum=1)
    assert not plugin.is_auto("train_micro_batch_size_per_gpu")
    assert plugin.get_value("train_micro_batch_size_per_gpu") == 4
    assert plugin.get_value("gradient_accumulation_steps") == 1
    assert plugin.zero_stage == 2


def test_a_deepspeed_value_that_disagrees_with_the_recipe_is_an_error() -> None:
    from accelerate.utils import DeepSpeedPlugin

    plugin = DeepSpeedPlugin(hf_ds_config={"train_micro_batch_size_per_gpu": 8, "zero_optimization": {"stage": 2}})
    set_deepspeed_batch(plugin, batch_size=8, grad_accum=1)  # the same value is fine
    with pytest.raises(OctoError, match="sets train_micro_batch_size_per_gpu to 8 but the recipe's batch_size is 4"):
        set_deepspeed_batch(plugin, batch_size=4, grad_accum=1)


@pytest.mark.slow
def test_the_shipped_deepspeed_config_trains(commits_file: Path, tiny_model_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("deepspeed")  # not a dependency: CI has no DeepSpeed, a developer may
    env = {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "accelerate.commands.launch",
            "--config_file",
            str(ROOT / "train" / "accelerate-deepspeed.yaml"),
            "--num_processes",
            "1",
            "--mixed_precision",
            "no",
            "-m",
            "gitocto",
            "train",
            "--model",
            str(tiny_model_dir),
            "--data",
            str(commits_file),
            "--max-steps",
            "2",
            "--seq-len",
            "128",
            "--batch-size",
            "2",
            "--output",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert [m["step"] for m in metrics(tmp_path / "out")] == [1, 2]
