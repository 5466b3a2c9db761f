"""`git octo msg`: a commit message for the staged change (or a past commit) from the configured backend."""

from __future__ import annotations

import sys
from collections.abc import Callable

from gitocto.committime.settings import Settings, load_settings
from gitocto.errors import OctoError
from gitocto.git import worktree as repo

MAX_NEW_TOKENS = 48


class NothingStaged(OctoError):
    """There is no change to describe (the hook stays silent about it; `git octo msg` says so)."""


def suggest(cwd: str, settings: Settings, rev: str | None = None,
            progress: Callable[[str], None] | None = None, location: repo.Location | None = None) -> str | None:
    """A one-line subject for the staged change, or for commit `rev` from the history before it; None if none."""
    sha = repo.resolve_commit(rev, cwd) if rev else None
    patch = repo.commit_diff(sha, cwd) if sha else repo.staged_diff(cwd)
    if not patch.strip():
        raise NothingStaged("nothing is staged; stage a change with `git add` (or pass --diff REV)" if sha is None
                            else f"commit {rev} changes no file")
    if settings.backend == "nn":
        return _suggest_nn(cwd, patch, sha, progress, location)
    return _suggest_model(cwd, settings, sha)


def _suggest_nn(cwd: str, patch: bytes, sha: str | None, progress: Callable[[str], None] | None,
                location: repo.Location | None) -> str | None:
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
    backend = make_backend(settings.backend, model=settings.model, endpoint=settings.endpoint,
                           timeout=settings.timeout, **options)
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=MAX_NEW_TOKENS, stop=STOPS)
    reply = backend.complete([build_prompt(before)], params)[0][0]
    return clean_message(reply) or None


def msg_command(
    cwd: str,
    rev: str | None = None,
    backend: str | None = None,
    model: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> int:
    """Print the suggested message; exit 1 with a one-line error when there is none.

    A model backend gets `timeout` seconds of wall-clock time in all; `nn` is local and builds its index to the end.
    """
    location = repo.locate(cwd)
    settings = load_settings(cwd, backend, model, endpoint, timeout)

    def work() -> str | None:
        return suggest(cwd, settings, rev, progress=lambda line: print(line, file=sys.stderr), location=location)

    if settings.uses_model:
        from gitocto.committime.deadline import call_within
        from gitocto.msg.model import import_client

        import_client(settings.backend)
        # The client's timeout bounds each socket read, not the request: a server that trickles bytes would
        # hold it forever.
        message = call_within(work, settings.timeout, f"the {settings.backend} backend gave no message within "
                              f"{settings.timeout:g}s (--timeout or git config octo.timeout)")
    else:
        message = work()
    if not message:
        raise OctoError("no suggestion: no past commit resembles this change" if settings.backend == "nn"
                        else f"the {settings.backend} backend gave no usable message")
    print(message)
    return 0
