"""Commits into records: one record per changed file, with the file before, the message and the file after.

The bulk path is git's own plumbing (one `git log --raw --numstat -z` and one `git cat-file --batch` per chunk of
commits); pygit2 opens the repository and reads its licence. Chunks are independent, so `--workers` runs them in
separate processes and the output order stays that of the commit list.
"""

from __future__ import annotations

import hashlib
import shlex
from collections import Counter
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitocto.errors import OctoError
from gitocto.extract.languages import language_and_source
from gitocto.extract.licenses import detect_license, github_key, spdx_of
from gitocto.extract.options import ExtractOptions
from gitocto.extract.record import COLUMNS as COLUMNS  # re-exported: the written columns, in order
from gitocto.extract.record import DEDUP_FIELD, Record
from gitocto.extract.text import decode, is_binary
from gitocto.git.repository import git, license_text, open_repository
from gitocto.git.streams import NULL_SHA, BlobReader, LogError, OversizeBlob, RawChange, RawCommit, log_raw

CHUNK_COMMITS = 100  # pytest to Parquet: peak RSS 365 MB at 100, 490 MB at 200, no slower
_KIND = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "T": "modified", "C": "added"}
GITLINK, SYMLINK = "160000", "120000"


@dataclass(frozen=True)
class RepoContext:
    """What every record of one repository shares, and where its objects are (picklable for workers)."""

    git_dir: Path
    repos: str
    license: str | None  # GitHub's licence key (CommitPack's convention); the SPDX id is license_spdx
    shallow_boundary: frozenset[str]
    max_file_size: int
    include_merges: bool
    license_spdx: str | None = None


@dataclass
class ChunkResult:
    """The records of one chunk of commits, what was skipped and why, and the commits that could not be read."""

    commits: list[str]
    records: list[Record] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def prepare(repo_path: Path, options: ExtractOptions) -> tuple[RepoContext, list[str]]:
    """Open the repository and list the commits to extract, newest first (empty for an empty repository)."""
    repo, info = open_repository(repo_path)
    licence = spdx_of(options.license) or detect_license(
        None if info.empty else license_text(repo, _tip(info.git_dir, options))
    )
    ctx = RepoContext(
        git_dir=info.git_dir,
        repos=info.name,
        license=github_key(licence),
        license_spdx=licence,
        shallow_boundary=frozenset(info.shallow_boundary),
        max_file_size=options.max_file_size,
        include_merges=options.include_merges,
    )
    if info.empty and not options.rev:
        return ctx, []
    return ctx, select_commits(info.git_dir, options)


def select_commits(git_dir: Path, options: ExtractOptions) -> list[str]:
    """The commits `options` select (rev range, dates, count, merges), in `git log` order."""
    args = ["rev-list"]
    if not options.include_merges:
        args.append("--no-merges")
    if options.since:
        args.append(f"--since={options.since}")
    if options.until:
        args.append(f"--until={options.until}")
    if options.max_commits is not None:
        args.append(f"--max-count={options.max_commits}")
    revs = revisions(options.rev)
    out = git(git_dir, *args, *revs, "--")
    return out.decode("ascii").split()


def _tip(git_dir: Path, options: ExtractOptions) -> str | None:
    """The newest commit `--rev` selects (for `main ^v1`, `A...B` as much as for `A..B`); None for plain HEAD."""
    if not options.rev:
        return None
    out = git(git_dir, "rev-list", "-1", *revisions(options.rev), "--").decode("ascii").strip()
    return out or None


def revisions(rev: str | None) -> list[str]:
    """`--rev` as the revision arguments git takes (HEAD when not given)."""
    try:
        revs = shlex.split(rev) if rev else ["HEAD"]
    except ValueError as exc:
        raise OctoError(f"--rev {rev!r}: {exc}") from None
    if any(r.startswith("-") for r in revs):
        raise OctoError(f"--rev {rev!r}: a revision may not start with '-'")
    return revs


def chunks(commits: Sequence[str], size: int = CHUNK_COMMITS) -> list[list[str]]:
    """`commits` cut into consecutive chunks of at most `size`."""
    return [list(commits[i : i + size]) for i in range(0, len(commits), size)]


def _wanted(change: RawChange, counts: Counter[str]) -> bool:
    """Whether a change becomes a record; submodules, symlinks and mode-only changes are counted and left out."""
    if GITLINK in (change.old_mode, change.new_mode):
        counts["skipped_submodule"] += 1
        return False
    if SYMLINK in (change.old_mode, change.new_mode):
        counts["skipped_symlink"] += 1
        return False
    if change.old_sha == change.new_sha and change.status in "MT":
        counts["skipped_mode_only"] += 1
        return False
    return True


