"""git's plumbing as Python streams: commits with their raw changes from one `git log --raw -z`, and blobs from one
long-lived `git cat-file --batch` (measured faster than walking trees and diffing them with pygit2; see bench/)."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import threading
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

NULL_SHA = "0" * 40
# The header git prints before each commit's raw changes; every field is NUL-terminated under -z.
LOG_FORMAT = "%x00%H%x00%P%x00%aI%x00%cI%x00%B%x00"
_HEADER_FIELDS = 5
_CHUNK = 1 << 20
PIPE_SIZE = 1 << 20
_MALLOC_TUNABLES = ":".join(
    f"glibc.malloc.{name}={value}"
    for name, value in (("trim_threshold", 32 << 20), ("mmap_threshold", 32 << 20), ("top_pad", 16 << 20))
)
_NUMSTAT = re.compile(rb"^(?:\d+|-)\t(?:\d+|-)\t")


@dataclass(frozen=True)
class RawChange:
    """One line of `git diff --raw`: modes, blob ids, status letter (M, A, D, R, C, T) and the paths as bytes."""

    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    status: str
    old_path: bytes
    new_path: bytes
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class RawCommit:
    """A commit's header fields and its changes against the first parent."""

    sha: str
    parents: tuple[str, ...]
    author_date: str
    committer_date: str
    message: bytes
    changes: tuple[RawChange, ...]


def _tokens(stream: IO[bytes]) -> Iterator[bytes]:
    # read1: what git has written so far, not a full megabyte (which would wait for most of a small repository's log).
    read = getattr(stream, "read1", stream.read)
    rest = b""
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def parse_raw_log(stream: IO[bytes]) -> Iterator[RawCommit]:
    """Parse the output of `git log -z --raw --numstat --format=<LOG_FORMAT>` into commits, one at a time."""
    tokens = _tokens(stream)
    pending: bytes | None = None
    while True:
        token = pending if pending is not None else next(tokens, None)
        pending = None
        if token is None:
            return
        if not token.strip(b"\n"):
            continue
        header = [token, *(next(tokens, b"") for _ in range(_HEADER_FIELDS - 1))]
        sha, parents, author_date, committer_date, message = header
        changes: list[RawChange] = []
        stats: list[tuple[int, int]] = []
        for tok in tokens:
            entry = tok.lstrip(b"\n")
            if not entry:
                continue
            if entry.startswith(b":"):
                old_mode, new_mode, old_sha, new_sha, status = entry[1:].decode("ascii").split(" ")
                old_path = next(tokens, b"")
                new_path = next(tokens, b"") if status[0] in "RC" else old_path
                changes.append(RawChange(old_mode, new_mode, old_sha, new_sha, status[0], old_path, new_path))
            elif _NUMSTAT.match(entry):
                added, removed, path = entry.split(b"\t", 2)
                if not path:  # a rename: the old and new paths follow as their own tokens
                    next(tokens, b"")
                    next(tokens, b"")
                stats.append((int(added) if added != b"-" else 0, int(removed) if removed != b"-" else 0))
            else:
                pending = tok
                break
        if len(stats) == len(changes):
            # --numstat lists the same file pairs in the same order as --raw.
            changes = [replace(c, added=a, removed=r) for c, (a, r) in zip(changes, stats, strict=True)]
        yield RawCommit(
            sha.decode("ascii"),
            tuple(parents.decode("ascii").split()),
            author_date.decode("ascii"),
            committer_date.decode("ascii"),
            message,
            tuple(changes),
        )


def log_raw(
    git_dir: Path, commits: Sequence[str], *, first_parent_diffs: bool = False
) -> Generator[RawCommit, None, None]:
    """Stream `commits` (in the given order) with their raw changes against the first parent, renames detected."""
    args = [
        "git",
        f"--git-dir={git_dir}",
        "-c",
        "log.showSignature=false",
        "log",
        "--no-walk=unsorted",
        "--stdin",
        "--raw",
        "--numstat",
        "-z",
        "-M",
        "--no-abbrev",
        "--no-color",
        "--no-mailmap",
        f"--format={LOG_FORMAT}",
    ]
    if first_parent_diffs:
        args.append("--diff-merges=first-parent")
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=git_env())
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    _widen(proc.stdout)
    writer = threading.Thread(target=_feed, args=(proc.stdin, [f"{c}\n".encode() for c in commits]), daemon=True)
    writer.start()
    try:
        yield from parse_raw_log(proc.stdout)
    finally:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        code = proc.wait()
        writer.join()
    if code != 0:
        raise LogError(err.decode("utf-8", errors="replace").strip() or f"git log exited {code}")


