"""Diffs as bags of tokens (the NNGen representation) and the `git log -p` stream split into commits."""

from __future__ import annotations

import re
import subprocess
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from gitocto.errors import OctoError
from gitocto.git.worktree import DIFF_OPTIONS

# Identifier-like words and numbers; punctuation carries little signal and makes every posting list long.
TOKEN_RE = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*|[0-9]+")
PATH_RE = re.compile(rb"[A-Za-z0-9_]+")
MAX_VECTOR_TOKENS = 3000  # tokens counted into a diff's vector; enough to place a change, cheap for huge ones
MAX_SEQ_TOKENS = 200  # tokens kept in order for the BLEU re-rank
BUCKETS = 1 << 20  # hashed vocabulary: no word list to load at query time

RECORD = "\x1e"
FIELD = "\x1f"


class DiffTokens(NamedTuple):
    """A diff's bag of hashed tokens (bucket -> count) and its first tokens in order."""

    bag: dict[int, int]
    sequence: list[str]


class CommitRecord(NamedTuple):
    """One past commit as the index keeps it."""

    sha: str
    subject: str
    tokens: DiffTokens


def bucket(token: bytes) -> int:
    """The stable hashed dimension of a token (crc32, the same in every process)."""
    return zlib.crc32(token) & (BUCKETS - 1)


def tokenize_diff(lines: Iterable[bytes]) -> DiffTokens:
    """Tokens of the changed lines and of the changed paths of a unified diff."""
    found: list[bytes] = []
    for line in lines:
        if len(found) >= MAX_VECTOR_TOKENS:
            break
        if line.startswith((b"+++", b"---")):
            continue
        if line.startswith((b"+", b"-")):
            found.extend(TOKEN_RE.findall(line, 1))
        elif line.startswith(b"diff --git "):
            # Path words, without git's a/ and b/ prefixes (which every diff shares).
            found.extend(w for w in PATH_RE.findall(line, 11) if w not in (b"a", b"b"))
    found = found[:MAX_VECTOR_TOKENS]
    bag: Counter[int] = Counter(map(bucket, found))
    sequence = [t.decode("utf-8", "replace") for t in found[:MAX_SEQ_TOKENS]]
    return DiffTokens(dict(bag), sequence)


def tokenize_patch(patch: bytes) -> DiffTokens:
    """Tokenise a whole patch held in memory."""
    return tokenize_diff(patch.splitlines())


def iter_history(cwd: str, include: Sequence[str], exclude: Sequence[str] = ()) -> Iterator[CommitRecord]:
    """Non-merge commits reachable from `include` but not `exclude`, newest first, with their diffs tokenised."""
    args = ["git", "log", "--no-merges", f"--format={RECORD}%H{FIELD}%s", "-p", *DIFF_OPTIONS, *include]
    args += [f"^{sha}" for sha in exclude]
    args += ["--"]
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    head: bytes | None = None
    body: list[bytes] = []
    completed = False
    try:
        for raw in proc.stdout:
            if raw.startswith(b"\x1e"):
                if head is not None:
                    yield _record(head, body)
                head, body = raw, []
            elif len(body) < 20 * MAX_VECTOR_TOKENS:
                body.append(raw.rstrip(b"\n"))
        if head is not None:
            yield _record(head, body)
        completed = True
    finally:
        proc.stdout.close()
        if not completed:
            proc.kill()
        err = proc.stderr.read() if proc.stderr else b""
        if proc.wait() != 0 and completed:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise OctoError(f"git log failed: {lines[-1] if lines else proc.returncode}")


def _record(head: bytes, body: list[bytes]) -> CommitRecord:
    sha, _, subject = head[1:].rstrip(b"\n").decode("utf-8", "replace").partition(FIELD)
    return CommitRecord(sha, subject.strip(), tokenize_diff(body))
