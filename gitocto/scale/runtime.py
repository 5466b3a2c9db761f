"""A Ray session for one command: the embedded local Ray when no address is given, or a running cluster."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from gitocto.errors import OctoError


@contextmanager
def ray_session(address: str | None, workers: int) -> Iterator[None]:
    """Connect to Ray at `address`, or start a local Ray with `workers` CPUs; shut down only what was started here."""
    try:
        import ray
    except ImportError:
        raise OctoError("the ray engine needs Ray: pip install 'gitocto[scale]'") from None
    if ray.is_initialized():
        yield
        return
    # Usage reporting would try the network at startup; nothing here reaches it and it costs time.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        if address is None:
            start_local_ray(workers)
        else:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, ValueError… for an unusable address
        where = f" at {address}" if address else ""
        raise OctoError(f"cannot start or reach Ray{where}: {type(exc).__name__}: {exc}") from None
    try:
        yield
    finally:
        ray.shutdown()


def start_local_ray(workers: int) -> None:
    """Start the embedded local Ray, with token authentication and a token of its own.

    Ray (2.5x and newer) turns token authentication on for a new local cluster and keeps the token in
    `~/.ray/auth_token`, which its GCS server reads at start. A second local Ray in the same process under another
    HOME (tests, or a user who changed it) then finds auth on and no token, and its GCS dies; Ray only reports
    "Timed out waiting for file …gcs_server_port…" 30 s later. A token passed in the environment reaches every Ray
    process this one starts, reads nothing from HOME and writes nothing there. A token (or `RAY_AUTH_MODE=disabled`)
    the user set wins.
    """
    import ray

    own_token = not any(os.environ.get(key) for key in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"))
    if own_token and os.environ.get("RAY_AUTH_MODE", "token").lower() == "token":
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)  # Ray itself then switches the mode to token
    ray.init(num_cpus=max(1, workers), include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)


def cluster_cpus() -> int:
    """CPUs in the connected Ray cluster (at least 1)."""
    import ray

    resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 1)))