def git_env() -> dict[str, str]:
    """The environment for the long-lived git processes: glibc's allocator told to keep freed memory rather than hand
    it back to the system and fault it in again for the next diff (git log on click: 61k page faults become 16k,
    and the log takes a fifth less time). Settings the user gave in GLIBC_TUNABLES come later, so they win; other C
    libraries ignore the variable."""
    env = dict(os.environ)
    given = env.get("GLIBC_TUNABLES")
    env["GLIBC_TUNABLES"] = f"{_MALLOC_TUNABLES}:{given}" if given else _MALLOC_TUNABLES
    return env


def _widen(pipe: IO[bytes]) -> None:
    """Let git run up to a megabyte ahead of its reader (Linux; elsewhere the pipe keeps its size). A 64 KB pipe
    holds a fraction of one chunk's log, so git stopped whenever the reader was busy building records."""
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_SIZE)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        pass


class LogError(RuntimeError):
    """`git log` failed part-way (a missing tree or commit object)."""


def _feed(stdin: IO[bytes], lines: Sequence[bytes]) -> None:
    # A thread writes while the caller reads, so neither pipe fills up and blocks the other side.
    try:
        for line in lines:
            stdin.write(line)
        stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


class OversizeBlob(bytes):
    """Stands in for a blob over the reader's size limit: no contents (never held in memory), its size in `size`."""

    size: int = 0


class BlobReader:
    """One `git cat-file --batch` process; `read(shas)` returns each blob's bytes, or None if missing or corrupt.

    A corrupt object makes cat-file die; the reader then restarts it and carries on after that object. A blob over
    `max_size` bytes is streamed past and returned as an `OversizeBlob`.
    """

    def __init__(self, git_dir: Path, max_size: int | None = None) -> None:
        self._git_dir = git_dir
        self._max_size = max_size
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is None or self._proc.poll() is not None:
            self.close()
            self._proc = subprocess.Popen(
                ["git", f"--git-dir={self._git_dir}", "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=git_env(),
            )
        return self._proc

    def read(self, shas: Sequence[str]) -> list[bytes | None]:
        """Blobs for `shas`, in order; a writer thread feeds the requests so large batches cannot deadlock."""
        out: list[bytes | None] = []
        start = 0
        while start < len(shas):
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            todo = shas[start:]
            writer = threading.Thread(target=_write_requests, args=(proc.stdin, todo), daemon=True)
            writer.start()
            got = _read_responses(proc.stdout, len(todo), out, self._max_size)
            writer.join()
            start += got
            if got < len(todo):
                # cat-file died on this object: record it as unreadable and restart after it.
                out.append(None)
                start += 1
                self.close()
        return out

    def close(self) -> None:
        """Stop the cat-file process."""
        if self._proc is not None:
            for pipe in (self._proc.stdin, self._proc.stdout):
                try:
                    if pipe is not None:
                        pipe.close()
                except OSError:
                    pass
            self._proc.wait()
            self._proc = None

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_requests(stdin: IO[bytes], shas: Sequence[str]) -> None:
    try:
        stdin.write("".join(f"{s}\n" for s in shas).encode("ascii"))
        stdin.flush()
    except (BrokenPipeError, OSError, ValueError):
        pass


def _read_responses(stdout: IO[bytes], n: int, out: list[bytes | None], max_size: int | None = None) -> int:
    """Read up to `n` responses into `out`; return how many were read before the stream ended."""
    for i in range(n):
        header = stdout.readline()
        if not header:
            return i
        fields = header.split()
        if len(fields) != 3:
            out.append(None)  # "<sha> missing" or "<sha> ambiguous"
            continue
        size = int(fields[2])
        if max_size is not None and size > max_size:
            if not _skip(stdout, size + 1):
                return i
            big = OversizeBlob()
            big.size = size
            out.append(big)
            continue
        # The contents, then the newline after them on their own: slicing it off would copy every blob once more.
        data = stdout.read(size)
        if len(data) != size or stdout.read(1) != b"\n":
            return i
        out.append(data if fields[1] == b"blob" else None)
    return n


def _skip(stdout: IO[bytes], n: int) -> bool:
    """Read past `n` bytes in bounded pieces; False when the stream ends first."""
    while n > 0:
        piece = stdout.read(min(n, _CHUNK))
        if not piece:
            return False
        n -= len(piece)
    return True
