"""The few git queries commit-time help needs, through the git binary (fast to start, no heavy imports)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from gitocto.errors import OctoError

# The diff options every NNGen vector is built from: staged diffs and history diffs must be tokenised alike.
DIFF_OPTIONS = ("-M", "-U0", "--no-color", "--no-ext-diff", "--no-textconv")


def run_git(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, check: bool = True) -> bytes:
    """Run git and return its stdout; a failure becomes a one-line OctoError."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise OctoError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = err[-1] if err else f"exit {proc.returncode}"
        raise OctoError(f"git {args[0]} failed: {detail}")
    return proc.stdout


def git_text(args: Sequence[str], cwd: str | os.PathLike[str] | None = None) -> str:
    """Run git and return its stdout as stripped text."""
    return run_git(args, cwd).decode("utf-8", "replace").strip()


def repo_root(cwd: str | os.PathLike[str] | None = None) -> Path:
    """The top of the work tree, or an OctoError outside a repository."""
    proc = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise OctoError("not inside a git work tree")
    return Path(proc.stdout.decode().strip())


class Location(NamedTuple):
    """Where a work tree's pieces are: its top, its git dir, the NNGen index, and HEAD (None when unborn)."""

    root: Path
    git_dir: Path
    index_dir: Path
    head: str | None


def locate(cwd: str | os.PathLike[str] | None = None, index_name: str = "octo/nn-index") -> Location:
    """All of `Location` from one git call (each git start costs milliseconds on the hook path)."""
    proc = subprocess.run(
        [
            "git",
            "rev-parse",
            "--path-format=absolute",
            "--show-toplevel",
            "--absolute-git-dir",
            "--git-path",
            index_name,
            "HEAD^{commit}",
        ],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 3:
        raise OctoError("not inside a git work tree")
    head = lines[3] if proc.returncode == 0 and len(lines) > 3 else None
    return Location(Path(lines[0]), Path(lines[1]), Path(lines[2]), head)


def git_path(name: str, cwd: str | os.PathLike[str] | None = None) -> Path:
    """`git rev-parse --git-path NAME` made absolute (respects worktrees and core.hooksPath)."""
    out = git_text(["rev-parse", "--path-format=absolute", "--git-path", name], cwd)
    return Path(out)


def head_commit(cwd: str | os.PathLike[str] | None = None) -> str | None:
    """The sha of HEAD, or None on an unborn branch."""
    proc = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "HEAD^{commit}"], cwd=cwd, capture_output=True, check=False
    )
    return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def resolve_commit(rev: str, cwd: str | os.PathLike[str] | None = None) -> str:
    """The full sha a revision names, or an OctoError that says so."""
    proc = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise OctoError(f"not a commit: {rev!r}")
    return proc.stdout.decode().strip()


def octo_config(cwd: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """All `octo.*` keys and core.commentChar in one git call, keys lower-cased as git reports them."""
    proc = subprocess.run(
        ["git", "config", "-z", "--get-regexp", r"^(octo\.|core\.commentchar$)"],
        cwd=cwd,
        capture_output=True,
        check=False,
    )
    config: dict[str, str] = {}
    for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
        if entry:
            key, _, value = entry.partition("\n")
            config[key.lower()] = value
    return config


def staged_diff(cwd: str | os.PathLike[str] | None = None) -> bytes:
    """The staged change as a patch (against the empty tree on an unborn branch)."""
    return run_git(["diff", "--cached", *DIFF_OPTIONS], cwd)


def commit_diff(sha: str, cwd: str | os.PathLike[str] | None = None) -> bytes:
    """The patch a commit introduced (against its first parent)."""
    return run_git(["log", "-1", "--format=", "-p", "--diff-merges=first-parent", *DIFF_OPTIONS, sha], cwd)


def sequence_in_progress(git_dir: Path) -> str | None:
    """The merge, rebase, cherry-pick or revert under way in `git_dir`, or None."""
    for name, what in (
        ("rebase-merge", "rebase"),
        ("rebase-apply", "rebase"),
        ("MERGE_HEAD", "merge"),
        ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"),
        ("sequencer", "cherry-pick"),
    ):
        if (git_dir / name).exists():
            return what
    return None
