"""Fixtures for the bench tests: HumanEvalPack problems loaded from the shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitocto.bench.data import Problem, load_problems


@pytest.fixture
def problems(humanevalpack_dir: Path) -> dict[str, list[Problem]]:
    """All problems of every language, keyed by language."""
    return {lang: load_problems(lang, humanevalpack_dir) for lang in ("python", "js", "java", "go", "cpp", "rust")}
