"""Helpers for the extract tests: read any output format back, and run the real `git octo` binary."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest


def read_output(path: Path) -> list[dict[str, Any]]:
    """Records of a .jsonl, .jsonl.gz or .parquet file, or of every part in a shard directory, in order."""
    if path.is_dir():
        parts = sorted(p for p in path.iterdir() if p.name.startswith("part-"))
        return [r for part in parts for r in read_output(part)]
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]
    opener: Any = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def octo(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `git octo ARGS` as the user would (the installed console script, through git)."""
    return subprocess.run(["git", "octo", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"})


@pytest.fixture
def history(make_repo: Any) -> Any:
    """A small repository: an MIT licence, a Python file added, modified, renamed and deleted, and a merge."""
    repo = make_repo("proj")
    repo.commit("Add the licence and the parser", {
        "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n",
        "src/parser.py": "def parse(text):\n    return text.split()\n",
    })
    repo.commit("Fix parse for empty input\n\nEmpty strings gave a list with one item.", {
        "src/parser.py": "def parse(text):\n    if not text:\n        return []\n    return text.split()\n",
    })
    repo.git("mv", "src/parser.py", "src/tokens.py")
    repo.commit("Rename the parser module to tokens")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Add a Go helper", {"go/util.go": "package util\n\nfunc Id(x int) int { return x }\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Add a README", {"README.md": "# proj\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
    repo.commit("Remove the README", {"README.md": None})
    return repo
