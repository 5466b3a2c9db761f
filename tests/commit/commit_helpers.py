"""Helpers shared by the commit-time tests (a module of its own: `conftest` names clash across test folders)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Past changes with distinctive words, so the nearest neighbour of a new change is known.
HISTORY: list[tuple[str, dict[str, str]]] = [
    ("Add the parser for config files", {"config.py": "def parse_config(path):\n    return load_yaml(path)\n"}),
    ("Add HTTP retry with backoff", {"net.py": "def fetch(url, retries=3):\n    return backoff_get(url, retries)\n"}),
    ("Document the install steps", {"INSTALL.md": "# Install\n\nRun pip install gitocto.\n"}),
    ("Add a cache for parsed templates", {"cache.py": "def template_cache(name):\n    return lru_store(name)\n"}),
]
SIMILAR_TO_RETRY = {"net.py": "def fetch(url, retries=5):\n    return backoff_get(url, retries, jitter=True)\n"}


def octo(args: list[str], cwd: Path, env: Mapping[str, str] | None = None,
         stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real `git octo` in `cwd`."""
    return subprocess.run(["git", "octo", *args], cwd=cwd, env={**os.environ, **(env or {})}, input=stdin,
                          capture_output=True, text=True, check=False)


def git_run(repo: Any, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in the repository and return the whole result (for runs that may fail)."""
    return subprocess.run(["git", *args], cwd=repo.path, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, check=False)


def octo_lines(stderr: str) -> list[str]:
    """Lines that gitocto wrote to stderr."""
    return [line for line in stderr.splitlines() if line.startswith("git octo")]
