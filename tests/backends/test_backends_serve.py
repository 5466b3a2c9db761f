"""`git octo serve`: the OpenAI wire format as raw HTTP, and its one-line errors."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from gitocto.cli import main


def test_models_endpoint(served_url: str, tiny_model_dir: Path) -> None:
    body = httpx.get(f"{served_url}/models").json()
    assert body["object"] == "list"
    # A local model directory is served under its own name, never its path.
    assert [m["id"] for m in body["data"]] == [tiny_model_dir.name]


def test_completions_wire_format(served_url: str) -> None:
    request = {"prompt": ["def add(", "fn add("], "n": 2, "temperature": 0.7, "max_tokens": 5, "seed": 1}
    body = httpx.post(f"{served_url}/completions", json=request, timeout=60).json()
    assert body["object"] == "text_completion"
    assert [c["index"] for c in body["choices"]] == [0, 1, 2, 3]
    assert all(c["finish_reason"] in ("stop", "length") for c in body["choices"])
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert 0 < usage["completion_tokens"] <= 4 * 5


def test_completions_take_a_string_prompt_and_a_string_stop(served_url: str) -> None:
    request = {"prompt": "def add(", "temperature": 0, "max_tokens": 20}
    full = httpx.post(f"{served_url}/completions", json=request, timeout=60).json()["choices"][0]
    assert full["finish_reason"] == "length"
    stop = next(c for c in full["text"][2:] if c.isascii() and c.isprintable())
    request["stop"] = stop
    cut = httpx.post(f"{served_url}/completions", json=request, timeout=60).json()["choices"][0]
    assert cut["text"] == full["text"][: full["text"].index(stop)]
    assert cut["finish_reason"] == "stop"


def test_chat_wire_format(served_url: str) -> None:
    request = {"messages": [{"role": "user", "content": "hi"}], "n": 2, "max_tokens": 4, "temperature": 0}
    body = httpx.post(f"{served_url}/chat/completions", json=request, timeout=60).json()
    assert body["object"] == "chat.completion"
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert {c["message"]["role"] for c in body["choices"]} == {"assistant"}
    assert body["choices"][0]["message"]["content"] == body["choices"][1]["message"]["content"]


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ({"prompt": "x", "n": 0}, "n must be between 1 and 128, not 0"),
        ({"prompt": "x", "top_p": 2}, "top_p must be a number in (0, 1], not 2.0"),
        ({"prompt": 3}, "prompt: Input should be a valid string"),
        ({}, "prompt: Field required"),
        ({"prompt": []}, "prompt must not be empty"),
        ({"prompt": ["x", ""]}, "prompt must not be empty"),
    ],
)
def test_bad_requests_are_openai_style_400s(served_url: str, request_body: dict[str, object], message: str) -> None:
    response = httpx.post(f"{served_url}/completions", json=request_body, timeout=60)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == message


def test_missing_model_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--model", str(tmp_path / "nope"), "--port", "0"]) == 1
    err = capsys.readouterr().err
    assert err == f"git octo: error: model directory not found: {tmp_path / 'nope'}\n"


def test_port_in_use_is_one_line(tiny_model_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        proc = subprocess.run(
            ["git", "octo", "serve", "--model", str(tiny_model_dir), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"git octo: error: cannot listen on 127.0.0.1:{port}:")
    assert proc.stderr.count("\n") == 1


def test_a_bad_request_does_not_fail_concurrent_good_ones(served_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    good = {"prompt": "def add(", "temperature": 0, "max_tokens": 8}
    bad = {"prompt": "x", "temperature": 0, "max_tokens": 8, "top_p": 5}
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(lambda body: httpx.post(f"{served_url}/completions", json=body, timeout=60), [good, bad] * 3)
        )
    assert [a.status_code for a in answers] == [200, 400] * 3
    assert len({a.json()["choices"][0]["text"] for a in answers[::2]}) == 1
