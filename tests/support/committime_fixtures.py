"""Fixtures for commit-time help (msg, fix, hooks): a history to learn from, an editor, and endpoints that fail.

A pytest plugin: tests/conftest.py lists it in `pytest_plugins`, so every test folder sees these fixtures.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.commits import HISTORY
from tests.support.model_servers import StubModel, stub_server, trickling_server
from tests.support.repos import GitRepo


@pytest.fixture
def history_repo(repo: GitRepo) -> GitRepo:
    """A repository with a few distinctive past commits."""
    for message, files in HISTORY:
        repo.commit(message, files)
    return repo


@pytest.fixture
def editor(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An editor script that copies the message file it is given, then types a message if it has no text.

    Yields (editor command, path of the copy).
    """
    seen = tmp_path / "seen-message.txt"
    script = tmp_path / "editor.sh"
    script.write_text(
        "#!/bin/sh\n"
        f'cp "$1" "{seen}"\n'
        "if ! grep -v '^#' \"$1\" | grep -q '[^[:space:]]'; then echo 'typed by the user' > \"$1\"; fi\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    yield str(script), seen


@pytest.fixture
def recording_python(tmp_path: Path) -> tuple[str, Path]:
    """A stand-in interpreter for the shims that logs each start, then runs the real Python.

    Yields (interpreter path, log path): the log shows whether a shim started Python at all.
    """
    log = tmp_path / "python-starts.log"
    script = tmp_path / "recording-python"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return str(script), log


@pytest.fixture
def refusing_endpoint() -> str:
    """An endpoint on a port where nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint that takes connections (the kernel's backlog accepts them) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    finally:
        sock.close()


@pytest.fixture(scope="session")
def octo_endpoint(tiny_model_dir: Path) -> Iterator[str]:
    """The base URL of a real `git octo serve` over the tiny model, started once for the session."""
    from tests.support.octo_server import running_server

    with running_server(tiny_model_dir) as url:
        yield url


@pytest.fixture
def trickling_endpoint() -> Iterator[str]:
    """An endpoint that answers a byte at a time, forever (up to 20 s): a client's read timeout never trips."""
    with trickling_server() as url:
        yield url


@pytest.fixture
def stub_model() -> Iterator[StubModel]:
    """A deterministic OpenAI-compatible endpoint: set `.reply`; `.url` is its base URL, `.prompts` what it got."""
    with stub_server() as model:
        yield model


@pytest.fixture
def python_without_gitocto(tmp_path: Path) -> str:
    """A real Python that cannot import gitocto, as after its virtualenv was rebuilt without it."""
    venv = tmp_path / "venv-without-gitocto"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import gitocto"], cwd=tmp_path, capture_output=True, check=False)
    assert probe.returncode != 0, "the bare virtualenv can import gitocto"
    return str(python)
