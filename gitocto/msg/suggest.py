"""A commit message for the staged change (or a past commit) from the configured backend."""

from __future__ import annotations

from collections.abc import Callable

from gitocto.committime.settings import Settings
from gitocto.errors import OctoError
from gitocto.git import worktree as repo

MAX_NEW_TOKENS = 48


class NothingStaged(OctoError):
    """There is no change to describe (the hook stays silent about it; `git octo msg` says so)."""


def suggest(
    cwd: str,
    settings: Settings,
    rev: str | None = None,
    progress: Callable[[str], None] | None = None,
    location: repo.Location | None = None,
) -> str | None:
    """A one-line subject for the staged change, or for commit `rev` from the history before it; None if none."""
    sha = repo.resolve_commit(rev, cwd) if rev else None
    patch = repo.commit_diff(sha, cwd) if sha else repo.staged_diff(cwd)
    if not patch.strip():
        raise NothingStaged(
            "nothing is staged; stage a change with `git add` (or pass --diff REV)"
            if sha is None
            else f"commit {rev} changes no file"
        )
    if settings.backend == "nn":
        return _suggest_nn(cwd, patch, sha, progress, location)
    return _suggest_model(cwd, settings, sha)


def _suggest_nn(
    cwd: str, patch: bytes, sha: str | None, progress: Callable[[str], None] | None, location: repo.Location | None
) -> str | None:
    from gitocto.msg.index import open_index
    from gitocto.msg.nngen import suggest_subject
    from gitocto.msg.tokens import tokenize_patch

    allowed: Callable[[str], bool] | None = None
    if sha is not None:
        parents = repo.git_text(["rev-parse", f"{sha}^@"], cwd).split()
        if not parents:
            return None
        before = set(repo.git_text(["rev-list", *parents], cwd).split())
        allowed = before.__contains__
    index = open_index(cwd, progress=progress, location=location)
    try:
        return suggest_subject(index, tokenize_patch(patch), allowed)
    finally:
        index.close()


def _suggest_model(cwd: str, settings: Settings, sha: str | None) -> str | None:
    from gitocto.backends.base import SamplingParams, make_backend
    from gitocto.msg.model import STOPS, build_prompt, changed_files, clean_message, file_before, local_options

    files = changed_files(cwd, sha)
    before = file_before(cwd, files[0], sha) if files else ""
    options = {"max_retries": 0} if settings.backend == "openai" else local_options(settings.backend)
    backend = make_backend(
        settings.backend, model=settings.model, endpoint=settings.endpoint, timeout=settings.timeout, **options
    )
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=MAX_NEW_TOKENS, stop=STOPS)
    reply = backend.complete([build_prompt(before)], params)[0][0]
    return clean_message(reply) or None
