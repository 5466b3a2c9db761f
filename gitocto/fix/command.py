"""`git octo fix`: syntax errors in staged files, and model repairs for them or for a failing check command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from gitocto import console
from gitocto.code.parsers import language_for_path
from gitocto.committime.settings import Settings, load_settings
from gitocto.errors import OctoError
from gitocto.fix.syntax import SyntaxIssue, check_source
from gitocto.git import worktree as repo

DEFAULT_FIX_TIMEOUT_S = 300.0
CHECK_OUTPUT_LINES = 20
REGULAR_MODES = frozenset({"100644", "100755"})


def staged_paths(root: Path) -> list[str]:
    """Staged regular files (added, copied, modified or changed in type) that a grammar covers, relative to `root`.

    Symlinks and submodules are left out: their staged "contents" are a link target or a commit, not source.
    """
    out = repo.run_git(["diff", "--cached", "--raw", "-z", "--no-renames", "--diff-filter=ACMRT"], root)
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    paths = []
    # Each record is ":<old mode> <new mode> <old sha> <new sha> <status>" and then the path, as two fields.
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        new_mode = meta.split(" ")[1] if meta.startswith(":") else ""
        if new_mode in REGULAR_MODES and language_for_path(path):
            paths.append(path)
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
    proc = subprocess.run(command, shell=True, cwd=root, capture_output=True, text=True, errors="replace", check=False)
    if proc.returncode == 0:
        return True
    tail = (proc.stdout + proc.stderr).rstrip().splitlines()[-CHECK_OUTPUT_LINES:]
    console.note(f"check failed (exit {proc.returncode}): {command}")
    for line in tail:
        console.line(f"  {line}", err=True)
    return False


@dataclass(frozen=True)
class Options:
    """What `git octo fix` takes; a backend, model or endpoint not given comes from git config."""

    cwd: str
    check_cmd: str | None = None
    apply: bool = False
    backend: str | None = None
    model: str | None = None
    endpoint: str | None = None
    timeout: float | None = None


def run(options: Options) -> int:
    """Report syntax errors in staged files and, with a model backend, show (or apply) repairs; 1 on problems."""
    cwd, check_cmd, apply, timeout = options.cwd, options.check_cmd, options.apply, options.timeout
    backend, model, endpoint = options.backend, options.model, options.endpoint
    root = repo.repo_root(cwd)
    settings = load_settings(str(root), backend, model, endpoint, DEFAULT_FIX_TIMEOUT_S if timeout is None else timeout)
    paths = staged_paths(root)
    issues = syntax_issues(root, paths)
    for path_issues in issues.values():
        for issue in path_issues:
            console.line(str(issue))
    check_ok = run_check(root, check_cmd) if check_cmd else True
    to_repair = paths if not check_ok else [p for p in paths if p in issues]
    if not to_repair:
        if not paths:
            console.note("no staged files in a language with a grammar")
        return 0 if check_ok else 1
    if not settings.uses_model:
        console.note(
            "for suggested repairs, configure a model: git config octo.backend openai "
            "and octo.endpoint URL (or pass --backend/--endpoint)"
        )
        return 1
    _repair_files(root, to_repair, settings, apply)
    return 1


def _repair_files(root: Path, paths: Sequence[str], settings: Settings, apply: bool) -> None:
    from gitocto.backends.base import make_backend
    from gitocto.committime.deadline import call_within
    from gitocto.fix.repair import repair, unified_diff
    from gitocto.msg.model import import_client, local_options

    import_client(settings.backend)
    # The client's own timeout is per socket read, so a server that trickles bytes would never trip it:
    # every request also gets a wall-clock limit of the same length.
    late = f"the {settings.backend} backend did not answer within {settings.timeout:g}s (--timeout)"
    make = partial(
        make_backend,
        settings.backend,
        model=settings.model,
        endpoint=settings.endpoint,
        timeout=settings.timeout,
        **local_options(settings.backend),
    )
    # Only the openai backend asks a server while it starts (for its model list); hf and vllm load locally.
    backend = call_within(make, settings.timeout, late) if settings.backend == "openai" else make()
    for path in paths:
        source = staged_source(root, path).decode("utf-8", "surrogateescape")
        reply = call_within(partial(repair, backend, path, source), settings.timeout, f"{late} for {path}")
        if reply.cut_off:  # the diff would delete the file's tail
            console.note(f"the model's repair of {path} was cut off at {reply.budget} tokens; not shown or applied")
            continue
        fixed = with_newlines(reply.code, crlf="\r\n" in source) if reply.code else reply.code
        if not fixed or fixed == source:
            console.note(f"the model proposed no change to {path}")
            continue
        still = check_source(path, fixed.encode("utf-8", "surrogateescape"))
        if still:
            console.note(f"the model's repair of {path} does not parse ({still[0]}); not shown or applied")
            continue
        sys.stdout.write(unified_diff(path, source, fixed))
        if apply:
            _apply(root, path, fixed)


def with_newlines(text: str, crlf: bool) -> str:
    """`text` with every line ending made CRLF (`crlf`) or LF, so a repair keeps the file's line endings."""
    text = text.replace("\r\n", "\n")
    return text.replace("\n", "\r\n") if crlf else text


def has_unstaged_changes(root: Path, path: str) -> bool:
    """True when the work-tree file differs from its staged version (as git sees it, filters and eol included)."""
    proc = subprocess.run(
        ["git", "diff", "--quiet", "--no-ext-diff", "--no-textconv", "--", path],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return proc.returncode != 0


def _apply(root: Path, path: str, fixed: str) -> None:
    """Write the repair to the work tree, unless that would lose unstaged edits; the index is left alone."""
    target = root / path
    if has_unstaged_changes(root, path):
        console.note(f"{path} has unstaged changes; not overwriting it (stash or stage them first)")
        return
    try:
        current = target.read_bytes()
    except OSError as exc:
        raise OctoError(f"cannot read {path}: {exc.strerror}") from None
    # Bytes, not text: reading and writing text would translate line endings behind git's back.
    target.write_bytes(with_newlines(fixed, crlf=b"\r\n" in current).encode("utf-8", "surrogateescape"))
    console.note(f"wrote the repair to {path} (not staged; review it and `git add` it)")
