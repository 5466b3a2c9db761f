"""The vllm adapter over a stand-in engine (vLLM itself needs a GPU build): what it asks the engine, what it returns."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gitocto.backends.base import SamplingParams
from gitocto.backends.vllm import VLLMBackend
from gitocto.bench.generate import CHUNK, chunk_size


@dataclass
class _Output:
    index: int
    text: str
    token_ids: list[int]
    finish_reason: str = "length"


@dataclass
class _RequestOutput:
    prompt_token_ids: list[int]
    outputs: list[_Output]


@dataclass
class _Engine:
    """Answers sample j of prompt p with "p:j", like an engine that samples; records each SamplingParams."""

    model: str
    asked: list[Any] = field(default_factory=list)

    def generate(self, prompts: list[str], sampling: Any, use_tqdm: bool = False) -> list[_RequestOutput]:
        self.asked.append(sampling)
        return [
            _RequestOutput([1, 2], [_Output(j, f"{p}:{j}", [7] * 3) for j in reversed(range(sampling.n))])
            for p in prompts
        ]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[VLLMBackend]:
    fake = types.ModuleType("vllm")
    fake.LLM = lambda model, **kwargs: _Engine(model)  # type: ignore[attr-defined]
    fake.SamplingParams = types.SimpleNamespace  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "vllm", fake)
    yield VLLMBackend("some/model")


def test_sampled_rows_are_ordered_and_counted(backend: VLLMBackend) -> None:
    rows = backend.complete_generations(["a", "b"], SamplingParams(n=3, temperature=0.8, stop=(":2",)))
    assert [[g.text for g in row] for row in rows] == [["a:0", "a:1", "a"], ["b:0", "b:1", "b"]]
    assert [g.finish_reason for g in rows[0]] == ["length", "length", "stop"]
    assert backend.llm.asked[-1].n == 3 and backend.llm.asked[-1].stop == [":2"]
    assert (backend.prompt_tokens, backend.completion_tokens) == (4, 18)


def test_greedy_asks_once_and_copies(backend: VLLMBackend) -> None:
    rows = backend.complete(["a"], SamplingParams(n=4, temperature=0))
    assert rows == [["a:0"] * 4]
    assert backend.llm.asked[-1].n == 1 and backend.llm.asked[-1].top_p == 1.0


def test_bench_sends_vllm_a_whole_stage_per_call(backend: VLLMBackend) -> None:
    assert chunk_size(backend, 164) == 164
    assert chunk_size(backend, 0) == 1
    assert chunk_size(types.SimpleNamespace(name="hf"), 164) == CHUNK  # type: ignore[arg-type]
