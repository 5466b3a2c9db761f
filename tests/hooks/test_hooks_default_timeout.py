"""With no `octo.timeout` configured, a model server that never answers holds a commit up for the default 2 s only."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitocto.committime.settings import DEFAULT_TIMEOUT_S
from gitocto.hooks.install import install


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """An endpoint whose connections the kernel accepts (the listen backlog) and that never answers."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/v1"


def test_the_default_timeout_lets_the_commit_go_on(repo: Any, silent_endpoint: str, tmp_path: Path) -> None:
    assert DEFAULT_TIMEOUT_S == 2.0  # README: "after `octo.timeout` seconds (default 2)"
    repo.commit("Start", {"calc.py": "x = 1\n"})
    repo.git("config", "octo.backend", "openai")
    repo.git("config", "octo.endpoint", silent_endpoint)
    repo.git("config", "octo.model", "stub")  # no model list to ask for first
    assert subprocess.run(["git", "config", "octo.timeout"], cwd=repo.path, check=False).returncode == 1
    install(str(repo.path), ["prepare-commit-msg"])
    editor = tmp_path / "editor.sh"  # types a message when the hook left none
    editor.write_text("#!/bin/sh\ngrep -v '^#' \"$1\" | grep -q '[^[:space:]]' || echo 'typed by the user' > \"$1\"\n")
    editor.chmod(0o755)
    repo.write({"calc.py": "x = 2\n"})
    repo.git("add", "-A")
    start = time.monotonic()
    proc = subprocess.run(
        ["git", "commit", "-q"],
        cwd=repo.path,
        env={**os.environ, "GIT_EDITOR": str(editor)},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        f"git octo: no message suggestion: the openai backend did not answer within {DEFAULT_TIMEOUT_S:g}s\n"
    )
    assert repo.git("log", "-1", "--format=%s").strip() == "typed by the user"
    # The bound leaves room for a loaded CI machine's start-up; an unbounded wait would be the client's own minutes.
    assert DEFAULT_TIMEOUT_S <= elapsed < DEFAULT_TIMEOUT_S + 25, f"the commit took {elapsed:.1f}s"
