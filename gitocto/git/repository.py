"""Opening a repository with pygit2: where its objects are, whether it is bare, empty or shallow, its name."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pygit2

from gitocto.errors import OctoError

# Top-level files that carry a repository's licence, found by these prefixes in any case: the plain names with these
# extensions first (LICENSE, License.md, copying.txt), then the rest in prefix order (LICENSE-MIT, COPYING.LESSER).
LICENSE_PREFIXES = ("license", "licence", "copying", "unlicense")
LICENSE_EXTENSIONS = ("", ".md", ".txt", ".rst")
_REMOTE_NAME = re.compile(r"([^/:]+/[^/:]+?)(?:\.git)?/*$")


@dataclass(frozen=True)
class RepoInfo:
    """A repository as the extractor needs it: the git dir to run plumbing in and a few facts about it."""

    git_dir: Path
    bare: bool
    empty: bool
    shallow_boundary: tuple[str, ...]
    name: str


def open_repository(path: Path) -> tuple[pygit2.Repository, RepoInfo]:
    """Open the repository at (or above) `path`; raise OctoError when it is not one or cannot be read."""
    if not path.exists():
        raise OctoError(f"{path}: no such file or directory")
    try:
        found = pygit2.discover_repository(str(path))
    except pygit2.GitError as exc:
        raise OctoError(f"{path}: not a git repository ({exc})") from exc
    if found is None:
        raise OctoError(f"{path}: not a git repository")
    try:
        repo = pygit2.Repository(found)
        empty = repo.head_is_unborn
        bare = repo.is_bare
    except (pygit2.GitError, KeyError, ValueError) as exc:
        raise OctoError(f"{path}: cannot read the repository ({exc})") from exc
    git_dir = Path(repo.path)
    boundary: tuple[str, ...] = ()
    shallow = git_dir / "shallow"
    if shallow.is_file():
        boundary = tuple(sorted(line.strip() for line in shallow.read_text().splitlines() if line.strip()))
    info = RepoInfo(git_dir=git_dir, bare=bare, empty=empty, shallow_boundary=boundary, name=repo_name(repo))
    return repo, info


def repo_name(repo: pygit2.Repository) -> str:
    """`owner/name` from the origin remote's URL (as CommitPack's `repos` column), else the directory's name."""
    try:
        url = repo.remotes["origin"].url or ""
    except (KeyError, ValueError, pygit2.GitError):
        url = ""
    # Hosted remotes give owner/name (scheme:// or scp-like user@host:path); a local path its directory's name.
    match = _REMOTE_NAME.search(url.rstrip("/")) if "://" in url or re.match(r"^[\w.-]+@[\w.-]+:", url) else None
    if match and not url.startswith("file://"):
        return match.group(1)
    root = Path(repo.workdir) if repo.workdir else Path(repo.path)
    return root.resolve().name.removesuffix(".git")


def license_text(repo: pygit2.Repository, rev: str | None) -> str | None:
    """The text of the licence file at the commit `rev` names (default HEAD), or None when there is none."""
    try:
        tip = repo.revparse_single(rev or "HEAD").peel(pygit2.Commit)
        tree = tip.tree
    except (KeyError, ValueError, pygit2.GitError):
        return None
    blobs = {
        entry.name: entry.id for entry in tree if entry.type == pygit2.enums.ObjectType.BLOB and entry.name is not None
    }
    name = license_file(blobs)
    if name is None:
        return None
    try:
        data: bytes = cast(pygit2.Blob, repo[blobs[name]]).data
    except (KeyError, pygit2.GitError):
        return None
    return data.decode("utf-8", errors="replace")


def license_file(names: Iterable[str]) -> str | None:
    """The licence file among a tree's top-level file `names`, by the order of LICENSE_PREFIXES, or None."""
    ranked = [(rank, name) for name in names if (rank := _license_rank(name)) is not None]
    return min(ranked)[1] if ranked else None


def _license_rank(name: str) -> tuple[int, int, int, str] | None:
    lower = name.lower()
    for i, prefix in enumerate(LICENSE_PREFIXES):
        rest = lower.removeprefix(prefix)
        if rest == lower:
            continue
        if rest in LICENSE_EXTENSIONS:
            return (0, i, LICENSE_EXTENSIONS.index(rest), name)
        # LICENSE-MIT, COPYING.LESSER, LICENSE_1_0.txt; not licenses.py or licensed-files.json.
        if rest[0] in "-._":
            return (1, i, 0, name)
    return None


def git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    """Run a git command in `git_dir` and return its stdout; raise OctoError with git's message when it fails."""
    proc = subprocess.run(["git", f"--git-dir={git_dir}", *args], input=input, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise OctoError(f"git {args[0]} failed: {message[-1] if message else f'exit {proc.returncode}'}")
    return proc.stdout
