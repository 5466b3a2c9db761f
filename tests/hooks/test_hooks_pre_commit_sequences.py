"""The pre-commit hook stays out of merges, rebases and cherry-picks in progress, as prepare-commit-msg does."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitocto.hooks.install import install
from gitocto.hooks.pre_commit import main

BROKEN_RESOLUTION = "x = (2 + 3\n"  # a syntax error the hook stops outside a sequence


def git(repo: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo.path, env=dict(os.environ), capture_output=True, text=True, check=False
    )


def conflict(repo: Any, how: str) -> None:
    """Leave `repo` stopped in a conflicted merge, cherry-pick or rebase over calc.py."""
    repo.commit("Start", {"calc.py": "x = 1\n"})
    repo.git("switch", "-q", "-c", "topic")
    repo.commit("Topic", {"calc.py": "x = 2\n"})
    repo.git("switch", "-q", "main")
    repo.commit("Main", {"calc.py": "x = 3\n"})
    if how == "rebase":
        repo.git("switch", "-q", "topic")
    args = {"merge": ["merge", "topic"], "cherry-pick": ["cherry-pick", "topic"], "rebase": ["rebase", "main"]}[how]
    proc = git(repo, *args)
    assert proc.returncode != 0 and "CONFLICT" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


@pytest.mark.parametrize("how", ["merge", "cherry-pick", "rebase"])
def test_a_conflict_resolution_is_committed_through_the_plain_hook_unchecked(repo: Any, how: str) -> None:
    install(str(repo.path), ["pre-commit"])
    conflict(repo, how)
    repo.write({"calc.py": BROKEN_RESOLUTION})
    repo.git("add", "calc.py")
    proc = git(repo, "commit", "-q", "--no-edit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")
    assert repo.git("show", "HEAD:calc.py") == BROKEN_RESOLUTION
    if how == "rebase":
        repo.git("rebase", "--abort")
    # Outside the sequence the hook checks again.
    repo.write({"calc.py": BROKEN_RESOLUTION + "y = 1\n"})
    repo.git("add", "calc.py")
    proc = git(repo, "commit", "-q", "-m", "Broken")
    assert proc.returncode == 1
    assert proc.stderr.startswith("calc.py:1:")  # git sends a hook's output to stderr


def test_the_framework_entry_point_skips_a_merge_in_progress(
    repo: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    conflict(repo, "merge")
    (Path(repo.path) / "calc.py").write_text(BROKEN_RESOLUTION)
    monkeypatch.chdir(repo.path)
    assert main(["calc.py"]) == 0
    assert capsys.readouterr() == ("", "")
    repo.git("merge", "--abort")
    (Path(repo.path) / "calc.py").write_text(BROKEN_RESOLUTION)
    assert main(["calc.py"]) == 1
