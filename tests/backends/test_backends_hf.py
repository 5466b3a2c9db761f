"""The hf backend on the real tiny model: greedy and seeded sampling, n samples, stop sequences, chat, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gitocto.backends.base import Backend, Message, SamplingParams
from gitocto.backends.hf import HFBackend
from gitocto.errors import OctoError

PROMPTS = ["def add(a, b):\n", "function add(a, b) {\n", "Fix typo in"]


def _stop_inside(text: str, start: int = 3, avoid: str = "") -> tuple[str, int]:
    """A two-character ASCII stop sequence first found in `text` at or after `start`, and not in `avoid`."""
    for k in range(start, len(text) - 1):
        candidate = text[k : k + 2]
        if candidate.isascii() and candidate.isprintable() and text.find(candidate) == k and candidate not in avoid:
            return candidate, k
    pytest.fail(f"no usable stop sequence in {text!r}")


def test_is_a_backend(hf_backend: HFBackend) -> None:
    assert isinstance(hf_backend, Backend)
    assert hf_backend.name == "hf"


def test_greedy_is_deterministic_with_n_copies(hf_backend: HFBackend) -> None:
    params = SamplingParams(n=3, temperature=0.0, max_new_tokens=12)
    first = hf_backend.complete(PROMPTS, params)
    second = hf_backend.complete(PROMPTS, params)
    assert first == second
    assert [len(row) for row in first] == [3, 3, 3]
    assert all(len(set(row)) == 1 and row[0] for row in first)


def test_sampling_gives_n_samples_reproducible_under_a_seed(hf_backend: HFBackend) -> None:
    params = SamplingParams(n=5, temperature=1.0, top_p=1.0, max_new_tokens=16, seed=7)
    first = hf_backend.complete(PROMPTS[:2], params)
    assert [len(row) for row in first] == [5, 5]
    assert hf_backend.complete(PROMPTS[:2], params) == first
    assert len(set(first[0])) > 1, "samples at temperature 1 from a random model should differ"
    other = hf_backend.complete(PROMPTS[:2], SamplingParams(n=5, temperature=1.0, max_new_tokens=16, seed=8))
    assert other != first


def test_more_samples_than_the_batch_holds(hf_backend: HFBackend) -> None:
    params = SamplingParams(n=hf_backend.batch_size + 2, temperature=0.8, max_new_tokens=4, seed=1)
    rows = hf_backend.complete(PROMPTS[:2], params)
    assert [len(row) for row in rows] == [params.n, params.n]


def test_stop_sequence_ends_generation_early_and_is_cut(hf_backend: HFBackend) -> None:
    full = hf_backend.generate(PROMPTS[:1], SamplingParams(max_new_tokens=40))[0][0]
    assert full.finish_reason == "length"
    assert full.completion_tokens == 40
    stop, at = _stop_inside(full.text)

    stopped = hf_backend.generate(PROMPTS[:1], SamplingParams(max_new_tokens=40, stop=(stop,)))[0][0]
    assert stopped.text == full.text[:at]
    assert stopped.finish_reason == "stop"
    # Generation itself stopped, not just the text after it.
    assert stopped.completion_tokens < full.completion_tokens


def test_token_counts_add_up(tiny_model_dir: Path) -> None:
    backend = HFBackend(str(tiny_model_dir), device="cpu")
    rows = backend.generate(PROMPTS, SamplingParams(n=2, temperature=0.7, max_new_tokens=5))
    assert backend.prompt_tokens == sum(row[0].prompt_tokens for row in rows) > len(PROMPTS)
    assert backend.completion_tokens == sum(g.completion_tokens for row in rows for g in row)
    assert 0 < backend.completion_tokens <= len(PROMPTS) * 2 * 5


def test_stop_is_per_row_in_a_batch(hf_backend: HFBackend) -> None:
    alone = [hf_backend.generate([p], SamplingParams(max_new_tokens=30))[0][0] for p in PROMPTS[:2]]
    stop, at = _stop_inside(alone[0].text, avoid=alone[1].text)
    batch = hf_backend.generate(PROMPTS[:2], SamplingParams(max_new_tokens=30, stop=(stop,)))
    assert batch[0][0].text == alone[0].text[:at]
    assert batch[1][0].finish_reason == "length"
    assert batch[1][0].completion_tokens == 30


def test_chat_uses_the_chat_template(hf_backend: HFBackend) -> None:
    conversation: list[Message] = [{"role": "user", "content": "Fix bugs in add."}]
    assert hf_backend.chat_prompts([conversation]) == ["user: Fix bugs in add.\nassistant: "]
    replies = hf_backend.chat([conversation, conversation], SamplingParams(n=2, max_new_tokens=8))
    assert [len(r) for r in replies] == [2, 2]
    assert replies[0] == replies[1]
    direct = hf_backend.complete(["user: Fix bugs in add.\nassistant: "], SamplingParams(max_new_tokens=8))
    assert replies[0][0] == direct[0][0]


def test_chat_without_template_is_a_clear_error(tiny_model_dir: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "no-template"
    shutil.copytree(tiny_model_dir, model_dir)
    (model_dir / "chat_template.jinja").unlink()
    backend = HFBackend(str(model_dir), device="cpu")
    with pytest.raises(OctoError, match="has no chat template"):
        backend.chat([[{"role": "user", "content": "hi"}]], SamplingParams())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (SamplingParams(n=0), "at least 1"),
        (SamplingParams(temperature=-1.0), "temperature"),
        (SamplingParams(top_p=0.0), "top_p"),
        (SamplingParams(max_new_tokens=0), "max_new_tokens"),
    ],
)
def test_bad_sampling_params(hf_backend: HFBackend, params: SamplingParams, message: str) -> None:
    with pytest.raises(OctoError, match=message):
        hf_backend.complete(["x"], params)


def test_no_prompts_and_empty_prompts(hf_backend: HFBackend) -> None:
    assert hf_backend.complete([], SamplingParams()) == []
    with pytest.raises(OctoError, match="empty prompt"):
        hf_backend.complete(["x", ""], SamplingParams(max_new_tokens=2))


def test_missing_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OctoError, match="model directory not found"):
        HFBackend(str(tmp_path / "nope"))


def test_directory_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OctoError, match="cannot load model"):
        HFBackend(str(tmp_path))


def test_unknown_hub_id_offline_is_a_clear_error() -> None:
    with pytest.raises(OctoError, match="cannot load model 'no-such-org/no-such-model'"):
        HFBackend("no-such-org/no-such-model")


def test_bad_dtype_and_batch_size(tiny_model_dir: Path) -> None:
    with pytest.raises(OctoError, match="unknown dtype"):
        HFBackend(str(tiny_model_dir), dtype="int3")
    with pytest.raises(OctoError, match="batch size"):
        HFBackend(str(tiny_model_dir), batch_size=0)


def test_shared_between_threads(hf_backend: HFBackend) -> None:
    from concurrent.futures import ThreadPoolExecutor

    params = SamplingParams(n=2, temperature=0.9, max_new_tokens=6, seed=5)
    alone = [hf_backend.complete([p], params) for p in PROMPTS]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda p: hf_backend.complete([p], params), PROMPTS))
    assert together == alone


def test_unavailable_device_is_a_clear_error(tiny_model_dir: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(OctoError, match="cannot put model on device 'cuda'"):
        HFBackend(str(tiny_model_dir), device="cuda")
    with pytest.raises(OctoError, match="cannot put model on device 'gpu'"):
        HFBackend(str(tiny_model_dir), device="gpu")


def test_generations_say_why_each_sample_ended(hf_backend: HFBackend) -> None:
    conversation: list[Message] = [{"role": "user", "content": "Fix bugs in add."}]
    ((reply,),) = hf_backend.chat_generations([conversation], SamplingParams(max_new_tokens=3))
    assert reply.finish_reason == "length" and reply.completion_tokens == 3
    assert reply.text == hf_backend.chat([conversation], SamplingParams(max_new_tokens=3))[0][0]
    rows = hf_backend.complete_generations(PROMPTS[:2], SamplingParams(max_new_tokens=4))
    assert [[g.text for g in row] for row in rows] == hf_backend.complete(PROMPTS[:2], SamplingParams(max_new_tokens=4))
    assert all(g.finish_reason == "length" for row in rows for g in row)
