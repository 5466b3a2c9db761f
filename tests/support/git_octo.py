"""Run the real `git octo` (and git) as a user would, and read what gitocto wrote to stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.repos import GitRepo


def octo(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `git octo ARGS` in `cwd` through git and the installed console script; never raises on failure."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # this venv's git-octo first
    return subprocess.run(
        ["git", "octo", *args],
        cwd=cwd,
        env={**os.environ, "PATH": path, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def git_run(repo: GitRepo, *args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run git in the repository and return the whole result (for runs that may fail)."""
    return subprocess.run(
        ["git", *args], cwd=repo.path, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )


def octo_lines(stderr: str) -> list[str]:
    """Lines that gitocto wrote to stderr."""
    return [line for line in stderr.splitlines() if line.startswith("git octo")]
