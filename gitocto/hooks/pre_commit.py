"""The pre-commit hook (`octo-fix`): stop a commit whose staged files have syntax errors, saying where."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from gitocto import console
from gitocto.code.parsers import language_for_path
from gitocto.errors import OctoError
from gitocto.fix.command import staged_paths, syntax_issues
from gitocto.fix.syntax import SyntaxIssue, check_source
from gitocto.git import worktree as repo


def file_issues(cwd: str, names: Sequence[str]) -> dict[str, list[SyntaxIssue]]:
    """Syntax errors in the named files as they are on disk; symlinks, directories and missing files are skipped."""
    found: dict[str, list[SyntaxIssue]] = {}
    for name in names:
        if not language_for_path(name):
            continue
        path = Path(cwd, name)
        try:
            if not stat.S_ISREG(path.lstat().st_mode):
                continue
            source = path.read_bytes()
        except OSError:  # deleted, or unreadable: nothing a syntax check can say about it
            continue
        issues = check_source(name, source)
        if issues:
            found[name] = issues
    return found


def check_staged(cwd: str, only: Sequence[str] | None = None) -> int:
    """Print each syntax error as file:line:col (in the staged files, or in the files `only` names); 1 if any.

    Named files (from the pre-commit framework) are read from disk: the framework has already stashed unstaged
    changes, and with `pre-commit run --all-files` or `--files` they need not be staged at all.
    """
    if only is None:
        root = repo.repo_root(cwd)
        issues = syntax_issues(root, staged_paths(root))
    else:
        issues = file_issues(cwd, only)
    for path_issues in issues.values():
        for issue in path_issues:
            console.line(str(issue))
    if issues:
        sys.stdout.flush()  # the file:line list first, also when both streams end up in one (git's) stderr
        console.note(
            "syntax errors; `git octo fix` suggests repairs when a model is "
            "configured (bypass the hook with git commit --no-verify)"
        )
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for git (no arguments: the staged files) and for pre-commit (the file names to check).

    Like prepare-commit-msg, nothing runs while a merge, rebase, cherry-pick or revert is in progress.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    cwd = os.getcwd()
    try:
        if repo.sequence_in_progress(repo.locate(cwd).git_dir):
            return 0
        return check_staged(cwd, args or None)
    except OctoError as exc:
        console.error(str(exc))
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
