"""Commit-time help with the hf backend never downloads: a model id must be in the local Hugging Face cache.

Each run has HF_HUB_OFFLINE unset and HF_ENDPOINT on a loopback port where nothing listens, so a download attempt
would fail with a connection error instead of leaving the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

NOT_CACHED = "gitocto-test/not-cached"
CACHED = "gitocto-test/tiny"
NOT_CACHED_ERROR = (
    f"model {NOT_CACHED!r} is not in the local Hugging Face cache, and this command does not "
    f"download; fetch it once with `hf download {NOT_CACHED}` or give a local model directory"
)

pytestmark = pytest.mark.slow  # each run imports torch and transformers


@pytest.fixture
def online_env(tmp_path: Path) -> dict[str, str]:
    """The test environment with the hub reachable in principle (not offline), at an address that refuses."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    }
    env.update(HF_ENDPOINT="http://127.0.0.1:9", HF_HOME=str(tmp_path / "hf-home"), HF_HUB_DISABLE_TELEMETRY="1")
    return env


@pytest.fixture
def staged(repo: Any) -> Any:
    """A repository with a commit and a staged change to a Python file."""
    repo.commit("Add calc", {"calc.py": "def add(a, b):\n    return a + b\n"})
    repo.write({"calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"})
    repo.git("add", "-A")
    return repo


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)


def cache_model(hf_home: Path, model_dir: Path, model_id: str) -> None:
    """Lay a local model directory out in the hub cache under `model_id`, as a download would have."""
    revision = "0" * 40
    repo_dir = hf_home / "hub" / f"models--{model_id.replace('/', '--')}"
    shutil.copytree(model_dir, repo_dir / "snapshots" / revision)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(revision)


def test_msg_with_a_model_id_not_in_the_cache_is_one_line(staged: Any, online_env: dict[str, str]) -> None:
    proc = run(
        ["git", "octo", "msg", "--backend", "hf", "--model", NOT_CACHED, "--timeout", "60"], staged.path, online_env
    )
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"git octo: error: {NOT_CACHED_ERROR}\n"


def test_fix_with_a_model_id_not_in_the_cache_is_one_line(repo: Any, online_env: dict[str, str]) -> None:
    repo.commit("Start", {"README.md": "hi\n"})
    repo.write({"calc.py": "def add(a, b:\n"})
    repo.git("add", "-A")
    proc = run(
        ["git", "octo", "fix", "--backend", "hf", "--model", NOT_CACHED, "--timeout", "60"], repo.path, online_env
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == f"git octo: error: {NOT_CACHED_ERROR}"


def test_the_hook_with_a_model_id_not_in_the_cache_lets_the_commit_through(
    staged: Any, online_env: dict[str, str], tmp_path: Path
) -> None:
    from gitocto.hooks.install import install

    for key, value in (("octo.backend", "hf"), ("octo.model", NOT_CACHED), ("octo.timeout", "60")):
        staged.git("config", key, value)
    install(str(staged.path), ["prepare-commit-msg"])
    editor = tmp_path / "editor.sh"  # types a message when the hook left none
    editor.write_text("#!/bin/sh\ngrep -v '^#' \"$1\" | grep -q '[^[:space:]]' || echo 'typed by the user' > \"$1\"\n")
    editor.chmod(0o755)
    env = {**online_env, "GIT_EDITOR": str(editor)}
    proc = run(["git", "commit", "-q"], staged.path, env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == f"git octo: no message suggestion: {NOT_CACHED_ERROR}\n"
    assert staged.git("log", "-1", "--format=%s").strip() == "typed by the user"


def test_msg_with_a_cached_model_id_loads_it_without_the_network(
    staged: Any, online_env: dict[str, str], tiny_model_dir: Path
) -> None:
    cache_model(Path(online_env["HF_HOME"]), tiny_model_dir, CACHED)
    proc = run(["git", "octo", "msg", "--backend", "hf", "--model", CACHED, "--timeout", "60"], staged.path, online_env)
    # A random tiny model: a line, or no usable message; never an error about loading it.
    assert proc.returncode == 0 or proc.stderr == "git octo: error: the hf backend gave no usable message\n", (
        proc.stderr
    )
