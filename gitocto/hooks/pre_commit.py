"""The pre-commit hook (`octo-fix`): stop a commit whose staged files have syntax errors, saying where."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from gitocto.errors import OctoError
from gitocto.fix.command import staged_paths, syntax_issues
from gitocto.msg import repo


def check_staged(cwd: str, only: Sequence[str] | None = None) -> int:
    """Print each syntax error in the staged files (or in `only` of them) as file:line:col; 1 if any."""
    root = repo.repo_root(cwd)
    issues = syntax_issues(root, staged_paths(root, only))
    for path_issues in issues.values():
        for issue in path_issues:
            print(issue)
    if issues:
        print("git octo: syntax errors in staged files; `git octo fix` suggests repairs when a model is "
              "configured (bypass the hook with git commit --no-verify)", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for git (no arguments) and for pre-commit (the staged file names)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return check_staged(os.getcwd(), args or None)
    except OctoError as exc:
        print(f"git octo: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
