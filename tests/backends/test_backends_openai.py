"""The openai backend against a real `git octo serve`, a refused port and a server that never answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gitocto.backends.base import Backend, Message, SamplingParams
from gitocto.backends.hf import HFBackend
from gitocto.backends.openai import OpenAIBackend, normalise_endpoint
from gitocto.errors import OctoError
from tests.support.octo_server import free_port

PROMPTS = ["def add(a, b):\n", "function add(a, b) {\n", "Fix typo in", "fn add("]


@pytest.fixture(scope="module")
def client(served_url: str) -> OpenAIBackend:
    return OpenAIBackend(served_url, timeout=60, concurrency=4)


def test_model_comes_from_v1_models(client: OpenAIBackend, tiny_model_dir: Path) -> None:
    assert isinstance(client, Backend)
    assert client.model == tiny_model_dir.name


def test_greedy_completions_match_the_hf_backend(client: OpenAIBackend, hf_backend: HFBackend) -> None:
    params = SamplingParams(max_new_tokens=12)
    served = client.complete(PROMPTS, params)
    assert [len(row) for row in served] == [1, 1, 1, 1]
    for prompt, row in zip(PROMPTS, served, strict=True):
        # One prompt at a time on both sides, so padding cannot differ.
        assert client.complete([prompt], params) == [row]
        assert row == hf_backend.complete([prompt], params)[0]


def test_n_samples_and_seed(client: OpenAIBackend) -> None:
    params = SamplingParams(n=3, temperature=1.0, top_p=1.0, max_new_tokens=10, seed=3)
    rows = client.complete(PROMPTS[:2], params)
    assert [len(row) for row in rows] == [3, 3]
    assert len(set(rows[0])) > 1
    assert client.complete(PROMPTS[:1], params) == client.complete(PROMPTS[:1], params)


def test_stop_sequences_are_honoured(client: OpenAIBackend) -> None:
    full = client.complete(PROMPTS[:1], SamplingParams(max_new_tokens=30))[0][0]
    stop = next(
        full[k : k + 2]
        for k in range(2, len(full) - 1)
        if full[k : k + 2].isascii() and full[k : k + 2].isprintable() and full.find(full[k : k + 2]) == k
    )
    stopped = client.complete(PROMPTS[:1], SamplingParams(max_new_tokens=30, stop=(stop,)))[0][0]
    assert stopped == full[: full.index(stop)]


def test_chat_answers(client: OpenAIBackend, hf_backend: HFBackend) -> None:
    conversations: list[list[Message]] = [
        [{"role": "user", "content": "Fix bugs in add."}],
        [{"role": "user", "content": "hi"}],
    ]
    params = SamplingParams(n=2, max_new_tokens=8)
    replies = client.chat(conversations, params)
    assert [len(r) for r in replies] == [2, 2]
    assert replies[0] == hf_backend.chat(conversations[:1], params)[0]


def test_usage_is_counted(served_url: str) -> None:
    backend = OpenAIBackend(served_url, model="any-name", timeout=60)
    backend.complete(PROMPTS[:2], SamplingParams(n=2, temperature=0.5, max_new_tokens=5))
    assert backend.prompt_tokens > 0
    assert 0 < backend.completion_tokens <= 2 * 2 * 5


def test_server_rejection_is_one_line(client: OpenAIBackend) -> None:
    # The backend never sends an empty prompt list: send one through its client to see the server's 400.
    with pytest.raises(OctoError, match=r"answered 400: prompt must not be empty"):
        client._call(lambda: client._client.completions.create(model=client.model, prompt=[]))


def test_refused_connection_is_a_clear_error() -> None:
    port = free_port()
    with pytest.raises(OctoError, match=rf"cannot reach http://127.0.0.1:{port}/v1 \(after 1 retries\)") as info:
        OpenAIBackend(f"127.0.0.1:{port}", timeout=2, max_retries=1)
    assert "\n" not in str(info.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose socket accepts connections (in the kernel's backlog) and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def test_server_that_never_answers_times_out(silent_server: int) -> None:
    backend_url = f"http://127.0.0.1:{silent_server}/v1"
    with pytest.raises(OctoError, match=r"did not answer within 0.5s \(after 1 retries\)"):
        OpenAIBackend(backend_url, timeout=0.5, max_retries=1)
    backend = OpenAIBackend(backend_url, model="m", timeout=0.5, max_retries=0, concurrency=2)
    with pytest.raises(OctoError, match=r"did not answer within 0.5s \(with no retries\)"):
        backend.complete(["a", "b", "c"], SamplingParams(max_new_tokens=1))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1"),
        ("https://api.example.com/v1", "https://api.example.com/v1"),
        ("http://h:1/openai/v1", "http://h:1/openai/v1"),
    ],
)
def test_endpoint_forms(given: str, expected: str) -> None:
    assert normalise_endpoint(given) == expected


def test_bad_endpoint_and_options() -> None:
    with pytest.raises(OctoError, match="not an http"):
        normalise_endpoint("ftp://h/v1")
    with pytest.raises(OctoError, match="concurrency"):
        OpenAIBackend("http://127.0.0.1:1/v1", model="m", concurrency=0)


def test_generations_carry_the_servers_finish_reason(client: OpenAIBackend, hf_backend: HFBackend) -> None:
    conversation: list[Message] = [{"role": "user", "content": "Fix bugs in add."}]
    # Two tokens cannot finish a reply: the server says "length", and the backend passes it on.
    ((reply,),) = client.chat_generations([conversation], SamplingParams(max_new_tokens=2))
    assert reply.finish_reason == "length" and reply.completion_tokens == 2 and reply.prompt_tokens > 0
    assert reply.text == hf_backend.chat([conversation], SamplingParams(max_new_tokens=2))[0][0]
    # A seed reproduces a request served alone (concurrent ones may share a batch and its random stream):
    # one request in flight at a time, so both calls draw the same samples.
    sequential = OpenAIBackend(client.endpoint, model=client.model, timeout=60, concurrency=1)
    sampled = SamplingParams(n=2, temperature=0.7, max_new_tokens=3)
    rows = sequential.complete_generations(PROMPTS[:2], sampled)
    assert [[g.finish_reason for g in row] for row in rows] == [["length"] * 2] * 2
    assert [[g.text for g in row] for row in rows] == sequential.complete(PROMPTS[:2], sampled)
    full = client.complete(PROMPTS[:1], SamplingParams(max_new_tokens=30))[0][0]
    stop = next(c for c in full[2:] if c.isascii() and c.isprintable())
    ((stopped,),) = client.complete_generations(PROMPTS[:1], SamplingParams(max_new_tokens=30, stop=(stop,)))
    assert stopped.finish_reason == "stop" and stopped.text == full[: full.index(stop)]


@pytest.fixture
def n_ignoring_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A server that ignores `n`, as llama.cpp and Ollama do: one choice per request, its text set by the seed."""
    from tests.support.json_server import JsonHandler, serving

    bodies: list[dict[str, Any]] = []

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            body = self.read_json()
            bodies.append(body)
            text = f"sample of seed {body.get('seed')}"
            usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
            if self.path.endswith("/chat/completions"):
                choice: dict[str, Any] = {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
                self.send_json(
                    {
                        "id": "c",
                        "object": "chat.completion",
                        "created": 0,
                        "model": "m",
                        "choices": [choice],
                        "usage": usage,
                    }
                )
            else:
                choice = {"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}
                self.send_json(
                    {
                        "id": "c",
                        "object": "text_completion",
                        "created": 0,
                        "model": "m",
                        "choices": [choice],
                        "usage": usage,
                    }
                )

    with serving(Handler) as url:
        yield url, bodies


def test_servers_that_ignore_n_get_a_new_seed_per_follow_up(
    n_ignoring_server: tuple[str, list[dict[str, Any]]],
) -> None:
    url, bodies = n_ignoring_server
    backend = OpenAIBackend(url, model="m", timeout=10, max_retries=0, concurrency=1)
    params = SamplingParams(n=3, temperature=0.8, max_new_tokens=4, seed=5)
    # The same seed again would give the same sample three times over (and pass@k would count it thrice).
    assert backend.complete(["def f():"], params) == [["sample of seed 5", "sample of seed 6", "sample of seed 7"]]
    assert [(b["n"], b["seed"]) for b in bodies] == [(3, 5), (2, 6), (1, 7)]
    chat: list[list[Message]] = [[{"role": "user", "content": "hi"}]]
    assert backend.chat(chat, replace(params, seed=0)) == [["sample of seed 0", "sample of seed 1", "sample of seed 2"]]
    bodies.clear()
    assert backend.complete(["x"], replace(params, seed=None)) == [["sample of seed None"] * 3]
    assert all("seed" not in b for b in bodies)
