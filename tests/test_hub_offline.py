"""Offline: a hub name that cannot be reached ends each command at once, in one line that says what to pass."""

from __future__ import annotations

import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitocto import hub
from gitocto.errors import OctoError

OFFLINE_KEYS = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
BOUND_S = 10  # the commands take well under 3 s on an idle machine; this leaves room for a loaded one


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def fresh_hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key in OFFLINE_KEYS:
        monkeypatch.delenv(key, raising=False)
    hub.reset()
    yield
    hub.reset()


@pytest.fixture
def unreachable_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose hub endpoint is a closed loopback port, with an empty cache and no offline flags."""
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_KEYS}
    env.update(HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}", HF_HOME=str(tmp_path / "hf-home"))
    return env


def test_a_closed_port_is_unreachable_and_an_open_one_reachable(
    fresh_hub: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    assert hub.reachable() is False
    with socket.socket() as server:  # a port that accepts but never answers, as some firewalls do
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{server.getsockname()[1]}/")
        hub.reset()
        assert hub.reachable() is False
    httpd = http.server.HTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=httpd.handle_request, daemon=True).start()
    try:
        monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{httpd.server_address[1]}/")
        hub.reset()
        assert hub.reachable() is True  # any HTTP reply (here 501) means a server answers
    finally:
        httpd.server_close()


def test_a_proxy_is_what_gets_probed(fresh_hub: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert hub.probe_address() == ("proxy.example", 3128)
    monkeypatch.setenv("NO_PROXY", "example.org,huggingface.co")
    assert hub.probe_address() == ("huggingface.co", 443)


def test_local_paths_are_not_hub_names(tmp_path: Path) -> None:
    assert hub.is_hub_name("bigcode/starcoder") and hub.is_hub_name("gpt2")
    assert not hub.is_hub_name(str(tmp_path)) and not hub.is_hub_name("./model") and not hub.is_hub_name("a/b/c")
    assert not hub.is_hub_name(None) and not hub.is_hub_name("")


def test_unreachable_sets_offline_before_any_hub_library_loads(
    fresh_hub: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    with pytest.raises(OctoError, match="pass --model with a local model directory"):
        hub.need_model("octo/not-cached")
    assert all(os.environ[key] == "1" for key in OFFLINE_KEYS)
    assert hub.need_model(str(tmp_path)) is False  # a local directory never asks the hub


COMMANDS: dict[str, tuple[list[str], str]] = {
    "extract": (
        ["extract", "{repo}", "-o", "{tmp}/out.jsonl", "--filter", "commitpackft", "--tokenizer", "bigcode/starcoder"],
        "pass --tokenizer with a local tokenizer directory",
    ),
    "serve": (["serve", "--model", "bigcode/starcoderbase-1b", "--port", "0"], "pass --model"),
    "train": (
        ["train", "--model", "bigcode/starcoderbase-1b", "--data", "{tmp}/records.jsonl", "-o", "{tmp}/run"],
        "pass --model",
    ),
    "bench": (
        [
            "bench",
            "--model",
            "bigcode/starcoderbase-1b",
            "--backend",
            "hf",
            "--lang",
            "python",
            "--limit",
            "1",
            "-o",
            "{tmp}/bench.json",
        ],
        "pass --data-dir",
    ),
    "bench-model": (
        [
            "bench",
            "--model",
            "bigcode/starcoderbase-1b",
            "--backend",
            "hf",
            "--lang",
            "python",
            "--limit",
            "1",
            "--data-dir",
            "{tmp}",
            "-o",
            "{tmp}/bench.json",
        ],
        "pass --model",
    ),
    "decontaminate": (["decontaminate", "{tmp}/records.jsonl", "-o", "{tmp}/clean.jsonl"], "pass --benchmark"),
    "synth": (
        [
            "synth",
            "oss-instruct",
            "--source",
            "{tmp}/records.jsonl",
            "-o",
            "{tmp}/synth.jsonl",
            "-n",
            "1",
            "--teacher",
            "hf",
            "--model",
            "bigcode/starcoderbase-1b",
        ],
        "pass --model",
    ),
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_hub_default_fails_at_once_in_one_line(
    name: str, repo: Any, tmp_path: Path, unreachable_env: dict[str, str]
) -> None:
    repo.commit("Add a module", {"a.py": "x = 1\n"})
    (tmp_path / "records.jsonl").write_text('{"message": "Fix", "new_contents": "x = 2\\n"}\n')
    args, instead = COMMANDS[name]
    argv = [a.format(repo=repo.path, tmp=tmp_path) for a in args]
    start = time.monotonic()
    proc = subprocess.run(
        ["git", "octo", *argv],
        cwd=tmp_path,
        env=unreachable_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("git octo: error: "), lines
    assert "cannot be reached" in lines[0] and instead in lines[0], lines[0]
    assert elapsed < BOUND_S, f"{name} took {elapsed:.1f}s offline"


def test_a_cached_tokenizer_still_loads_offline(
    repo: Any, tmp_path: Path, tiny_model_dir: Path, unreachable_env: dict[str, str]
) -> None:
    snapshot = Path(unreachable_env["HF_HOME"]) / "hub" / "models--octo--tiny" / "snapshots" / ("0" * 40)
    shutil.copytree(tiny_model_dir, snapshot)
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("0" * 40)
    repo.commit("Add a module", {"a.py": "x = 1\n"})
    repo.commit("Change the module", {"a.py": "x = 2\n"})
    proc = subprocess.run(
        [
            "git",
            "octo",
            "extract",
            str(repo.path),
            "-o",
            str(tmp_path / "out.jsonl"),
            "--filter",
            "commitpackft",
            "--tokenizer",
            "octo/tiny",
        ],
        cwd=tmp_path,
        env=unreachable_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "written to" in proc.stderr
