"""Fixtures for the extract tests: a small real repository with every kind of change."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def history(make_repo: Any) -> Any:
    """A small repository: an MIT licence, a Python file added, modified, renamed and deleted, and a merge."""
    repo = make_repo("proj")
    repo.commit(
        "Add the licence and the parser",
        {
            "LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n",
            "src/parser.py": "def parse(text):\n    return text.split()\n",
        },
    )
    repo.commit(
        "Fix parse for empty input\n\nEmpty strings gave a list with one item.",
        {
            "src/parser.py": "def parse(text):\n    if not text:\n        return []\n    return text.split()\n",
        },
    )
    repo.git("mv", "src/parser.py", "src/tokens.py")
    repo.commit("Rename the parser module to tokens")
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("Add a Go helper", {"go/util.go": "package util\n\nfunc Id(x int) int { return x }\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("Add a README", {"README.md": "# proj\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge branch 'side'", "side")
    repo.commit("Remove the README", {"README.md": None})
    return repo
