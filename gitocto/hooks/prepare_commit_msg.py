"""The prepare-commit-msg hook: fill in a suggested message when, and only when, the user gave none.

The plain-git shim has already skipped -m/-F/-c/-C/--amend, merge and squash commits and any merge, rebase,
cherry-pick or revert in progress; these checks are repeated here for the pre-commit framework, which starts
Python first. Whatever goes wrong, the commit goes on as if there were no hook, with at most one stderr line.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from gitocto import console
from gitocto.committime.deadline import run_with_deadline
from gitocto.committime.settings import Settings, load_settings
from gitocto.errors import OctoError
from gitocto.git import worktree as repo

# Message sources (git's second argument) that mean the user or git already wrote the message.
SKIP_SOURCES = frozenset({"message", "commit", "merge", "squash"})
SCISSORS = "------------------------ >8 ------------------------"


def has_text(message: str, comment_char: str) -> bool:
    """True when the message has a line that is neither blank nor a comment (above any scissors line)."""
    for line in message.splitlines():
        if line.startswith(comment_char) and SCISSORS in line:
            break
        if line.strip() and not line.startswith(comment_char):
            return True
    return False


def with_suggestion(message: str, suggestion: str, settings: Settings) -> str:
    """The message file's new contents: the suggestion as text (fill) or as comment lines (comment)."""
    rest = message.lstrip("\n")
    if settings.hook_mode == "comment":
        cc = settings.comment_char
        note = (
            f"{cc} Suggested by git octo ({settings.backend}); uncomment the line below to use it:\n{cc} {suggestion}\n"
        )
        return f"\n{note}{rest}"
    return f"{suggestion}\n\n{rest}"


def _say(line: str) -> None:
    console.note(line, flush=True)


def prepare_commit_msg(message_file: Path, source: str, cwd: str) -> int:
    """Apply the rules and, if they allow, write a suggestion into `message_file`; always 0."""
    if source in SKIP_SOURCES:
        return 0
    location = repo.locate(cwd)
    if repo.sequence_in_progress(location.git_dir):
        return 0
    settings = load_settings(cwd)
    try:
        message = message_file.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        _say(f"cannot read {message_file}: {exc.strerror}")
        return 0
    if has_text(message, settings.comment_char):
        return 0

    from gitocto.msg.suggest import NothingStaged, suggest

    outcome = run_with_deadline(lambda: suggest(cwd, settings, location=location), settings.timeout)
    if not outcome.finished:
        if settings.backend == "nn":
            from gitocto.msg.refresh import start_in_background

            start_in_background(cwd)
            _say(f"no message suggestion within {settings.timeout:g}s; indexing the history in the background")
        else:
            _say(f"no message suggestion: the {settings.backend} backend did not answer within {settings.timeout:g}s")
        sys.stdout.flush()
        # The worker thread may be blocked in a socket read: leave without waiting for it.
        os._exit(0)
    if outcome.error is not None:
        err = outcome.error
        if isinstance(err, NothingStaged):  # e.g. --allow-empty: nothing to suggest from, nothing to say
            return 0
        detail = str(err) if isinstance(err, OctoError) else f"{type(err).__name__}: {err}"
        _say(f"no message suggestion: {detail.splitlines()[0] if detail else type(err).__name__}")
        return 0
    if outcome.value:
        message_file.write_text(
            with_suggestion(message, outcome.value, settings), encoding="utf-8", errors="surrogateescape"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for git (`FILE [SOURCE [SHA]]`) and for pre-commit (`FILE`, source in the environment)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        _say("prepare-commit-msg hook called without a message file; skipped")
        return 0
    source = args[1] if len(args) > 1 else os.environ.get("PRE_COMMIT_COMMIT_MSG_SOURCE", "")
    try:
        return prepare_commit_msg(Path(args[0]), source, os.getcwd())
    except OctoError as exc:
        _say(f"no message suggestion: {exc}")
        return 0
    except Exception as exc:  # a hook bug must not block a commit either
        _say(f"no message suggestion: unexpected {type(exc).__name__}: {exc}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
