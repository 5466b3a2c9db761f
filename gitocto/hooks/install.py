"""`git octo hooks install|uninstall`: plain git hooks that chain whatever hook was there before.

A hook already in place is renamed to `<hook>.pre-octo` (same bytes, mode and times, since it is only renamed)
and run first by the shim; uninstall renames it back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gitocto import console
from gitocto.errors import OctoError
from gitocto.git import worktree as repo
from gitocto.records import atomic_write

HOOK_NAMES = ("prepare-commit-msg", "pre-commit")
CHAINED_SUFFIX = ".pre-octo"
MARKER = b"installed by `git octo hooks install"
SHIMS = Path(__file__).resolve().parent / "shims"


def hooks_dir(cwd: str) -> Path:
    """The directory git runs hooks from (`git rev-parse --git-path hooks`, so core.hooksPath counts)."""
    repo.git_text(["rev-parse", "--git-dir"], cwd)
    return repo.git_path("hooks", cwd)


def shim_text(name: str, python: str = sys.executable) -> str:
    """The shim for hook `name`, pointing at this Python (where gitocto is installed)."""
    if name not in HOOK_NAMES:
        raise OctoError(f"unknown hook {name!r}; gitocto provides {', '.join(HOOK_NAMES)}")
    text = (SHIMS / f"{name}.sh").read_text(encoding="utf-8")
    return text.replace("@OCTO_PYTHON@", python.replace("'", "'\\''"))


def is_ours(path: Path) -> bool:
    """True when `path` is a shim this tool installed."""
    if path.is_symlink() or not path.is_file():
        return False
    with path.open("rb") as fh:
        return MARKER in fh.read(512)


def install(cwd: str, names: Sequence[str]) -> int:
    """Install the named hooks, chaining any existing ones; then build the message index. Returns 0."""
    directory = hooks_dir(cwd)
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        target = directory / name
        chained = directory / (name + CHAINED_SUFFIX)
        shim = shim_text(name)
        if (target.exists() or target.is_symlink()) and not is_ours(target):
            if chained.exists() or chained.is_symlink():
                raise OctoError(f"both {target} and {chained} exist; move one of them away first")
            os.replace(target, chained)
        _write_executable(target, shim)
        also = f" (runs the earlier hook first, kept as {chained.name})" if chained.exists() else ""
        console.note(f"installed the {name} hook in {directory}{also}", err=False)
    if "prepare-commit-msg" in names:
        _warm_index(cwd)
    return 0


def uninstall(cwd: str, names: Sequence[str]) -> int:
    """Remove the named gitocto hooks and put back the hooks they chained, exactly as they were. Returns 0."""
    directory = hooks_dir(cwd)
    for name in names:
        target = directory / name
        chained = directory / (name + CHAINED_SUFFIX)
        has_chained = chained.exists() or chained.is_symlink()
        present = target.exists() or target.is_symlink()
        if present and not is_ours(target):
            if has_chained:  # someone put their own hook here since: both are theirs to sort out
                console.note(f"left {target} and {chained.name} alone: the hook is not gitocto's")
            continue
        if present:
            target.unlink()
        if has_chained:  # also when the shim was removed by hand: the earlier hook must not stay hidden
            os.replace(chained, target)
            console.note(f"removed the {name} hook and restored the earlier one", err=False)
        elif present:
            console.note(f"removed the {name} hook", err=False)
    return 0


def _write_executable(target: Path, text: str) -> None:
    with atomic_write(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
        tmp.chmod(0o755)


def _warm_index(cwd: str) -> None:
    """Build the NNGen index now, so the first hook run does not spend its time budget on it."""
    from gitocto.committime.settings import load_settings

    try:
        if load_settings(cwd).backend != "nn" or repo.head_commit(cwd) is None:
            return
        from gitocto.msg.index import open_index

        index = open_index(cwd)
        console.note(f"indexed {index.count} commits for message suggestions", err=False)
        index.close()
    except OctoError as exc:
        console.warn(f"the message index was not built: {exc}")
