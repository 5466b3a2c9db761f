"""Fixtures for the synth tests: a stub teacher, a small repository of source files, and records files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.synth_stub import StubTeacher, stub_teacher

PY_FILE = '''"""Small helpers."""

import math


def area(r):
    """Area of a circle."""
    return math.pi * r * r


def clamp(x, lo, hi):
    if x < lo:
        return lo
    if x > hi:
        return hi
    return x


class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)
        return len(self.items)
'''

GO_FILE = """package main

import "fmt"

func add(a int, b int) int {
\tc := a + b
\treturn c
}

func main() {
\tfmt.Println(add(1, 2))
}
"""


@pytest.fixture
def stub() -> Iterator[StubTeacher]:
    """A running canned teacher."""
    with stub_teacher() as teacher:
        yield teacher


@pytest.fixture
def source_repo(repo: object) -> Path:
    """A repository with a Python and a Go file committed, and an uncommitted change that must not be seen."""
    repo.commit("add helpers", {"lib/helpers.py": PY_FILE, "cmd/main.go": GO_FILE, "README.md": "# demo\n"})  # type: ignore[attr-defined]
    repo.write({"lib/helpers.py": "# not committed\n"})  # type: ignore[attr-defined]
    return repo.path  # type: ignore[attr-defined, no-any-return]


@pytest.fixture(scope="session")
def benchmark_index() -> object:
    """The decontamination index over the shipped HumanEvalPack, built once (the same data as humanevalpack_dir)."""
    from gitocto.decontam.index import build_index
    from tests.support.shared_data import humanevalpack_dir

    return build_index(humanevalpack_dir())
