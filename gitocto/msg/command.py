"""`git octo msg`: print a commit message for the staged change (or a past commit) from the configured backend."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto import console as out
from gitocto import hub
from gitocto.committime.settings import load_settings
from gitocto.errors import OctoError
from gitocto.git import worktree as repo
from gitocto.msg.suggest import suggest


@dataclass(frozen=True)
class Options:
    """What `git octo msg` takes; a backend, model, endpoint or timeout not given comes from git config."""

    cwd: str
    rev: str | None = None
    backend: str | None = None
    model: str | None = None
    endpoint: str | None = None
    timeout: float | None = None


def run(options: Options) -> int:
    """Print the suggested message; exit 1 with a one-line error when there is none.

    A model backend gets `timeout` seconds of wall-clock time in all; `nn` is local and builds its index to the end.
    """
    hub.need_model(options.backend in ("hf", "vllm") and options.model, fail_now=False)  # a miss: "no suggestion"
    cwd = options.cwd
    location = repo.locate(cwd)
    settings = load_settings(cwd, options.backend, options.model, options.endpoint, options.timeout)

    def work() -> str | None:
        return suggest(cwd, settings, options.rev, progress=lambda text: out.line(text, err=True), location=location)

    if settings.uses_model:
        from gitocto.committime.deadline import call_within
        from gitocto.msg.model import import_client

        import_client(settings.backend)
        # The client's timeout bounds each socket read, not the request: a server that trickles bytes would
        # hold it forever.
        message = call_within(
            work,
            settings.timeout,
            f"the {settings.backend} backend gave no message within "
            f"{settings.timeout:g}s (--timeout or git config octo.timeout)",
        )
    else:
        message = work()
    if not message:
        raise OctoError(
            "no suggestion: no past commit resembles this change"
            if settings.backend == "nn"
            else f"the {settings.backend} backend gave no usable message"
        )
    out.line(message)
    return 0
