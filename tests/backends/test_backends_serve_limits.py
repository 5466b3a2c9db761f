"""`git octo serve` against hostile requests: bad sampling values, huge limits and bodies, clients that leave, and
a long request next to short ones. Each test talks HTTP to a real server on loopback."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from gitocto.backends.hf import HFBackend
from tests.support.waiting import wait_until

TINY_CONTEXT = 4096  # max_position_embeddings of tests/support/tiny_model.py


def metrics(base_url: str) -> dict[str, int]:
    text = httpx.get(base_url.removesuffix("/v1") + "/metrics", timeout=30).text
    return {name: int(value) for name, value in (line.split() for line in text.splitlines())}


def raw_post(base_url: str, path: str, body: bytes) -> httpx.Response:
    """POST a body as given (JSON with NaN or Infinity, which httpx will not write)."""
    headers = {"content-type": "application/json"}
    return httpx.post(f"{base_url}{path}", content=body, headers=headers, timeout=60)


@pytest.fixture
def background() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2) as pool:
        yield pool


# Greedy from this prompt, the tiny model does not end on its own: a request of many turns.
LONG = {"prompt": "def add(", "temperature": 0, "max_tokens": 600}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"prompt": "x", "temperature": NaN}', "temperature must be a number between 0 and 2, not nan"),
        (b'{"prompt": "x", "temperature": Infinity}', "temperature must be a number between 0 and 2, not inf"),
        (b'{"prompt": "x", "temperature": -0.5}', "temperature must be a number between 0 and 2, not -0.5"),
        (b'{"prompt": "x", "temperature": 2.5}', "temperature must be a number between 0 and 2, not 2.5"),
        (b'{"prompt": "x", "top_p": NaN}', "top_p must be a number in (0, 1], not nan"),
        (b'{"prompt": "x", "top_p": 0}', "top_p must be a number in (0, 1], not 0.0"),
        (b'{"prompt": "x", "seed": 9223372036854775808}', "seed must be a 64-bit integer, not 9223372036854775808"),
        (b'{"prompt": "x", "seed": -9223372036854775809}', "seed must be a 64-bit integer, not -9223372036854775809"),
        (b'{"prompt": "x", "n": 129}', "n must be between 1 and 128, not 129"),
        (b'{"prompt": "x", "n": -1}', "n must be between 1 and 128, not -1"),
        (b'{"prompt": "x", "max_tokens": 0}', "max_tokens must be at least 1, not 0"),
        (b'{"prompt": "x", "max_tokens": -5}', "max_tokens must be at least 1, not -5"),
        (
            b'{"prompt": "x", "stop": ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]}',
            "stop takes at most 16 sequences, not 17",
        ),
    ],
)
def test_bad_sampling_values_are_400s_naming_the_field(served_url: str, body: bytes, message: str) -> None:
    response = raw_post(served_url, "/completions", body)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == {
        "message": message,
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


def test_too_many_sequences_are_refused(served_url: str) -> None:
    body = {"prompt": ["x"] * 9, "n": 128, "temperature": 1, "max_tokens": 1}
    response = httpx.post(f"{served_url}/completions", json=body, timeout=60)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "a request may ask for at most 1024 sequences (prompts × n), not 1152"
    )


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_chat_max_tokens_0_is_refused_naming_its_field(served_url: str, field: str) -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], field: 0}
    response = httpx.post(f"{served_url}/chat/completions", json=body, timeout=60)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"{field} must be at least 1, not 0"


def test_extreme_valid_values_are_answered(served_url: str) -> None:
    body = {"prompt": "def add(", "temperature": 2, "top_p": 1e-9, "seed": 2**63 - 1, "max_tokens": 3, "n": 2}
    first = httpx.post(f"{served_url}/completions", json=body, timeout=60)
    assert first.status_code == 200, first.text
    body["seed"] = -(2**63)
    assert httpx.post(f"{served_url}/completions", json=body, timeout=60).status_code == 200
    # null means the default, as in the OpenAI API: 16 tokens at most.
    nulls = {"prompt": "def add(", "temperature": None, "top_p": None, "n": None, "max_tokens": None, "seed": None}
    answer = httpx.post(f"{served_url}/completions", json=nulls, timeout=60).json()
    assert 1 <= answer["usage"]["completion_tokens"] <= 16


def test_max_tokens_is_capped_by_the_server_limit(limited_url: str) -> None:
    body = {"prompt": "def add(", "temperature": 0, "max_tokens": 10**9}
    answer = httpx.post(f"{limited_url}/completions", json=body, timeout=60).json()
    assert answer["usage"]["completion_tokens"] == 12  # --max-tokens-limit 12 (the tiny model never stops this early)
    assert answer["choices"][0]["finish_reason"] == "length"


def test_a_prompt_longer_than_the_context_is_a_400(served_url: str) -> None:
    prompt = "x = 1\n" * 6000  # well over 4096 tokens
    for path, body in [
        ("/completions", {"prompt": ["def add(", prompt], "max_tokens": 1}),
        ("/chat/completions", {"messages": [{"role": "user", "content": prompt}], "max_tokens": 1}),
    ]:
        response = httpx.post(f"{served_url}{path}", json=body, timeout=60)
        assert response.status_code == 400
        message = response.json()["error"]["message"]
        assert message.startswith("the prompt is ") and message.endswith(
            f"tokens, and this model's maximum context length is {TINY_CONTEXT} tokens: "
            "nothing is left for the completion"
        )


def test_responses_name_the_served_model(limited_url: str) -> None:
    assert [m["id"] for m in httpx.get(f"{limited_url}/models").json()["data"]] == ["octo-tiny"]
    for path, body in [
        ("/completions", {"prompt": "def add(", "max_tokens": 2, "model": "/some/local/path"}),
        ("/chat/completions", {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}),
    ]:
        assert httpx.post(f"{limited_url}{path}", json=body, timeout=60).json()["model"] == "octo-tiny"


def test_a_body_over_the_limit_is_a_413(limited_url: str) -> None:
    big = json.dumps({"prompt": "x" * 5000, "max_tokens": 1}).encode()
    response = raw_post(limited_url, "/completions", big)  # with a Content-Length
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "the request body is larger than this server's limit of 4096 bytes"

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked, refused once past the limit
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    chunked = httpx.post(
        f"{limited_url}/completions", content=chunks(), timeout=60, headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413
    assert "limit of 4096 bytes" in chunked.json()["error"]["message"]
    small = httpx.post(f"{limited_url}/completions", json={"prompt": "def add(", "max_tokens": 2}, timeout=60)
    assert small.status_code == 200


def test_max_tokens_is_capped_by_the_context(served_url: str, hf_backend: HFBackend) -> None:
    unit = "x = 1\n"
    per_unit = len(hf_backend.encode([unit * 100])[0]) / 100
    prompt = unit * int((TINY_CONTEXT - 30) / per_unit)  # about 30 tokens short of the context
    answer = httpx.post(
        f"{served_url}/completions", json={"prompt": prompt, "max_tokens": 10**9, "temperature": 0}, timeout=600
    ).json()
    usage = answer["usage"]
    assert TINY_CONTEXT - 100 < usage["prompt_tokens"] < TINY_CONTEXT
    assert usage["total_tokens"] == TINY_CONTEXT
    assert answer["choices"][0]["finish_reason"] == "length"


def test_a_long_request_does_not_starve_a_short_one(served_url: str, background: ThreadPoolExecutor) -> None:
    before = metrics(served_url)
    long: Future[httpx.Response] = background.submit(httpx.post, f"{served_url}/completions", json=LONG, timeout=600)
    # The long request is under way: the server has generated tokens since it came in.
    wait_until(
        lambda: metrics(served_url)["gitocto_generated_tokens_total"] > before["gitocto_generated_tokens_total"],
        "the long request starts",
    )
    short = {"prompt": "def add(", "temperature": 0.5, "seed": 1, "max_tokens": 4}
    answer = httpx.post(f"{served_url}/completions", json=short, timeout=600)
    assert answer.status_code == 200
    assert not long.done(), "the short request waited for the whole long one"
    assert long.result().json()["usage"]["completion_tokens"] == 600


def test_a_request_whose_client_left_is_cancelled(served_url: str) -> None:
    before = metrics(served_url)
    url = urlsplit(served_url)
    payload = json.dumps(LONG).encode()
    request = (
        f"POST /v1/completions HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    ).encode() + payload
    assert url.port is not None
    with socket.create_connection((url.hostname, url.port)) as client:
        client.sendall(request)
        wait_until(
            lambda: metrics(served_url)["gitocto_generated_tokens_total"] > before["gitocto_generated_tokens_total"],
            "the request starts",
        )
    # The client has gone: the request ends at the next step instead of running to its 600 tokens.
    wait_until(lambda: metrics(served_url)["gitocto_requests_running"] == 0, "the request ends")
    after = metrics(served_url)
    assert after["gitocto_requests_cancelled_total"] == before["gitocto_requests_cancelled_total"] + 1
    assert after["gitocto_requests_completed_total"] == before["gitocto_requests_completed_total"]
    assert after["gitocto_generated_tokens_total"] - before["gitocto_generated_tokens_total"] < 600
    # and the server goes on answering.
    ok = httpx.post(f"{served_url}/completions", json={"prompt": "def add(", "max_tokens": 2}, timeout=60)
    assert ok.status_code == 200


def test_concurrent_hostile_requests_leave_normal_ones_answered(served_url: str) -> None:
    normal = {"prompt": "def add(", "temperature": 0, "max_tokens": 4}
    hostile = [
        b'{"prompt": "x", "temperature": NaN}',
        b'{"prompt": "x", "seed": 18446744073709551616}',
        json.dumps({"prompt": "x = 1\n" * 6000, "max_tokens": 1}).encode(),
        json.dumps(normal).encode(),
    ]
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda body: raw_post(served_url, "/completions", body), hostile * 2))
    assert [a.status_code for a in answers] == [400, 400, 400, 200] * 2