def fetch_log(ctx: RepoContext, commits: list[str]) -> list[RawCommit] | LogError:
    """The raw changes of `commits`, or the error `git log` stopped with."""
    try:
        return list(log_raw(ctx.git_dir, commits, first_parent_diffs=ctx.include_merges))
    except LogError as exc:
        return exc


def chunk_logs(
    ctx: RepoContext, commit_chunks: Sequence[list[str]]
) -> Generator[list[RawCommit] | LogError, None, None]:
    """The log of each chunk, in order, from one `git log` for the whole run rather than one per chunk (git's start-up
    per process, its pack indexes and caches read again, cost a third of the log's time on pytest). When git stops on
    an unreadable object, the chunk it was in gets the error and a new `git log` carries on from the next chunk."""
    from itertools import islice

    i = 0
    while i < len(commit_chunks):
        rest = commit_chunks[i:]
        stream = log_raw(ctx.git_dir, [c for chunk in rest for c in chunk], first_parent_diffs=ctx.include_merges)
        try:
            for chunk in rest:
                try:
                    got = list(islice(stream, len(chunk)))
                except LogError as exc:
                    yield exc
                    i += 1
                    break
                i += 1
                if [c.sha for c in got] != chunk:  # git skipped or reordered a commit: read this chunk on its own
                    yield LogError(f"git log listed {len(got)} of {len(chunk)} commits")
                    break
                yield got
        finally:
            stream.close()


def extract_chunk(
    ctx: RepoContext,
    commits: list[str],
    raw: list[RawCommit] | LogError | None = None,
    reader: BlobReader | None = None,
) -> ChunkResult:
    """Records for `commits` (one chunk); a commit whose objects cannot be read is reported and left out.

    `raw` is the chunk's log when it was already fetched (the sequential path fetches the next while building);
    `reader` a `cat-file` process kept for the whole run (its delta-base cache stays warm from chunk to chunk).
    """
    result = ChunkResult(commits=commits)
    if raw is None:
        raw = fetch_log(ctx, commits)
    if isinstance(raw, LogError):
        exc = raw
        if len(commits) == 1:
            result.problems.append(f"{commits[0]}: {exc}")
            result.counts["skipped_unreadable_commit"] += 1
            return result
        # Some object in this chunk is missing: go commit by commit so only the broken ones are lost.
        for sha in commits:
            one = extract_chunk(ctx, [sha], reader=reader)
            result.records += one.records
            result.counts.update(one.counts)
            result.problems += one.problems
        return result
    wanted = [[c for c in commit.changes if _wanted(c, result.counts)] for commit in raw]
    # In commit order (not sorted): neighbouring versions share delta bases in cat-file's cache.
    shas = list(
        dict.fromkeys(s for changes in wanted for c in changes for s in (c.old_sha, c.new_sha) if s != NULL_SHA)
    )
    if reader is None:
        with BlobReader(ctx.git_dir, max_size=ctx.max_file_size) as own:
            blobs = dict(zip(shas, own.read(shas), strict=True))
    else:
        blobs = dict(zip(shas, reader.read(shas), strict=True))
    # One decoded text per blob, shared by every record that holds it (a file's new version is the next change's
    # old one): decoded once, kept in memory once.
    texts: dict[str, tuple[str, str]] = {}
    for commit, changes in zip(raw, wanted, strict=True):
        if commit.sha in ctx.shallow_boundary:
            # Its parents are not in the clone: git would show every file as added, which is not the change made.
            result.counts["skipped_shallow_boundary"] += 1
            continue
        missing = [s for c in changes for s in (c.old_sha, c.new_sha) if s != NULL_SHA and blobs.get(s) is None]
        if missing:
            result.problems.append(f"{commit.sha}: object {missing[0]} is missing or corrupt")
            result.counts["skipped_unreadable_commit"] += 1
            continue
        result.records += _commit_records(ctx, commit, changes, blobs, result.counts, texts)
    result.counts["commits"] += len(commits)
    return result


