"""Real `git commit` runs through the pre-commit framework, with gitocto's hooks installed from this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.commits import HISTORY, SIMILAR_TO_RETRY, stage_link_and_submodule
from tests.support.git_octo import git_run, octo_lines

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_PATHS = ["pyproject.toml", "README.md", "gitocto", "hooks", "man", ".pre-commit-hooks.yaml"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A git repository holding the current checkout's files (committed or not), and its commit."""
    source = tmp_path_factory.mktemp("gitocto-source")
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z", "--", *SNAPSHOT_PATHS],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for rel in filter(None, listed):
        src, dst = ROOT / rel, source / rel
        if not src.exists() and not src.is_symlink():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            dst.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, dst)
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "snap",
        "GIT_AUTHOR_EMAIL": "s@example.com",
        "GIT_COMMITTER_NAME": "snap",
        "GIT_COMMITTER_EMAIL": "s@example.com",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=source, env=env, check=True, capture_output=True)
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=source, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    return source, rev


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module, so the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def installed_dependencies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory that shows the running environment's installed packages, gitocto itself left out.

    The hook environment is a new virtualenv; inside a venv its "system site-packages" would be the base
    interpreter's, which need not hold anything. On PYTHONPATH, this directory lets pip in the hook environment
    find every dependency already installed (offline), while `import gitocto` still finds the snapshot's copy
    that pip installs there.
    """
    shown = tmp_path_factory.mktemp("installed-dependencies")
    for site in dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib")):
        for entry in Path(site).iterdir():
            own = entry.name.lower().replace("-", "_")
            if own.startswith(("gitocto", "__editable__.gitocto", "__editable___gitocto")) or entry.suffix == ".pth":
                continue
            if not (shown / entry.name).exists():
                (shown / entry.name).symlink_to(entry)
    return shown


@pytest.fixture
def framework_repo(
    history_repo: Any,
    hook_source: tuple[Path, str],
    pre_commit_home: Path,
    installed_dependencies: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    """`history_repo` with gitocto's hooks installed through `pre-commit install`."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(pre_commit_home))
    # Offline: the hook environment sees the already-installed dependencies and builds gitocto without an index.
    monkeypatch.delenv("VIRTUALENV_SYSTEM_SITE_PACKAGES", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(installed_dependencies))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_NO_BUILD_ISOLATION", "0")
    source, rev = hook_source
    (history_repo.path / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {source}\n  rev: {rev}\n  hooks:\n  - id: octo-commit-msg\n  - id: octo-fix\n"
    )
    history_repo.commit("Add pre-commit config")
    proc = subprocess.run(
        ["pre-commit", "install", "--install-hooks", "--hook-type", "prepare-commit-msg", "--hook-type", "pre-commit"],
        cwd=history_repo.path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield history_repo


def last_message(repo: Any) -> str:
    return str(repo.git("log", "-1", "--format=%B")).strip()


def test_octo_commit_msg_fills_an_empty_message(framework_repo: Any) -> None:
    framework_repo.write(SIMILAR_TO_RETRY)
    framework_repo.git("add", "net.py")
    proc = git_run(framework_repo, "commit", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert last_message(framework_repo) == HISTORY[1][0]


def test_octo_commit_msg_leaves_given_messages_alone(framework_repo: Any) -> None:
    framework_repo.write(SIMILAR_TO_RETRY)
    framework_repo.git("add", "net.py")
    proc = git_run(framework_repo, "commit", "-q", "-m", "My own words")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert last_message(framework_repo) == "My own words"
    proc = git_run(framework_repo, "commit", "-q", "--amend", "--allow-empty")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert last_message(framework_repo) == "My own words"


def test_octo_commit_msg_survives_a_refusing_endpoint(
    framework_repo: Any, refusing_endpoint: str, editor: tuple[str, Path]
) -> None:
    for key, value in (
        ("octo.backend", "openai"),
        ("octo.endpoint", refusing_endpoint),
        ("octo.model", "m"),
        ("octo.timeout", "1"),
    ):
        framework_repo.git("config", key, value)
    framework_repo.write(SIMILAR_TO_RETRY)
    framework_repo.git("add", "net.py")
    proc = git_run(framework_repo, "commit", "-q", env={"GIT_EDITOR": editor[0]})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert last_message(framework_repo) == "typed by the user"
    assert len(octo_lines(proc.stdout + proc.stderr)) <= 1


def test_octo_fix_stops_a_syntax_error(framework_repo: Any) -> None:
    framework_repo.write({"broken.py": "def f(:\n    return 1\n"})
    framework_repo.git("add", "broken.py")
    proc = git_run(framework_repo, "commit", "-q", "-m", "Add broken code")
    assert proc.returncode != 0
    assert "broken.py:1:" in proc.stdout + proc.stderr


def pre_commit_run(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["pre-commit", "run", *args], cwd=repo.path, capture_output=True, text=True, check=False)


def test_octo_commit_msg_comment_mode_leaves_only_comments(framework_repo: Any, editor: tuple[str, Path]) -> None:
    framework_repo.git("config", "octo.hookMode", "comment")
    edit, seen = editor
    framework_repo.write(SIMILAR_TO_RETRY)
    framework_repo.git("add", "net.py")
    proc = git_run(framework_repo, "commit", "-q", env={"GIT_EDITOR": edit})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shown = seen.read_text().splitlines()
    assert f"# {HISTORY[1][0]}" in shown
    assert not [line for line in shown if line.strip() and not line.startswith("#")]
    assert last_message(framework_repo) == "typed by the user"  # the editor saw no text, so it typed its own


def test_octo_commit_msg_cuts_off_a_trickling_endpoint(
    framework_repo: Any, trickling_endpoint: str, editor: tuple[str, Path]
) -> None:
    for key, value in (
        ("octo.backend", "openai"),
        ("octo.endpoint", trickling_endpoint),
        ("octo.model", "m"),
        ("octo.timeout", "1"),
    ):
        framework_repo.git("config", key, value)
    framework_repo.write(SIMILAR_TO_RETRY)
    framework_repo.git("add", "net.py")
    start = time.monotonic()
    proc = git_run(framework_repo, "commit", "-q", env={"GIT_EDITOR": editor[0]})
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert last_message(framework_repo) == "typed by the user"
    assert elapsed < 1 + 10, f"the commit took {elapsed:.1f}s with octo.timeout=1"
    assert len(octo_lines(proc.stdout + proc.stderr)) <= 1  # the framework shows a passing hook's output only with -v


def test_octo_fix_checks_every_file_with_all_files(framework_repo: Any) -> None:
    framework_repo.write({"old.py": "def f(:\n"})
    framework_repo.git("add", "old.py")
    framework_repo.git("commit", "-q", "--no-verify", "-m", "Broken before the hook")
    proc = pre_commit_run(framework_repo, "octo-fix", "--all-files")  # nothing is staged
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "old.py:1:" in proc.stdout


def test_octo_fix_checks_the_named_files_as_on_disk(framework_repo: Any) -> None:
    framework_repo.write({"draft.py": "def f(:\n", "ok.py": "x = 1\n"})  # untracked, never staged
    proc = pre_commit_run(framework_repo, "octo-fix", "--files", "draft.py", "ok.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "draft.py:1:" in proc.stdout and "ok.py" not in proc.stdout.replace("Passed", "")
    proc = pre_commit_run(framework_repo, "octo-fix", "--files", "ok.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_octo_fix_checks_stub_files(framework_repo: Any) -> None:
    framework_repo.write({"types.pyi": "def f(x: int -> int: ...\n"})
    framework_repo.git("add", "types.pyi")
    proc = git_run(framework_repo, "commit", "-q", "-m", "Add stubs")
    assert proc.returncode != 0
    assert "types.pyi:1:" in proc.stdout + proc.stderr


def test_octo_fix_passes_symlinks_and_submodules(framework_repo: Any, make_repo: Any) -> None:
    stage_link_and_submodule(framework_repo, make_repo("library"))
    proc = git_run(framework_repo, "commit", "-q", "-m", "Add a link and a submodule")
    assert proc.returncode == 0, proc.stdout + proc.stderr
