"""Commit-time settings: git config `octo.*` keys, overridden by command-line flags, checked once."""

from __future__ import annotations

import math
from typing import NamedTuple

from gitocto.errors import OctoError
from gitocto.git import worktree as repo

MSG_BACKENDS = ("nn", "hf", "openai", "vllm")
HOOK_MODES = ("fill", "comment")
DEFAULT_TIMEOUT_S = 2.0


class Settings(NamedTuple):
    """Which backend suggests messages and repairs, and how the hook behaves."""

    backend: str = "nn"
    model: str | None = None
    endpoint: str | None = None
    timeout: float = DEFAULT_TIMEOUT_S
    hook_mode: str = "fill"
    comment_char: str = "#"

    @property
    def uses_model(self) -> bool:
        """True when a model backend (not the embedded nn retrieval) is configured."""
        return self.backend != "nn"


def load_settings(
    cwd: str,
    backend: str | None = None,
    model: str | None = None,
    endpoint: str | None = None,
    timeout: float | None = None,
) -> Settings:
    """Settings from git config with the given flags taking precedence; bad values are one-line errors."""
    config = repo.octo_config(cwd)
    kind = (backend or config.get("octo.backend") or "nn").strip().lower()
    if kind not in MSG_BACKENDS:
        choices = ", ".join(MSG_BACKENDS)
        raise OctoError(f"unknown backend {kind!r} (octo.backend or --backend); choose one of {choices}")
    if timeout is None:
        raw = config.get("octo.timeout")
        try:
            timeout = float(raw) if raw else DEFAULT_TIMEOUT_S
        except ValueError:
            raise OctoError(f"octo.timeout must be a number of seconds, not {raw!r}") from None
    # inf and nan are floats too, but no thread join or socket takes them as a limit.
    if not (math.isfinite(timeout) and timeout > 0):
        raise OctoError(f"the timeout must be more than 0 seconds (and finite), not {timeout:g}")
    mode = (config.get("octo.hookmode") or "fill").strip().lower()
    if mode not in HOOK_MODES:
        raise OctoError(f"octo.hookMode must be one of {', '.join(HOOK_MODES)}, not {mode!r}")
    comment = config.get("core.commentchar", "#")
    if len(comment) != 1:  # "auto" or unset: git's default
        comment = "#"
    return Settings(
        backend=kind,
        model=model or config.get("octo.model") or None,
        endpoint=endpoint or config.get("octo.endpoint") or None,
        timeout=timeout,
        hook_mode=mode,
        comment_char=comment,
    )