def _commit_records(
    ctx: RepoContext,
    commit: RawCommit,
    changes: list[RawChange],
    blobs: dict[str, bytes | None],
    counts: Counter[str],
    texts: dict[str, tuple[str, str]],
) -> list[Record]:
    message, message_encoding = decode(commit.message)
    subject = message.split("\n", 1)[0].strip()
    message_hash = hashlib.blake2b(commit.message, digest_size=16).hexdigest()
    records: list[Record] = []
    # CommitPack's "exactly one file" counts the files a commit modifies in place (binary ones too).
    same_path = sum(1 for c in commit.changes if c.status in "MT" and c.old_path == c.new_path)
    for change in changes:
        old = (blobs.get(change.old_sha) or b"") if change.old_sha != NULL_SHA else b""
        new = (blobs.get(change.new_sha) or b"") if change.new_sha != NULL_SHA else b""
        oversize = any(isinstance(blobs.get(s), OversizeBlob) for s in (change.old_sha, change.new_sha))
        if oversize or len(old) > ctx.max_file_size or len(new) > ctx.max_file_size:
            counts["skipped_oversize"] += 1
            continue
        if is_binary(old) or is_binary(new):
            counts["skipped_binary"] += 1
            continue
        old_file, _ = decode(change.old_path)
        new_file, _ = decode(change.new_path)
        old_text, old_encoding = _text(change.old_sha, old, texts, blobs)
        new_text, new_encoding = _text(change.new_sha, new, texts, blobs)
        kind = _KIND.get(change.status, "modified")
        lang, lang_source = language_and_source(new_file)
        records.append(
            {
                "commit": commit.sha,
                "parent": commit.parents[0] if commit.parents else None,
                "old_file": old_file if change.status != "A" else new_file,
                "new_file": new_file,
                "old_contents": old_text,
                "new_contents": new_text,
                "subject": subject,
                "message": message,
                "lang": lang,
                "license": ctx.license,
                "repos": ctx.repos,
                "author_date": commit.author_date,
                "committer_date": commit.committer_date,
                "change_type": kind,
                "lines_added": change.added,
                "lines_removed": change.removed,
                "files_changed": len(commit.changes),
                "old_encoding": old_encoding,
                "new_encoding": new_encoding,
                "message_encoding": message_encoding,
                "lang_source": lang_source,
                "license_spdx": ctx.license_spdx,
                "same_path_files": same_path,
                # Blob ids name the contents exactly, so the dedup key needs no hashing of the contents themselves.
                DEDUP_FIELD: f"{change.old_sha}{change.new_sha}{message_hash}",
            }
        )
    return records


def _text(sha: str, data: bytes, texts: dict[str, tuple[str, str]], blobs: dict[str, bytes | None]) -> tuple[str, str]:
    """The decoded text of blob `sha` (`data`), decoded on first use; its bytes are then let go (a decoded blob is
    a text one under the size limit, which is all the later checks of its bytes ask)."""
    got = texts.get(sha)
    if got is None:
        got = texts[sha] = decode(data)
        if sha in blobs:
            blobs[sha] = b""
    return got


def iter_chunk_results(ctx: RepoContext, commit_chunks: Sequence[list[str]], workers: int = 1) -> Iterator[ChunkResult]:
    """Extract each chunk, in order; with `workers` > 1 the chunks run in a process pool."""
    if workers <= 1 or len(commit_chunks) <= 1:
        from concurrent.futures import ThreadPoolExecutor, wait

        # git computes the next chunk's diffs in its own process while this one reads blobs and builds records.
        with (
            ThreadPoolExecutor(max_workers=1) as prefetch,
            BlobReader(ctx.git_dir, max_size=ctx.max_file_size) as reader,
        ):
            logs = chunk_logs(ctx, commit_chunks)
            try:
                ahead = prefetch.submit(next, logs, None)
                for chunk in commit_chunks:
                    raw = ahead.result()
                    ahead = prefetch.submit(next, logs, None)
                    yield extract_chunk(ctx, chunk, raw, reader)
            finally:
                ahead.cancel()
                wait([ahead])  # the generator may be closed only once no thread is running it
                logs.close()
        return
    from collections import deque
    from concurrent.futures import Future

    from gitocto.extract.workers import process_pool

    # A bounded window of chunks in flight: finished chunks wait in memory only until their turn to be written.
    with process_pool(workers) as pool:
        pending: deque[Future[ChunkResult]] = deque()
        for chunk in commit_chunks:
            pending.append(pool.submit(extract_chunk, ctx, chunk))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def iter_records(
    repo_path: Path, options: ExtractOptions, counts: Counter[str] | None = None, problems: list[str] | None = None
) -> Iterator[Record]:
    """Every record of the repository at `repo_path` that `options` select, unfiltered and not deduplicated.

    Skips and unreadable commits are added to `counts` and `problems` when given.
    """
    ctx, commits = prepare(repo_path, options)
    for result in iter_chunk_results(ctx, chunks(commits), options.workers):
        if counts is not None:
            counts.update(result.counts)
        if problems is not None:
            problems.extend(result.problems)
        for record in result.records:
            record.pop(DEDUP_FIELD, None)
            yield record
