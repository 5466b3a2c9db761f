"""Commit messages from a model backend, prompted in the commit format the project trains on.

The training format is `<commit_before>{old}<commit_msg>{subject}<commit_after>{new}`; a message is asked for by
giving the file before the change and stopping where the model would start the file after.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from gitocto.git import worktree as repo

MAX_BEFORE_CHARS = 6000
STOPS = ("<commit_after>", "<commit_before>", "<commit_msg>", "<|endoftext|>", "</s>", "\n\n")
MAX_SUBJECT = 72
_PREFIX = re.compile(r"^(commit message|commit|message|subject|summary|title)\s*[:\-]\s*", re.IGNORECASE)
_SPECIAL = re.compile(r"<\|?[a-z_]+\|?>")


@dataclass(frozen=True)
class ChangedFile:
    """A file the change touches and how many lines it adds and removes."""

    path: str
    old_path: str | None
    lines: int


def changed_files(cwd: str, rev: str | None) -> list[ChangedFile]:
    """Files the staged change (or commit `rev`) touches, the most-changed first."""
    args = (
        ["diff", "--cached", "-M", "--numstat", "-z"]
        if rev is None
        else ["log", "-1", "--format=", "--numstat", "-z", "-M", "--diff-merges=first-parent", rev]
    )
    out = repo.run_git(args, cwd).decode("utf-8", "replace")
    files: list[ChangedFile] = []
    fields = out.split("\0")
    i = 0
    while i < len(fields):
        entry = fields[i].strip("\n")
        i += 1
        if not entry:
            continue
        added, removed, path = entry.split("\t", 2)
        old = None
        if path == "":  # a rename: the old and new paths follow as their own fields
            old, path = fields[i], fields[i + 1]
            i += 2
        n = (int(added) if added.isdigit() else 0) + (int(removed) if removed.isdigit() else 0)
        files.append(ChangedFile(path, old, n))
    files.sort(key=lambda f: -f.lines)
    return files


def file_before(cwd: str, changed: ChangedFile, rev: str | None) -> str:
    """The file's contents before the change ('' for a new file)."""
    base = "HEAD" if rev is None else f"{rev}^"
    spec = f"{base}:{changed.old_path or changed.path}"
    proc = subprocess.run(["git", "show", spec], cwd=cwd, capture_output=True, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else ""


def import_client(backend: str) -> None:
    """Import the openai client now, so that a wall-clock limit on a request counts the server's time only."""
    if backend == "openai":
        import openai  # noqa: F401


def local_options(backend: str) -> dict[str, bool]:
    """Backend options that keep commit-time help off the network: an hf model loads from the local cache only."""
    return {"local_files_only": True} if backend == "hf" else {}


def build_prompt(before: str) -> str:
    """The commit-format prompt that asks for the message of a change to `before`."""
    return f"<commit_before>{before[:MAX_BEFORE_CHARS]}<commit_msg>"


def clean_message(text: str) -> str:
    """A one-line subject out of a model's reply: no special tokens, quotes, labels or chatter; '' if none."""
    # Text after a special token is the model going on past the message (e.g. into <commit_after>).
    pieces = [p for p in _SPECIAL.split(text) if any(ch.isalnum() for ch in p)]
    text = pieces[0] if pieces else ""
    for line in text.splitlines():
        line = "".join(ch for ch in line if ch.isprintable()).strip().strip("`").strip()
        line = _PREFIX.sub("", line).strip().strip("\"'").strip()
        line = line.lstrip("#*-> ").strip()
        if line and any(ch.isalnum() for ch in line):
            if len(line) > MAX_SUBJECT:
                cut = line[:MAX_SUBJECT].rsplit(" ", 1)[0]
                line = cut if cut else line[:MAX_SUBJECT]
            return line
    return ""
