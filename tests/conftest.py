"""Shared fixtures: an isolated git environment, real repositories built in temp dirs, a tiny model."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.repos import GitRepo

# Fixtures that several test folders share: the commit-time doubles (msg, fix, hooks) and a corpus of record shards
# (dedup, stats, scale).
pytest_plugins = ["tests.support.committime_fixtures", "tests.support.corpus"]

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
HUMANEVALPACK_DIR = SHARED / "data" / "humanevalpack"

# `.venv/bin/python -m pytest` works without activating the venv: its scripts (git-octo, pre-commit) come first.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])

# Set before any test module or session fixture imports huggingface_hub, which reads these once at import.
for _key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
    os.environ[_key] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Keep every test away from the user's home, global git config, git templates and the network hubs."""
    home = tmp_path_factory.mktemp("home")
    template = tmp_path_factory.mktemp("git-template")
    env = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TEMPLATE_DIR": str(template),
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PRE_COMMIT_HOME": str(home / ".cache" / "pre-commit"),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EDITOR", "EDITOR", "VISUAL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("GIT_EDITOR", "true")
    try:
        import pygit2

        # pygit2 reads global/system/XDG config through libgit2's own search path, not through $GIT_CONFIG_*.
        for level in (
            pygit2.enums.ConfigLevel.GLOBAL,
            pygit2.enums.ConfigLevel.XDG,
            pygit2.enums.ConfigLevel.SYSTEM,
        ):
            pygit2.settings.search_path[level] = str(home / "no-config")
    except ImportError:  # pragma: no cover - pygit2 is a core dependency
        pass
    yield


@pytest.fixture
def make_repo(tmp_path: Path) -> Iterator[Callable[..., GitRepo]]:
    """Factory: `make_repo("name")` gives an initialised GitRepo on branch main."""

    def factory(name: str = "repo", bare: bool = False) -> GitRepo:
        path = tmp_path / name
        path.mkdir()
        repo = GitRepo(path)
        repo.git("init", "-q", "-b", "main", *(["--bare"] if bare else []))
        return repo

    yield factory


@pytest.fixture
def repo(make_repo: Callable[..., GitRepo]) -> GitRepo:
    """An empty repository with no commits."""
    return make_repo("repo")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised two-layer Llama (hidden size 32) and a BPE tokenizer trained on the fly."""
    pytest.importorskip("torch")
    from tests.support.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def humanevalpack_dir() -> Path:
    """The HumanEvalPack data shipped beside the project (never copied into it)."""
    from tests.support.shared_data import humanevalpack_dir as found

    return found()
