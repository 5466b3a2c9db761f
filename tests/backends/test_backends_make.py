"""make_backend: each kind by name, and a clear error for everything it cannot build."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from gitocto.backends import make_backend
from gitocto.backends.base import SamplingParams, cut_at_stop
from gitocto.backends.hf import HFBackend
from gitocto.backends.openai import OpenAIBackend
from gitocto.errors import OctoError

VLLM_MISSING = importlib.util.find_spec("vllm") is None


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("hf", {}, "the hf backend needs --model"),
        ("openai", {"model": "m"}, "the openai backend needs --endpoint"),
        ("vllm", {}, "the vllm backend needs --model"),
        ("llama", {"model": "m"}, "unknown backend 'llama'; choose one of hf, openai, vllm"),
    ],
)
def test_make_backend_errors(kind: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(OctoError, match=message):
        make_backend(kind, **options)


@pytest.mark.skipif(not VLLM_MISSING, reason="vllm is installed here")
def test_vllm_missing_says_how_to_install(tiny_model_dir: Path) -> None:
    with pytest.raises(OctoError) as info:
        make_backend("vllm", model=str(tiny_model_dir))
    assert str(info.value) == "vllm is not installed: pip install 'gitocto[vllm]'"


def test_make_hf_and_openai(tiny_model_dir: Path, served_url: str) -> None:
    hf = make_backend("hf", model=str(tiny_model_dir), device="cpu", batch_size=2)
    assert isinstance(hf, HFBackend)
    assert hf.batch_size == 2
    remote = make_backend("openai", endpoint=served_url, timeout=30, concurrency=2)
    assert isinstance(remote, OpenAIBackend)
    params = SamplingParams(max_new_tokens=6)
    assert remote.complete(["def add("], params) == hf.complete(["def add("], params)


def test_cut_at_stop() -> None:
    assert cut_at_stop("abc\ndef x\nclass", ["\nclass", "\ndef"]) == "abc"
    assert cut_at_stop("abc", ["", "z"]) == "abc"
