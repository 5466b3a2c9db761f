"""A real git repository in a temp dir, driven through the `git` binary (the `repo`/`make_repo` fixtures)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


class GitRepo:
    """A real repository in a temp dir, driven through the `git` binary."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tick = 0

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        """Run git in the repository and return its stdout."""
        full_env = {**os.environ, **(env or {})}
        proc = subprocess.run(["git", *args], cwd=self.path, env=full_env, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, files: Mapping[str, str | bytes | None]) -> None:
        """Write (or, with None, delete) files in the work tree."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")

    def commit(self, message: str, files: Mapping[str, str | bytes | None] | None = None) -> str:
        """Write `files`, stage everything and commit with a distinct, increasing date; return the sha."""
        if files:
            self.write(files)
        self.git("add", "-A")
        self._tick += 1
        date = f"2024-01-01T00:{self._tick // 60:02d}:{self._tick % 60:02d}+00:00"
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
            env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date},
        )
        return self.git("rev-parse", "HEAD").strip()
