"""`git octo fix`: syntax errors in staged files, and model repairs for them or for a failing check command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from gitocto.code.parsers import language_for_path
from gitocto.errors import OctoError
from gitocto.fix.syntax import SyntaxIssue, check_source
from gitocto.msg import repo
from gitocto.msg.settings import Settings, load_settings

DEFAULT_FIX_TIMEOUT_S = 300.0
CHECK_OUTPUT_LINES = 20


def staged_paths(root: Path, only: Sequence[str] | None = None) -> list[str]:
    """Staged (added, copied, modified or renamed) files that a grammar covers, relative to `root`."""
    out = repo.run_git(["diff", "--cached", "--name-only", "-z", "--diff-filter=ACMR"], root)
    paths = [p for p in out.decode("utf-8", "surrogateescape").split("\0") if p and language_for_path(p)]
    if only is not None:
        wanted = {Path(p).as_posix() for p in only}
        paths = [p for p in paths if p in wanted]
    return paths


def staged_source(root: Path, path: str) -> bytes:
    """The contents of `path` as staged (what the commit will hold)."""
    return repo.run_git(["cat-file", "blob", f":{path}"], root)


def syntax_issues(root: Path, paths: Sequence[str]) -> dict[str, list[SyntaxIssue]]:
    """Syntax errors per staged file (files without errors are left out)."""
    found = {}
    for path in paths:
        issues = check_source(path, staged_source(root, path))
        if issues:
            found[path] = issues
    return found


def run_check(root: Path, command: str) -> bool:
    """Run the user's check command in the work tree; print the end of its output when it fails."""
    proc = subprocess.run(command, shell=True, cwd=root, capture_output=True, text=True, errors="replace",
                          check=False)
    if proc.returncode == 0:
        return True
    tail = (proc.stdout + proc.stderr).rstrip().splitlines()[-CHECK_OUTPUT_LINES:]
    print(f"git octo: check failed (exit {proc.returncode}): {command}", file=sys.stderr)
    for line in tail:
        print(f"  {line}", file=sys.stderr)
    return False


def fix_command(
    cwd: str,
    check_cmd: str | None = None,
    apply: bool = False,
    backend: str | None = None,
    model: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> int:
    """Report syntax errors in staged files and, with a model backend, show (or apply) repairs; 1 on problems."""
    root = repo.repo_root(cwd)
    settings = load_settings(str(root), backend, model, endpoint, timeout or DEFAULT_FIX_TIMEOUT_S)
    paths = staged_paths(root)
    issues = syntax_issues(root, paths)
    for path_issues in issues.values():
        for issue in path_issues:
            print(issue)
    check_ok = run_check(root, check_cmd) if check_cmd else True
    to_repair = paths if not check_ok else [p for p in paths if p in issues]
    if not to_repair:
        if not paths:
            print("git octo: no staged files in a language with a grammar", file=sys.stderr)
        return 0 if check_ok else 1
    if not settings.uses_model:
        print("git octo: for suggested repairs, configure a model: git config octo.backend openai "
              "and octo.endpoint URL (or pass --backend/--endpoint)", file=sys.stderr)
        return 1
    _repair_files(root, to_repair, settings, apply)
    return 1


def _repair_files(root: Path, paths: Sequence[str], settings: Settings, apply: bool) -> None:
    from gitocto.backends.base import make_backend
    from gitocto.fix.repair import repair, unified_diff

    backend = make_backend(settings.backend, model=settings.model, endpoint=settings.endpoint,
                           timeout=settings.timeout)
    for path in paths:
        source = staged_source(root, path).decode("utf-8", "surrogateescape")
        fixed = repair(backend, path, source)
        if not fixed or fixed == source:
            print(f"git octo: the model proposed no change to {path}", file=sys.stderr)
            continue
        sys.stdout.write(unified_diff(path, source, fixed))
        if apply:
            _apply(root, path, source, fixed)


def _apply(root: Path, path: str, staged: str, fixed: str) -> None:
    """Write the repair to the work tree, unless that would lose unstaged edits; the index is left alone."""
    target = root / path
    try:
        current = target.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise OctoError(f"cannot read {path}: {exc.strerror}") from None
    if current != staged:
        print(f"git octo: {path} has unstaged changes; not overwriting it (stash or stage them first)",
              file=sys.stderr)
        return
    target.write_text(fixed, encoding="utf-8", errors="surrogateescape")
    print(f"git octo: wrote the repair to {path} (not staged; review it and `git add` it)", file=sys.stderr)
