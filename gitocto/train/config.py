"""The training configuration: a recipe file (`train/*.yaml`) with command-line overrides, validated up front."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitocto.errors import OctoError

FORMATS = ("octocoder", "commit", "instruction", "chat")
PRECISIONS = ("auto", "bf16", "fp16", "fp32")
OVERLONG_RULES = ("drop", "truncate")
OPTIMIZERS = ("adamw", "adamw_8bit")
SCHEDULERS = ("cosine", "linear", "constant")
ATTENTION = ("auto", "sdpa", "eager", "flash_attention_2", "flash_attention_3")


@dataclass(frozen=True)
class DataSource:
    """One dataset: a JSONL/JSONL.gz/Parquet file (or a directory of them), its mixing weight and optional format."""

    path: str
    weight: float = 1.0
    format: str | None = None


@dataclass
class TrainConfig:
    """Everything one training run needs; field names are the YAML keys and, with dashes, the CLI flags."""

    model: str = ""
    data: list[DataSource] = field(default_factory=list)
    output: str = ""
    format: str = "octocoder"
    max_steps: int | None = None
    epochs: float = 1.0
    seq_len: int = 2048
    lr: float = 2e-5
    batch_size: int = 8
    grad_accum: int = 1
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    lora_target_modules: list[str] | str = "all-linear"
    packing: bool = True
    overlong: str = "drop"
    lr_scheduler: str = "cosine"
    warmup_steps: int = 0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    optim: str = "adamw"
    precision: str = "auto"
    gradient_checkpointing: bool | None = None
    attn_implementation: str = "auto"
    save_every: int = 0
    eval_fraction: float = 0.0
    eval_every: int = 0
    log_every: int = 1
    seed: int = 0
    report_to: list[str] = field(default_factory=list)
    peak_tflops: float | None = None
    bench: str | None = None
    resume: str | None = None
    trust_remote_code: bool = False
    data_cache: bool = True


FIELD_NAMES = tuple(f.name for f in dataclasses.fields(TrainConfig))


def parse_data_arg(arg: str) -> DataSource:
    """Parse `PATH[:WEIGHT]` from the command line; the weight is optional and must be a positive number."""
    path, sep, tail = arg.rpartition(":")
    if sep and path:
        try:
            return DataSource(path=path, weight=float(tail))
        except ValueError:
            pass
    return DataSource(path=arg)


_YAML_EXPONENT = re.compile(r"[-+]?\d+(\.\d*)?[eE][-+]?\d+")
_INVALID = object()


def _describe(expected: Any) -> str:
    """A type annotation in words, for error messages."""
    if typing.get_origin(expected) in (typing.Union, types.UnionType):
        arms = [a for a in typing.get_args(expected) if a is not type(None)]
        words = " or ".join(_describe(a) for a in arms)
        return f"{words} (or left out)" if len(arms) < len(typing.get_args(expected)) else words
    if typing.get_origin(expected) is list:
        return f"a list of {_describe(typing.get_args(expected)[0]).removeprefix('a ')}s"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(expected, str(expected))


def _conform(value: Any, expected: Any) -> Any:
    """`value` as the annotated type (an int is a valid float; a path a valid string), or _INVALID.

    Strict on purpose: YAML's `256` and `"256"` differ, and `1.5` steps or `true` as a count would silently train
    something other than what was asked.
    """
    if typing.get_origin(expected) in (typing.Union, types.UnionType):
        for arm in typing.get_args(expected):
            got = _conform(value, arm)
            if got is not _INVALID:
                return got
        return _INVALID
    if expected is type(None):
        return None if value is None else _INVALID
    if typing.get_origin(expected) is list:
        if not isinstance(value, (list, tuple)):
            return _INVALID
        items = [_conform(v, typing.get_args(expected)[0]) for v in value]
        return _INVALID if any(i is _INVALID for i in items) else items
    if expected is bool:
        return value if isinstance(value, bool) else _INVALID
    if expected is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else _INVALID
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if ok else _INVALID
    if expected is str:
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        return value if isinstance(value, str) else _INVALID
    return value if isinstance(value, expected) else _INVALID


def _typed(key: str, value: Any, expected: Any, where: str) -> Any:
    """`value` conformed to `expected`, or an OctoError naming the key and the type it takes."""
    got = _conform(value, expected)
    if got is _INVALID:
        hint = ""
        if isinstance(value, str) and _YAML_EXPONENT.fullmatch(value):
            mantissa, exponent = value.lower().split("e")
            mantissa += "" if "." in mantissa else ".0"
            exponent = exponent if exponent[0] in "+-" else "+" + exponent
            fixed = f"{mantissa}e{exponent}"
            hint = f" (YAML reads {value} as text: write {fixed})"
        raise OctoError(f"{where}: '{key}' must be {_describe(expected)}, not {value!r}{hint}")
    return got


def _data_sources(value: Any, where: str) -> list[DataSource]:
    if isinstance(value, (str, Path)):
        value = [value]
    if not isinstance(value, list):
        raise OctoError(f"{where}: 'data' must be a path or a list of paths / {{path, weight, format}} entries")
    sources = []
    for item in value:
        if isinstance(item, DataSource):
            sources.append(item)
        elif isinstance(item, (str, Path)):
            sources.append(parse_data_arg(str(item)))
        elif isinstance(item, Mapping):
            unknown = set(item) - {"path", "weight", "format"}
            if unknown or "path" not in item:
                raise OctoError(f"{where}: each data entry takes path, weight and format (got {sorted(item)})")
            sources.append(
                DataSource(
                    _typed("data: path", item["path"], str, where),
                    _typed("data: weight", item.get("weight", 1.0), float, where),
                    _typed("data: format", item.get("format"), str | None, where),
                )
            )
        else:
            raise OctoError(f"{where}: cannot read data entry {item!r}")
    return sources


def load_recipe(path: str | Path) -> dict[str, Any]:
    """Read a recipe YAML file into a mapping of config keys; unknown keys are an error naming the closest key."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise OctoError(f"config file not found: {p}")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise OctoError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise OctoError(f"{p}: a recipe is a mapping of keys like 'model:' and 'lr:'")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key).replace("-", "_")
        if name not in FIELD_NAMES:
            close = difflib.get_close_matches(name, FIELD_NAMES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise OctoError(f"{p}: unknown key '{key}'{hint}")
        values[name] = value
    return values


def build_config(recipe: Mapping[str, Any], overrides: Mapping[str, Any], where: str = "config") -> TrainConfig:
    """Merge the recipe with command-line overrides (None means 'not given') and validate the result."""
    merged: dict[str, Any] = dict(recipe)
    for key, value in overrides.items():
        if value is None or (key in ("data", "report_to") and not value):
            continue
        merged[key] = value
    if "data" in merged:
        merged["data"] = _data_sources(merged["data"], where)
    if isinstance(merged.get("report_to"), str):
        merged["report_to"] = [merged["report_to"]]
    hints = typing.get_type_hints(TrainConfig)
    for key, value in merged.items():
        if key != "data" and key in hints:
            merged[key] = _typed(key, value, hints[key], where)
    try:
        config = TrainConfig(**merged)
    except TypeError as exc:
        raise OctoError(f"{where}: {exc}") from None
    validate(config)
    return config


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise OctoError(message)


def validate(c: TrainConfig) -> None:
    """Reject a configuration that cannot work, before anything heavy is loaded; each message says what to change."""
    _check(bool(c.model), "no model given: pass --model ID_OR_PATH (or 'model:' in the recipe)")
    _check(bool(c.data), "no data given: pass --data PATH (JSONL, JSONL.gz or Parquet from git octo extract/synth)")
    _check(bool(c.output), "no output directory given: pass --output DIR")
    for name, value, allowed in (
        ("format", c.format, FORMATS),
        ("precision", c.precision, PRECISIONS),
        ("overlong", c.overlong, OVERLONG_RULES),
        ("optim", c.optim, OPTIMIZERS),
        ("lr_scheduler", c.lr_scheduler, SCHEDULERS),
        ("attn_implementation", c.attn_implementation, ATTENTION),
    ):
        _check(value in allowed, f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    for source in c.data:
        _check(source.weight > 0, f"data weight for {source.path} must be positive, not {source.weight}")
        _check(source.format in (None, *FORMATS), f"format for {source.path} must be one of {', '.join(FORMATS)}")
    _check(c.seq_len >= 16, f"seq_len must be at least 16 tokens, not {c.seq_len}")
    _check(c.batch_size >= 1, f"batch_size must be at least 1, not {c.batch_size}")
    _check(c.grad_accum >= 1, f"grad_accum must be at least 1, not {c.grad_accum}")
    _check(c.lr > 0, f"lr must be positive, not {c.lr}")
    _check(c.max_steps is None or c.max_steps >= 1, "max_steps must be at least 1 (or leave it out to use epochs)")
    _check(c.epochs > 0, f"epochs must be positive, not {c.epochs}")
    _check(0 <= c.eval_fraction < 1, f"eval_fraction must be in [0, 1), not {c.eval_fraction}")
    _check(c.save_every >= 0 and c.eval_every >= 0, "save_every and eval_every must be 0 (off) or a step count")
    _check(c.log_every >= 1, "log_every must be at least 1")
    _check(c.warmup_steps >= 0, "warmup_steps must be 0 or more")
    _check(c.lora_r >= 1 and c.lora_alpha > 0, "lora_r must be at least 1 and lora_alpha positive")
    _check(0 <= c.lora_dropout < 1, "lora_dropout must be in [0, 1)")
    _check(c.peak_tflops is None or c.peak_tflops > 0, "peak_tflops must be positive (the device's peak, in TFLOP/s)")
    _check(c.max_grad_norm >= 0, "max_grad_norm must be 0 (off) or positive")


def to_yaml_dict(c: TrainConfig) -> dict[str, Any]:
    """The config as plain YAML-ready values, written beside checkpoints and the final model."""
    out = dataclasses.asdict(c)
    out["data"] = [dataclasses.asdict(d) for d in c.data]
    return out
